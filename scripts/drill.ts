/**
 * `npm run drill -- <stack> <service> [--kind start|health|alarm] [options]` (see deploy/drill/cli.ts).
 * Process glue only: signals and the exit code.
 *
 * The first Ctrl-C (or SIGTERM, which a cancelled CI job sends after SIGINT) stops the drill, which
 * then restores the service and cleans up; the next one only says so. A third abandons the clean-up
 * and prints the commands that finish it by hand.
 */
import { EXIT_INTERRUPTED } from "../deploy/errors";
import { runDrillCli } from "../deploy/drill/cli";

const interrupt = new AbortController();
let pending: () => string[] = () => [];
let signals = 0;
const onSignal = (): void => {
    signals += 1;
    if (signals === 1) {
        interrupt.abort();
        return;
    }
    if (signals === 2) {
        process.stderr.write("\nStill cleaning up (restoring the service, deleting the queue). Once more abandons the clean-up.\n");
        return;
    }
    const commands = pending();
    process.stderr.write(`\nClean-up abandoned.${commands.length ? " Finish it by hand:\n" + commands.map((c) => `  ${c}`).join("\n") : ""}\n`);
    process.exit(EXIT_INTERRUPTED);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

runDrillCli({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: interrupt.signal,
    onCleanupPending: (getter) => {
        pending = getter;
    },
}).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        console.error(e);
        process.exitCode = 1;
    },
);
