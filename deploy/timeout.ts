/**
 * How long the command follows a deployment before it gives up watching.
 *
 * A CodeDeploy ECS deployment stays in progress through its traffic shifting *and* the
 * termination wait that follows it (30 minutes in prod), so a fixed timeout either stops
 * watching a healthy release halfway or waits far too long for a broken all-at-once one.
 * Pure: the command prints the explanation this returns.
 */
import type { CodeDeployOutput } from "./outputs";

/** When the stack outputs do not say how long a deployment takes. */
export const DEFAULT_TIMEOUT_MINUTES = 60;

/**
 * Added to the stack's traffic shift and termination wait: the replacement tasks must be
 * placed, pull the image, start, and pass the ALB health checks (healthy threshold × interval,
 * a few minutes with the defaults) before the first shift; hooks and a slow rollback need time too.
 */
export const DEPLOYMENT_MARGIN_MINUTES = 20;

export interface TimeoutDecision {
    minutes: number;
    /** The time the deployment can take by the stack's settings; undefined when the outputs do not tell. */
    expectedMinutes?: number;
    /** One line for the operator: where the timeout comes from. */
    explanation: string;
    /** Set when the timeout will likely end the watch before the deployment ends. */
    warning?: string;
}

/** Traffic shift + termination wait + margin, or undefined when the outputs lack either figure. */
export function expectedDeploymentMinutes(codeDeploy: Pick<CodeDeployOutput, "trafficShiftMinutes" | "terminationWaitMinutes">): number | undefined {
    const { trafficShiftMinutes, terminationWaitMinutes } = codeDeploy;
    if (typeof trafficShiftMinutes !== "number" || typeof terminationWaitMinutes !== "number") return undefined;
    return trafficShiftMinutes + terminationWaitMinutes + DEPLOYMENT_MARGIN_MINUTES;
}

/** The timeout to use: `explicit` (--timeout-minutes) when given, else what the stack implies, else 60. */
export function decideTimeout(
    explicit: number | undefined,
    codeDeploy: Pick<CodeDeployOutput, "trafficShiftMinutes" | "terminationWaitMinutes">,
): TimeoutDecision {
    const expected = expectedDeploymentMinutes(codeDeploy);
    const breakdown =
        expected === undefined
            ? undefined
            : `${codeDeploy.trafficShiftMinutes} min traffic shifting + ${codeDeploy.terminationWaitMinutes} min termination wait + ` +
              `${DEPLOYMENT_MARGIN_MINUTES} min for task start and health checks`;
    if (explicit !== undefined) {
        const decision: TimeoutDecision = { minutes: explicit, expectedMinutes: expected, explanation: `Timeout: ${explicit} min (--timeout-minutes).` };
        if (expected !== undefined && explicit < expected) {
            decision.warning =
                `Warning: --timeout-minutes ${explicit} is less than the ${expected} min this deployment can take (${breakdown}): ` +
                "the command will stop watching before the deployment can finish (the deployment itself goes on).";
        }
        return decision;
    }
    if (expected === undefined) {
        return {
            minutes: DEFAULT_TIMEOUT_MINUTES,
            explanation:
                `Timeout: ${DEFAULT_TIMEOUT_MINUTES} min, the default: the stack outputs do not give codeDeploy.trafficShiftMinutes ` +
                "and terminationWaitMinutes (run `pulumi up` to export them), so the time the deployment takes is unknown. " +
                "Set --timeout-minutes to override.",
        };
    }
    return { minutes: expected, expectedMinutes: expected, explanation: `Timeout: ${expected} min = ${breakdown} (--timeout-minutes overrides).` };
}
