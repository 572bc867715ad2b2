/**
 * What the drill must undo, whatever happens: each step is registered right after the change it
 * undoes was made, and all of them run in reverse order at the end (a `finally`), also after a
 * failure or a Ctrl-C. A step that fails does not stop the others; its manual command is printed.
 *
 * Reverse order matters: the forced alarm goes back to OK before the service is restored (a
 * CodeDeploy restore would otherwise be stopped by it), the service is restored before its bad
 * revision is deregistered, and the notification queue goes last (it costs nothing meanwhile).
 */
import type { Reporter } from "../console";
import { errorText } from "../errors";

export interface CleanupStep {
    name: string;
    /** Undoes the change; resolves to a line saying what it did (or that nothing was needed). */
    run: () => Promise<string>;
    /** The AWS CLI command that does the same by hand, for when the step fails or is abandoned (read when needed). */
    manual: string | (() => string);
}

export interface CleanupOutcome {
    done: { name: string; result: string }[];
    failed: { name: string; error: string; manual: string }[];
}

export class DrillCleanup {
    private readonly steps: CleanupStep[] = [];
    private ran = false;

    add(step: CleanupStep): void {
        this.steps.push(step);
    }

    get size(): number {
        return this.steps.length;
    }

    /** The manual commands of the steps not run yet, in the order they would run. */
    pendingCommands(): string[] {
        return this.ran ? [] : [...this.steps].reverse().map(manualOf);
    }

    async runAll(reporter: Reporter): Promise<CleanupOutcome> {
        const outcome: CleanupOutcome = { done: [], failed: [] };
        if (this.ran) return outcome;
        this.ran = true;
        if (this.steps.length > 0) reporter.info("Cleaning up:");
        for (const step of [...this.steps].reverse()) {
            try {
                const result = await step.run();
                outcome.done.push({ name: step.name, result });
                reporter.info(`  ${step.name}: ${result}`);
            } catch (e) {
                const error = errorText(e);
                const manual = manualOf(step);
                outcome.failed.push({ name: step.name, error, manual });
                reporter.error(`  ${step.name} FAILED (${error}). Do it by hand: ${manual}`);
            }
        }
        return outcome;
    }
}

function manualOf(step: CleanupStep): string {
    return typeof step.manual === "function" ? step.manual() : step.manual;
}
