import type { z } from "zod";

/** Raised before any resource is registered: lists every problem, one per line. */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: string[],
    ) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** `ecs-deploy:services[0].healthCheck.path` from a zod path under the project namespace. */
export function keyPath(namespace: string, path: readonly PropertyKey[]): string {
    if (path.length === 0) return namespace;
    let out = `${namespace}:${String(path[0])}`;
    for (const part of path.slice(1)) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
    return out;
}

/** A short, readable rendering of the offending value. */
export function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 60 ? json.slice(0, 57) + "..." : json;
}

/** Keys an object schema accepts at `path`, to suggest the intended spelling of a typo. */
export type KnownKeysAt = (path: readonly PropertyKey[]) => string[];

/**
 * One `key path: expected …, got …` line per problem. Our own messages already start with
 * "expected"; zod's built-in codes are translated here.
 */
export function formatIssues(namespace: string, issues: readonly z.core.$ZodIssue[], knownKeys: KnownKeysAt): string[] {
    const lines: string[] = [];
    for (const issue of issues) {
        const input = (issue as { input?: unknown }).input;
        // A discriminated union reports the whole object; the offending value is its discriminator.
        const disc = (issue as { discriminator?: string }).discriminator;
        const got = describeValue(disc && input && typeof input === "object" ? (input as Record<string, unknown>)[disc] : input);
        if (issue.code === "unrecognized_keys") {
            const known = knownKeys(issue.path);
            for (const key of issue.keys) {
                const hint = suggest(key, known);
                lines.push(
                    `${keyPath(namespace, [...issue.path, key])}: expected a known key${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (one of ${known.join(", ")})` : ""}, got an unknown key`,
                );
            }
            continue;
        }
        lines.push(`${keyPath(namespace, issue.path)}: ${expectation(issue)}, got ${got}`);
    }
    return lines;
}

function expectation(issue: z.core.$ZodIssue): string {
    if (issue.message.startsWith("expected")) return issue.message;
    switch (issue.code) {
        case "invalid_key": {
            // A record key that fails its own schema: that schema's message says what a key must look like.
            const inner = issue.issues.find((i) => i.message.startsWith("expected"));
            return inner?.message ?? "expected a valid key";
        }
        case "invalid_type":
            return `expected ${issue.expected === "int" ? "an integer" : issue.expected}`;
        case "too_small":
            return `expected ${bound(issue.origin, issue.inclusive ? "at least" : "more than", issue.minimum)}`;
        case "too_big":
            return `expected ${bound(issue.origin, issue.inclusive ? "at most" : "less than", issue.maximum)}`;
        case "invalid_value":
            return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(" | ")}`;
        case "invalid_format":
            return `expected ${issue.format === "regex" ? "a value matching " + String((issue as { pattern?: string }).pattern) : "a valid " + issue.format}`;
        case "invalid_union":
            return `expected ${(issue as { options?: unknown[] }).options?.map((o) => JSON.stringify(o)).join(" | ") ?? "one of the allowed shapes"}`;
        default:
            return `expected ${issue.message.replace(/^Invalid input: /, "").replace(/^expected /i, "")}`;
    }
}

function bound(origin: string, word: string, n: number | bigint): string {
    if (origin === "array" || origin === "set") return `${word} ${n} item${n === 1 ? "" : "s"}`;
    if (origin === "string") return `${word} ${n} character${n === 1 ? "" : "s"}`;
    return `${word === "at least" ? ">=" : word === "at most" ? "<=" : word === "more than" ? ">" : "<"} ${n}`;
}

/** The known key closest to a typo (case-insensitive equality or edit distance ≤ 2). */
export function suggest(key: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = 3;
    for (const candidate of known) {
        const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
