/**
 * `npm run verify -- <stack> [service...] [options]` (see deploy/verify/cli.ts for the options).
 * Process glue only: Ctrl-C handling and the exit code.
 */
import { EXIT_INTERRUPTED } from "../deploy/errors";
import { runVerifyCli } from "../deploy/verify/cli";

const interrupt = new AbortController();
process.on("SIGINT", () => {
    // First Ctrl-C: stop watching; the command says what was still in progress.
    // Second Ctrl-C: the user does not want to wait for an in-flight AWS call.
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    interrupt.abort();
});

runVerifyCli({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: interrupt.signal,
}).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        console.error(e);
        process.exitCode = 1;
    },
);
