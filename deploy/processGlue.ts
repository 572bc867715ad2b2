/**
 * What the command scripts (scripts/deploy.ts, verify.ts, drill.ts) share with the process:
 * the first Ctrl-C aborts the command's signal (it stops watching and says what goes on), a
 * second one exits at once (the user will not wait for an in-flight AWS call); the command's
 * result becomes the exit code.
 */
import type { CliIo } from "./cli";
import { EXIT_INTERRUPTED } from "./errors";

export function runFromProcess(command: (io: Pick<CliIo, "argv" | "env" | "stdout" | "stderr" | "signal">) => Promise<number>): void {
    const interrupt = new AbortController();
    process.on("SIGINT", () => {
        if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
        interrupt.abort();
    });
    command({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal }).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            console.error(e);
            process.exitCode = 1;
        },
    );
}
