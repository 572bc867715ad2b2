/**
 * The drill's report: one row per step (what was expected, what was observed, when), as an
 * aligned table for people and as JSON for pipelines.
 */
import { formatElapsed } from "../console";
import type { ServiceMode } from "../outputs";
import type { CleanupOutcome } from "./cleanup";
import type { Mechanism, Tolerance } from "./timing";
import type { DrillKind } from "./target";

export interface DrillStep {
    step: string;
    expected: string;
    observed: string;
    /** Milliseconds since the drill started; undefined for a step that did not happen. */
    atMs?: number;
    /** true passed, false failed, undefined informational (not judged). */
    ok?: boolean;
}

export interface DrillTimingReport {
    /** The model's seconds, and the allowances with the tolerance. */
    detectModelSeconds?: number;
    recoverModelSeconds?: number;
    detectAllowanceSeconds?: number;
    totalAllowanceSeconds?: number;
    tolerance: Tolerance;
    /** What happened, in seconds after the release. */
    detectedAfterSeconds?: number;
    backAfterSeconds?: number;
    notifiedAfterSeconds?: number;
}

export interface DrillReport {
    stack: string;
    service: string;
    kind: DrillKind;
    mode?: ServiceMode;
    worker?: boolean;
    ecsService?: string;
    clusterName?: string;
    passed: boolean;
    interrupted: boolean;
    exitCode: number;
    /** Set when the drill stopped on an error (refusal, bad input, an AWS call that failed). */
    error?: string;
    previousTaskDefinitionArn?: string;
    drillTaskDefinitionArn?: string;
    /** The drill's ECS deployment id, or its CodeDeploy deployment id. */
    deploymentId?: string;
    rollbackDeploymentId?: string;
    /** The alarm the drill forced into ALARM (kind alarm). */
    forcedAlarm?: string;
    expectedMechanism?: Mechanism;
    observedMechanism?: string;
    timing?: DrillTimingReport;
    assumptions: string[];
    notes: string[];
    steps: DrillStep[];
    cleanup?: CleanupOutcome;
}

const mark = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "ok" : "FAIL");

/** The table: `step | expected | observed | time | result`, columns aligned, a rule under the header. */
export function renderDrillTable(steps: DrillStep[]): string[] {
    const header = ["step", "expected", "observed", "time", "result"];
    // A cell never holds the column separator (progress lines use " | ").
    const cell = (text: string) => text.replace(/\s*\|\s*/g, "; ").replace(/\s+/g, " ");
    const rows = steps.map((s) => [cell(s.step), cell(s.expected), cell(s.observed), s.atMs === undefined ? "-" : formatElapsed(s.atMs), mark(s.ok)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)];
}

export function drillVerdictLine(report: DrillReport): string {
    const what = `Rollback drill ${report.kind} on ${report.service} (stack ${report.stack})`;
    if (report.interrupted) return `${what}: INTERRUPTED; the clean-up above ran.`;
    if (report.passed) return `${what}: PASSED: the way back worked and the team was notified.`;
    const failed = report.steps.filter((s) => s.ok === false).map((s) => s.step);
    return `${what}: FAILED${failed.length ? ` (failed steps: ${failed.join(", ")})` : report.error ? ` (${report.error.split("\n")[0]})` : ""}.`;
}

/** The JSON document of `--json`: the report with times in seconds. */
export function drillJson(report: DrillReport): string {
    const steps = report.steps.map((s) => ({
        step: s.step,
        expected: s.expected,
        observed: s.observed,
        atSeconds: s.atMs === undefined ? null : Math.round(s.atMs / 1000),
        ok: s.ok ?? null,
    }));
    return JSON.stringify({ ...report, steps }, null, 2);
}
