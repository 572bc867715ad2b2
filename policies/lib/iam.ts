/**
 * Reading IAM-style resource policies (SNS topic policies) without ever throwing.
 */
import { asString, get, items, keys, parseJson, PARSE_ERROR, raw, Tri, triOr, triSome, Unknown, UNKNOWN } from "./safe";

export type PolicyDoc = unknown;

/** Parsed statements, UNKNOWN when the document is unknown, PARSE_ERROR when it is not JSON. */
export function statements(policy: unknown): unknown[] | Unknown | typeof PARSE_ERROR {
    const doc = parseJson(policy);
    if (doc === UNKNOWN) return UNKNOWN;
    if (doc === PARSE_ERROR) return PARSE_ERROR;
    if (doc === undefined) return [];
    const st = items(get(doc, "Statement"));
    if (st === UNKNOWN) return UNKNOWN;
    return st;
}

function lowerStrings(v: unknown): (string | Unknown)[] {
    const list = items(v);
    if (list === UNKNOWN) return [UNKNOWN];
    const out: (string | Unknown)[] = [];
    for (const x of list) {
        if (x === UNKNOWN) out.push(UNKNOWN);
        else if (typeof x === "string") out.push(x.toLowerCase());
    }
    return out;
}

function globMatch(glob: string, s: string): boolean {
    const body = glob.split("").map((c) => {
        if (c === "*") return ".*";
        if (c === "?") return ".";
        return c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
    }).join("");
    try {
        return new RegExp(`^${body}$`, "is").test(s);
    } catch {
        return false;
    }
}

export function isAllow(stmt: unknown): Tri {
    const e = asString(get(stmt, "Effect"));
    if (e === UNKNOWN) return UNKNOWN;
    return typeof e === "string" && e.trim().toLowerCase() === "allow";
}

/** The statement's principal is everyone: "*", {AWS: "*"}, a list containing "*", or NotPrincipal. */
export function hasWildcardPrincipal(stmt: unknown): Tri {
    const np = get(stmt, "NotPrincipal");
    if (np !== undefined && np !== null) return true; // Allow + NotPrincipal = everyone else
    const p = get(stmt, "Principal");
    if (p === UNKNOWN) return UNKNOWN;
    if (p === undefined || p === null) return false;
    if (typeof p === "string") return p.trim() === "*";
    const ks = keys(p);
    return triSome(ks, (k) => triSome(lowerStrings(get(p, k)), (v) => (v === UNKNOWN ? UNKNOWN : v.trim() === "*")));
}

/** The statement names `service` (e.g. events.amazonaws.com) as a Service principal, or everyone. */
export function principalIncludesService(stmt: unknown, service: string): Tri {
    const p = get(stmt, "Principal");
    if (p === UNKNOWN) return UNKNOWN;
    if (typeof p === "string") return p.trim() === "*";
    const svc = service.toLowerCase();
    const fromService = triSome(lowerStrings(get(p, "Service")), (v) => (v === UNKNOWN ? UNKNOWN : v === svc || v === "*"));
    if (fromService === true) return true;
    return triOr([fromService, triSome(lowerStrings(get(p, "AWS")), (v) => (v === UNKNOWN ? UNKNOWN : v === "*"))]);
}

/** The statement's actions include `action` (glob-aware; NotAction inverts). */
export function actionIncludes(stmt: unknown, action: string): Tri {
    const notAction = get(stmt, "NotAction");
    if (notAction !== undefined && notAction !== null) {
        const m = triSome(lowerStrings(notAction), (a) => (a === UNKNOWN ? UNKNOWN : globMatch(a, action)));
        return m === UNKNOWN ? UNKNOWN : !m;
    }
    return triSome(lowerStrings(get(stmt, "Action")), (a) => (a === UNKNOWN ? UNKNOWN : globMatch(a, action)));
}

/** Does some Allow statement let `service` call `action`? UNKNOWN while the document is unknown. */
export function allowsServiceAction(policy: unknown, service: string, action: string): Tri {
    const st = statements(policy);
    if (st === UNKNOWN) return UNKNOWN;
    if (st === PARSE_ERROR) return false;
    return triSome(st, (s) => {
        const allow = isAllow(s);
        if (allow === false) return false;
        const who = principalIncludesService(s, service);
        if (who === false) return false;
        const what = actionIncludes(s, action);
        if (what === false) return false;
        return allow === true && who === true && what === true ? true : UNKNOWN;
    });
}

/** Condition keys that pin the caller to an account, organisation or source (lower case). */
export const PINNING_KEYS: ReadonlySet<string> = new Set([
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:sourcearn",
    "aws:sourceorgid",
]);

function pinningValue(v: unknown): boolean {
    const r = raw(v);
    if (typeof r !== "string") return typeof r === "number" && Number.isFinite(r); // account ids may be numbers
    const s = r.trim();
    if (s === "" ) return false;
    if (s.startsWith("arn:")) {
        // arn:partition:service:region:account:resource — the account must be literal
        const parts = s.split(":");
        const account = parts[4] ?? "";
        return account !== "" && !/[*?]/.test(account);
    }
    return !/[*?]/.test(s);
}

/**
 * True when the statement's Condition pins the caller with a non-wildcard value: a positive
 * operator (not *Not*, not *IfExists, not ForAllValues, not Null) on one of {@link PINNING_KEYS}.
 */
export function conditionPins(stmt: unknown): Tri {
    const cond = get(stmt, "Condition");
    if (cond === UNKNOWN) return UNKNOWN;
    return triSome(keys(cond), (op) => {
        const o = op.toLowerCase();
        if (o.includes("not") || o.endsWith("ifexists") || o.startsWith("forallvalues:") || o === "null" || o === "bool") return false;
        const block = get(cond, op);
        if (block === UNKNOWN) return UNKNOWN;
        return triSome(keys(block), (k) => {
            if (!PINNING_KEYS.has(k.toLowerCase())) return false;
            const vals = items(get(block, k));
            if (vals === UNKNOWN) return UNKNOWN;
            if (vals.length === 0) return false;
            // one known value that does not pin lets anyone in, whatever the unknown ones hold
            if (vals.some((x) => x !== UNKNOWN && !pinningValue(x))) return false;
            return vals.some((x) => x === UNKNOWN) ? UNKNOWN : true;
        });
    });
}

export interface PublicStatement {
    index: number;
    sid?: string;
}

/**
 * Allow statements open to everyone without a pinning condition. UNKNOWN when that cannot be
 * decided yet; PARSE_ERROR when the policy is not JSON.
 */
export function publicStatements(policy: unknown): PublicStatement[] | Unknown | typeof PARSE_ERROR {
    const st = statements(policy);
    if (st === UNKNOWN || st === PARSE_ERROR) return st;
    const out: PublicStatement[] = [];
    let unknown = false;
    st.forEach((s, index) => {
        const allow = isAllow(s);
        const wildcard = hasWildcardPrincipal(s);
        if (allow === false || wildcard === false) return;
        const pinned = conditionPins(s);
        if (pinned === true) return;
        if (allow === UNKNOWN || wildcard === UNKNOWN || pinned === UNKNOWN) {
            unknown = true;
            return;
        }
        const sid = asString(get(s, "Sid"));
        out.push(typeof sid === "string" ? { index, sid } : { index });
    });
    if (out.length === 0 && unknown) return UNKNOWN;
    return out;
}
