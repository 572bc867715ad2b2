/**
 * Where the deploy command writes, and how it waits: both injected so the library can be
 * tested without a terminal and without real time passing.
 */

export interface Reporter {
    /** A permanent line for the operator (stdout). */
    info(message: string): void;
    /** A permanent line about something that went wrong (stderr). */
    error(message: string): void;
    /**
     * The current state of the deployment being followed. A terminal redraws one line;
     * a log (CI) gets a new line only when the state text changes, so it stays readable.
     */
    progress(state: string, elapsedMs: number): void;
    /** The followed deployment ended: keep its last state visible, stop redrawing it. */
    progressDone(): void;
}

export interface Clock {
    now(): number;
    /** Resolves after `ms`, or early when `signal` aborts (Ctrl-C must not wait a full poll interval). */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
            if (signal?.aborted) return resolve();
            const done = (): void => {
                clearTimeout(timer);
                signal?.removeEventListener("abort", done);
                resolve();
            };
            const timer = setTimeout(done, ms);
            signal?.addEventListener("abort", done, { once: true });
        }),
};

/** The subset of a stream the reporter needs (process.stdout fits; so does a test double). */
export interface OutputStream {
    write(text: string): unknown;
    isTTY?: boolean;
    columns?: number;
}

/**
 * Runs a follower's per-poll hook (`onPoll`); if it throws, the progress line ends first, so
 * the error that ends the follow prints on a line of its own.
 */
export async function runPollHook<T>(reporter: Reporter, hook: ((snapshot: T) => Promise<void> | void) | undefined, snapshot: T): Promise<void> {
    if (!hook) return;
    try {
        await hook(snapshot);
    } catch (e) {
        reporter.progressDone();
        throw e;
    }
}

export function formatElapsed(ms: number): string {
    const total = Math.max(0, Math.floor(ms / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    const mmss = `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
    return hours > 0 ? `${hours}:${mmss}` : mmss;
}

export function createConsoleReporter(stdout: OutputStream, stderr: OutputStream): Reporter {
    return stdout.isTTY ? new TerminalReporter(stdout, stderr) : new LogReporter(stdout, stderr);
}

/** Non-TTY output: every line is permanent, progress only when it changed. */
class LogReporter implements Reporter {
    private lastState: string | undefined;
    constructor(
        private readonly stdout: OutputStream,
        private readonly stderr: OutputStream,
    ) {}
    info(message: string): void {
        this.stdout.write(`${message}\n`);
    }
    error(message: string): void {
        this.stderr.write(`${message}\n`);
    }
    progress(state: string, elapsedMs: number): void {
        if (state === this.lastState) return;
        this.lastState = state;
        this.stdout.write(`[${formatElapsed(elapsedMs)}] ${state}\n`);
    }
    progressDone(): void {
        this.lastState = undefined;
    }
}

/** TTY output: one progress line redrawn in place; permanent lines are written above it. */
class TerminalReporter implements Reporter {
    private line: string | undefined;
    constructor(
        private readonly stdout: OutputStream,
        private readonly stderr: OutputStream,
    ) {}
    info(message: string): void {
        this.above(() => this.stdout.write(`${message}\n`));
    }
    error(message: string): void {
        this.above(() => this.stderr.write(`${message}\n`));
    }
    progress(state: string, elapsedMs: number): void {
        this.line = this.fit(`[${formatElapsed(elapsedMs)}] ${state}`);
        this.stdout.write(`\r\x1b[2K${this.line}`);
    }
    progressDone(): void {
        if (this.line !== undefined) this.stdout.write("\n");
        this.line = undefined;
    }
    private above(write: () => void): void {
        if (this.line !== undefined) this.stdout.write("\r\x1b[2K");
        write();
        if (this.line !== undefined) this.stdout.write(this.line);
    }
    /** A line wider than the terminal wraps, and `\r` would then redraw only its last row. */
    private fit(text: string): string {
        const width = this.stdout.columns ?? 0;
        return width > 1 && text.length >= width ? `${text.slice(0, width - 2)}…` : text;
    }
}
