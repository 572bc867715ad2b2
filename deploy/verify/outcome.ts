/**
 * How the check of one service ended, and what that means for the exit code of `npm run verify`.
 */
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SUCCESS } from "../errors";
import type { ServiceMode } from "../outputs";

export type VerifyOutcome =
    /** ECS: the PRIMARY deployment completed on the stack's revision. CodeDeploy: the latest deployment succeeded. */
    | "completed"
    /** CodeDeploy: the deployment group has no deployment yet (nothing released with `npm run deploy`). */
    | "none"
    /** The circuit breaker, an alarm or CodeDeploy's auto-rollback undid the release (or is undoing it). */
    | "rolledBack"
    /** Failed or stopped without a rollback, or the rollback failed too. */
    | "failed"
    /** ECS: the deployment being followed was replaced by another one. */
    | "vanished"
    /** Still in progress when the timeout came (the deployment itself goes on). */
    | "timedOut"
    /** Ctrl-C while this service was watched. */
    | "interrupted"
    /** Ctrl-C before this service was reached. */
    | "notChecked"
    /** An AWS call failed (access denied, service not found...): nothing could be concluded. */
    | "error";

export interface ServiceCheck {
    outcome: VerifyOutcome;
    /** One line: what happened and what the service runs. */
    summary: string;
    /** Reasons, triggers, events and where to look, one per line. */
    details: string[];
}

export interface ServiceVerification extends ServiceCheck {
    /** Key of the service in the stack outputs. */
    service: string;
    mode: ServiceMode;
}

export const OUTCOME_LABELS: Record<VerifyOutcome, string> = {
    completed: "ok",
    none: "ok",
    rolledBack: "ROLLED BACK",
    failed: "FAILED",
    vanished: "REPLACED",
    timedOut: "TIMED OUT",
    interrupted: "INTERRUPTED",
    notChecked: "NOT CHECKED",
    error: "ERROR",
};

export function isSuccess(outcome: VerifyOutcome): boolean {
    return outcome === "completed" || outcome === "none";
}

/** 130 when Ctrl-C cut the run short; else 1 when any service did not verify; else 0. */
export function overallExitCode(outcomes: VerifyOutcome[]): number {
    if (outcomes.some((o) => o === "interrupted" || o === "notChecked")) return EXIT_INTERRUPTED;
    return outcomes.every(isSuccess) ? EXIT_SUCCESS : EXIT_FAILURE;
}
