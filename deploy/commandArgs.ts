/**
 * What `deploy`, `verify` and `drill` read from their command lines alike: where the stack
 * outputs come from, the region, how often to poll and how long to wait. One parser, so the
 * three commands agree on flags and on what a bad number is.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors";

const COMMON_OPTIONS = {
    "outputs-file": { type: "string" },
    region: { type: "string" },
    "poll-seconds": { type: "string" },
    "timeout-minutes": { type: "string" },
    help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

export interface CommonArgs {
    outputsFile?: string;
    region?: string;
    /** Undefined unless --poll-seconds is given: each command has its own default. */
    pollSeconds?: number;
    /** Undefined unless --timeout-minutes is given: each command has its own default. */
    timeoutMinutes?: number;
}

export interface ParsedCommandArgs {
    /** The command's own options, as parseArgs read them. */
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
    common: CommonArgs;
}

/**
 * parseArgs (strict) with the common options and the command's own; a parse error or a bad
 * common number is a UsageError. Returns undefined for --help.
 */
export function parseCommandArgs(argv: string[], own: NonNullable<ParseArgsConfig["options"]>): ParsedCommandArgs | undefined {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...own, ...COMMON_OPTIONS } });
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help) return undefined;
    return {
        values,
        positionals: parsed.positionals,
        common: {
            outputsFile: values["outputs-file"] as string | undefined,
            region: values.region as string | undefined,
            pollSeconds: numberFlag("--poll-seconds", values["poll-seconds"] as string | undefined, { positive: true }),
            timeoutMinutes: numberFlag("--timeout-minutes", values["timeout-minutes"] as string | undefined, { positive: true }),
        },
    };
}

/** A numeric flag's value, undefined when absent; blank, non-finite, negative (or zero when positive) is a UsageError. */
export function numberFlag(flag: string, text: string | undefined, opts: { positive: boolean }): number | undefined {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0 || (opts.positive && value === 0)) {
        throw new UsageError(`${flag} must be a ${opts.positive ? "positive" : "non-negative"} number, got ${JSON.stringify(text)}.`);
    }
    return value;
}
