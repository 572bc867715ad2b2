/**
 * Safe, total access to resource properties as the policy SDK hands them over.
 *
 * `@pulumi/policy` wraps `props` in an "unknown-checking proxy" that THROWS an `UnknownValueError`
 * when a value unknown during preview is read; the server then downgrades the whole policy to an
 * advisory "can't run during preview" message. These helpers never throw: they strip the SDK's
 * proxies (through the proxies' own `__getSpecialProxyTarget` escape hatch), recognise the unknown
 * sentinels themselves and return {@link UNKNOWN}, so a rule can decide on whatever IS known and
 * stay silent (or leave a note) about the rest.
 *
 * Nothing here imports `@pulumi/policy` at run time.
 */

/** A value that cannot be known yet (preview) — or a read that failed in an unknown-ish way. */
export const UNKNOWN: unique symbol = Symbol.for("ecs-deployment-safety.unknown");
export type Unknown = typeof UNKNOWN;
/** Three-valued logic: `true`, `false` or {@link UNKNOWN} ("cannot decide before `pulumi up`"). */
export type Tri = boolean | Unknown;

/** The Pulumi unknown sentinels (sdk/go/common/resource/plugin/rpc.go; @pulumi/policy proxy.ts). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (what the engine sends for every computed value)
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

const PROXY_TARGET = "__getSpecialProxyTarget";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isUnknownSentinel(v: unknown): boolean {
    return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

/** True for the SDK's UnknownValueError (matched by shape: we do not import the SDK here). */
export function isUnknownValueError(e: unknown): boolean {
    try {
        if (!(e instanceof Error)) return false;
        const sentinel = (e as unknown as { unknownTypeSentinel?: unknown }).unknownTypeSentinel;
        return e.name === "UnknownValueError" || isUnknownSentinel(sentinel) ||
            /can't be known during preview/.test(e.message);
    } catch {
        return false;
    }
}

function readKey(o: object, key: string): unknown {
    return (o as Record<string, unknown>)[key];
}

/**
 * Strips the SDK proxies (unknown-checking, secrets-preserving) and secret wrappers from a value.
 * Returns {@link UNKNOWN} for the unknown sentinels. Never throws.
 */
export function raw(v: unknown): unknown {
    let cur: unknown = v;
    for (let depth = 0; depth < 8; depth++) {
        if (cur === null || cur === undefined) return cur;
        if (typeof cur === "string") return UNKNOWN_SENTINELS.has(cur) ? UNKNOWN : cur;
        if (typeof cur !== "object" && typeof cur !== "function") return cur;
        let next: unknown;
        try {
            next = readKey(cur, PROXY_TARGET);
        } catch (e) {
            return isUnknownValueError(e) ? UNKNOWN : cur;
        }
        if (next !== undefined && next !== null && next !== cur && typeof next === "object") {
            cur = next;
            continue;
        }
        // Secrets: the SDK's `Secret` class (remediation) or the wire form {sig, value}.
        try {
            const ctorName = (cur as { constructor?: { name?: unknown } }).constructor?.name;
            if (ctorName === "Secret" && Object.prototype.hasOwnProperty.call(cur, "value")) {
                cur = readKey(cur, "value");
                continue;
            }
            if (!Array.isArray(cur) && Object.prototype.hasOwnProperty.call(cur, SECRET_SIG_KEY) &&
                readKey(cur, SECRET_SIG_KEY) === SECRET_SIG) {
                cur = readKey(cur, "value");
                continue;
            }
        } catch {
            return cur;
        }
        return cur;
    }
    return cur;
}

/** Reads `o[key]` without ever throwing; `undefined` when absent or `o` is not an object. */
export function get(o: unknown, key: string | number): unknown {
    const r = raw(o);
    if (r === UNKNOWN) return UNKNOWN;
    if (r === null || typeof r !== "object") return undefined;
    let v: unknown;
    try {
        if (Array.isArray(r)) {
            if (typeof key !== "number" || !Number.isInteger(key) || key < 0 || key >= r.length) return undefined;
            v = r[key];
        } else {
            if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(r, key)) return undefined;
            v = readKey(r, key);
        }
    } catch (e) {
        return isUnknownValueError(e) ? UNKNOWN : undefined;
    }
    return raw(v);
}

/** Reads a nested path; {@link UNKNOWN} as soon as a step is unknown. */
export function path(o: unknown, ...keys: (string | number)[]): unknown {
    let cur: unknown = o;
    for (const k of keys) {
        if (cur === UNKNOWN) return UNKNOWN;
        cur = get(cur, k);
    }
    return cur === undefined ? undefined : raw(cur);
}

export function asString(v: unknown): string | Unknown | undefined {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    return typeof r === "string" ? r : undefined;
}

/** Booleans, plus the strings "true"/"false" (what some providers' state carries). */
export function asBool(v: unknown): boolean | Unknown | undefined {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    if (typeof r === "boolean") return r;
    if (typeof r === "string") {
        const s = r.trim().toLowerCase();
        if (s === "true") return true;
        if (s === "false") return false;
    }
    return undefined;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Finite numbers, plus strings in decimal notation (e.g. `bakeTimeInMinutes` is a string in
 * @pulumi/aws), as Terraform's string-to-number conversion reads them: JavaScript's `Number` would
 * also read "0x3c" as 60, which no provider does.
 */
export function asNumber(v: unknown): number | Unknown | undefined {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    if (typeof r === "number") return Number.isFinite(r) ? r : undefined;
    if (typeof r === "string" && DECIMAL.test(r.trim())) {
        const n = Number(r);
        return Number.isFinite(n) ? n : undefined;
    }
    return undefined;
}

/** A plain (non-array) object, or UNKNOWN, or undefined. */
export function asObject(v: unknown): Record<string, unknown> | Unknown | undefined {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    if (r !== null && typeof r === "object" && !Array.isArray(r)) return r as Record<string, unknown>;
    return undefined;
}

/** An array, or UNKNOWN, or undefined. */
export function asArray(v: unknown): readonly unknown[] | Unknown | undefined {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    return Array.isArray(r) ? r : undefined;
}

/**
 * The elements of a list-ish value, each passed through {@link raw}. A single non-array value is
 * treated as a one-element list (IAM and event patterns allow both); absent gives `[]`.
 * The whole value being unknown gives {@link UNKNOWN}.
 */
export function items(v: unknown): unknown[] | Unknown {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    if (r === undefined || r === null) return [];
    if (!Array.isArray(r)) return [r];
    const out: unknown[] = [];
    try {
        for (let i = 0; i < r.length; i++) out.push(get(r, i));
    } catch {
        return UNKNOWN;
    }
    return out;
}

/** Own enumerable keys of an object, never throwing. */
export function keys(v: unknown): string[] {
    const r = raw(v);
    if (r === null || typeof r !== "object" || Array.isArray(r)) return [];
    try {
        return Object.keys(r);
    } catch {
        return [];
    }
}

export const PARSE_ERROR: unique symbol = Symbol.for("ecs-deployment-safety.parse-error");
export type ParseError = typeof PARSE_ERROR;

/** Parses a JSON document given as a string (or accepts an already-parsed object). */
export function parseJson(v: unknown): unknown | Unknown | ParseError | undefined {
    const r = raw(v);
    if (r === UNKNOWN) return UNKNOWN;
    if (r === undefined || r === null) return undefined;
    if (typeof r === "string") {
        if (r.trim() === "") return undefined;
        try {
            return JSON.parse(r) as unknown;
        } catch {
            return PARSE_ERROR;
        }
    }
    if (typeof r === "object") return r;
    return PARSE_ERROR;
}

// ---------------------------------------------------------------------------------------------
// Three-valued logic
// ---------------------------------------------------------------------------------------------

export function triOr(values: Iterable<Tri>): Tri {
    let unknown = false;
    for (const v of values) {
        if (v === true) return true;
        if (v === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : false;
}

export function triAnd(values: Iterable<Tri>): Tri {
    let unknown = false;
    for (const v of values) {
        if (v === false) return false;
        if (v === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : true;
}

export function triNot(v: Tri): Tri {
    return v === UNKNOWN ? UNKNOWN : !v;
}

/** Lazily evaluated OR: stops at the first `true`. */
export function triSome<T>(list: Iterable<T>, f: (x: T) => Tri): Tri {
    let unknown = false;
    for (const x of list) {
        const v = f(x);
        if (v === true) return true;
        if (v === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : false;
}

/** Upper-cased, trimmed string (enum-like values such as "code_deploy"). */
export function upperOrUndefined(v: unknown): string | Unknown | undefined {
    const s = asString(v);
    return typeof s === "string" ? s.trim().toUpperCase() : s;
}
