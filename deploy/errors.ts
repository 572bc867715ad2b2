/**
 * Errors that end the deploy command with a message and no stack trace.
 * The exit code tells a CI job *what kind* of failure it was: 2 means the command was
 * called wrongly (fix the invocation), 1 means something went wrong doing the work.
 */

export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, what shells report for a Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** A failure of the deploy itself (AWS refused, the stack does not match the service...). */
export class DeployError extends Error {
    readonly exitCode: number = EXIT_FAILURE;
    constructor(message: string) {
        super(message);
        this.name = "DeployError";
    }
}

/** The command was called with arguments that cannot work (unknown service, bad flag...). */
export class UsageError extends DeployError {
    override readonly exitCode: number = EXIT_USAGE;
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * An error as one line for the user: an AWS error keeps its name ("AccessDeniedException: ..."),
 * which says what kind of failure it was; our own errors are already worded for the user.
 */
export function errorText(e: unknown): string {
    if (!(e instanceof Error)) return String(e);
    return `${e.name && e.name !== "Error" && !(e instanceof DeployError) ? `${e.name}: ` : ""}${e.message}`;
}
