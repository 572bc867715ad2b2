/**
 * Does an EventBridge event pattern match an event? Three-valued: event fields may be UNKNOWN
 * (an ARN not known during preview), and then the answer may be UNKNOWN too.
 *
 * Implements the documented pattern semantics: every field of the pattern must match; a leaf is an
 * array of alternatives (exact values or content filters: prefix, suffix, equals-ignore-case,
 * wildcard, anything-but, exists, numeric, cidr); an array in the event matches when any element
 * does; `$or` lists alternative sub-patterns.
 */
import { get, items, keys, raw, Tri, triAnd, triNot, triSome, UNKNOWN } from "./safe";

function globMatch(glob: string, s: string): boolean {
    const body = glob.split("").map((c) => (c === "*" ? ".*" : c.replace(/[.+?^${}()|[\]\\/-]/g, "\\$&"))).join("");
    try {
        return new RegExp(`^${body}$`, "s").test(s);
    } catch {
        return false;
    }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** One content filter / exact value against one present event value. */
function matchOne(m: unknown, v: unknown): Tri {
    m = raw(m);
    if (v === UNKNOWN) {
        if (isPlainObject(m) && get(m, "exists") === true) return true;
        return UNKNOWN;
    }
    if (m === UNKNOWN) return UNKNOWN;
    if (!isPlainObject(m)) return m === v;
    const ks = keys(m);
    if (ks.length !== 1) return false;
    const op = ks[0];
    const arg = get(m, op);
    switch (op) {
        case "prefix":
        case "suffix": {
            if (typeof v !== "string") return false;
            let needle: unknown = arg;
            let ci = false;
            if (isPlainObject(arg)) {
                needle = get(arg, "equals-ignore-case");
                ci = true;
            }
            if (needle === UNKNOWN) return UNKNOWN;
            if (typeof needle !== "string") return false;
            const hay = ci ? v.toLowerCase() : v;
            const n = ci ? needle.toLowerCase() : needle;
            return op === "prefix" ? hay.startsWith(n) : hay.endsWith(n);
        }
        case "equals-ignore-case":
            if (arg === UNKNOWN) return UNKNOWN;
            return typeof v === "string" && typeof arg === "string" && v.toLowerCase() === arg.toLowerCase();
        case "wildcard":
            if (arg === UNKNOWN) return UNKNOWN;
            return typeof v === "string" && typeof arg === "string" && globMatch(arg, v);
        case "anything-but": {
            if (isPlainObject(arg)) return triNot(matchOne(arg, v));
            const alts = items(arg);
            if (alts === UNKNOWN) return UNKNOWN;
            return triNot(triSome(alts, (a) => matchOne(a, v)));
        }
        case "exists":
            return arg === true;
        default:
            // numeric, cidr, ...: not applicable to the string values the rules match on
            return false;
    }
}

/** A leaf: alternatives against an event value that may be absent, unknown, a scalar or an array. */
function matchLeaf(alternatives: readonly unknown[], v: unknown): Tri {
    if (v === undefined) {
        return alternatives.some((m) => isPlainObject(raw(m)) && get(m, "exists") === false);
    }
    if (v === UNKNOWN) {
        if (alternatives.some((m) => isPlainObject(raw(m)) && get(m, "exists") === true)) return true;
        if (alternatives.length > 0 && alternatives.every((m) => isPlainObject(raw(m)) && get(m, "exists") === false)) return false;
        return UNKNOWN;
    }
    if (Array.isArray(v)) {
        if (v.length === 0) return false;
        return triSome(v, (el) => triSome(alternatives, (m) => matchOne(m, el)));
    }
    return triSome(alternatives, (m) => matchOne(m, v));
}

function matchObject(pattern: unknown, event: unknown): Tri {
    const ks = keys(pattern);
    return triAnd((function* () {
        for (const k of ks) {
            const pv = get(pattern, k);
            if (k === "$or") {
                const alts = items(pv);
                yield alts === UNKNOWN ? UNKNOWN : triSome(alts, (alt) => matchObject(alt, event));
                continue;
            }
            const ev = event === UNKNOWN ? UNKNOWN : isPlainObject(event) ? (Object.prototype.hasOwnProperty.call(event, k) ? event[k] : undefined) : undefined;
            if (pv === UNKNOWN) {
                yield UNKNOWN;
            } else if (Array.isArray(pv)) {
                yield matchLeaf(pv, ev);
            } else if (isPlainObject(pv)) {
                yield matchObject(pv, ev === undefined ? {} : ev);
            } else {
                yield false; // scalars are not valid pattern leaves
            }
        }
    })());
}

/**
 * Matches a parsed pattern against an event. An empty or non-object pattern matches nothing
 * (EventBridge rejects them).
 */
export function matchEventPattern(pattern: unknown, event: Record<string, unknown>): Tri {
    const p = raw(pattern);
    if (p === UNKNOWN) return UNKNOWN;
    if (!isPlainObject(p) || keys(p).length === 0) return false;
    return matchObject(p, event);
}

/** True when the pattern (top level or under `detail`) mentions `field` at `path`. */
export function patternMentions(pattern: unknown, pathKeys: readonly string[]): boolean {
    let cur: unknown = raw(pattern);
    for (const k of pathKeys) {
        if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return false;
        cur = get(cur, k);
    }
    return true;
}

/** The leaf alternatives at `path` when all are exact strings (for indexing), else undefined. */
export function exactStringsAt(pattern: unknown, pathKeys: readonly string[]): string[] | undefined {
    let cur: unknown = raw(pattern);
    for (const k of pathKeys) {
        if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
        cur = get(cur, k);
    }
    if (!Array.isArray(cur)) return undefined;
    const out: string[] = [];
    for (const m of cur) {
        const r = raw(m);
        if (typeof r !== "string") return undefined;
        out.push(r);
    }
    return out;
}
