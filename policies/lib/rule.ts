/**
 * What a pure decision function returns, and the context it is given. No SDK imports.
 */
import { asArray, asBool, asNumber, asString, get, raw, UNKNOWN } from "./safe";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

export interface Finding {
    /** What is wrong and how to fix it. */
    message: string;
    /** The resource the finding is about (stack rules); resource rules may leave it out. */
    urn?: string;
    /**
     * The rule could not decide because a value is unknown during preview. Never a rejection:
     * reported (when the rule's `reportUndecided` config is on) as an advisory note; the rule
     * decides on `pulumi up`.
     */
    undecided?: boolean;
    /** A bug in the rule was caught: always reported (as an advisory note), whatever `reportUndecided` says. */
    internal?: boolean;
}

export function violation(message: string, urn?: string): Finding {
    return urn === undefined ? { message } : { message, urn };
}

export function undecided(message: string, urn?: string): Finding {
    return urn === undefined ? { message, undecided: true } : { message, urn, undecided: true };
}

/**
 * Findings of a rule whose subject is not certain yet: while `applies` is unknown, what would be a
 * violation is only undecided, so a rule never rejects on a value that is unknown during preview.
 * `condition` says what the findings depend on, and what is unknown about it.
 */
export function undecidedUnless(applies: boolean | typeof UNKNOWN, condition: string, findings: Finding[]): Finding[] {
    if (applies !== UNKNOWN) return findings;
    return findings.map((f) => (f.undecided || f.internal ? f : undecided(`${f.message} (Only if ${condition}.)`, f.urn)));
}

/** Resolved policy configuration (schema defaults applied, wrong types replaced by defaults). */
export type RuleConfig = Readonly<Record<string, unknown>>;

export interface ResourceContext {
    urn: string;
    name: string;
    type: string;
    config: RuleConfig;
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

export interface ConfigSchema {
    properties: { [key: string]: PolicyConfigJSONSchema };
    required?: string[];
}

/** Config properties every policy of the pack accepts. */
export function commonConfigProperties(reportUndecidedByDefault: boolean): { [key: string]: PolicyConfigJSONSchema } {
    return {
        exemptResources: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Resources this policy skips: logical names or URNs; '*' matches any run of characters " +
                "(e.g. 'legacy-*', 'urn:pulumi:prod::shop::*::billing-svc').",
        },
        reportUndecided: {
            type: "boolean",
            default: reportUndecidedByDefault,
            description: "Leave an advisory note when a value unknown during preview keeps the policy from " +
                "deciding (it decides on `pulumi up`).",
        },
    };
}

/** Does `v` have the JSON-schema type `t`? undefined for a type name this does not know. */
export function hasJsonType(v: unknown, t: unknown): boolean | undefined {
    switch (t) {
        case "string": return typeof v === "string";
        case "number": return typeof v === "number" && Number.isFinite(v);
        case "integer": return typeof v === "number" && Number.isInteger(v);
        case "boolean": return typeof v === "boolean";
        case "null": return v === null;
        case "array": return Array.isArray(v);
        case "object": return v !== null && typeof v === "object" && !Array.isArray(v);
        default: return undefined;
    }
}

function matchesType(v: unknown, schema: PolicyConfigJSONSchema): boolean {
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.length > 0) {
        const ok = types.some((t) => hasJsonType(v, t) ?? false);
        if (!ok) return false;
    }
    if (typeof v === "number") {
        if (typeof schema.minimum === "number" && v < schema.minimum) return false;
        if (typeof schema.maximum === "number" && v > schema.maximum) return false;
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === v)) return false;
    if (Array.isArray(v) && schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
        const itemSchema = schema.items as PolicyConfigJSONSchema;
        if (!v.every((x) => matchesType(x, itemSchema))) return false;
    }
    return true;
}

function copy(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === "object") {
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k]);
        return o;
    }
    return v;
}

/**
 * Applies the schema's defaults to the configuration the SDK returns (`args.getConfig()`); a value of
 * the wrong type falls back to the default (the CLI validates config files, tests and other callers
 * may not). Never throws.
 */
export function resolveConfig(schema: ConfigSchema | undefined, given: unknown): RuleConfig {
    const out: Record<string, unknown> = {};
    const props = schema?.properties ?? {};
    for (const key of Object.keys(props)) {
        const s = props[key];
        let v: unknown;
        try {
            v = raw(get(given, key));
        } catch {
            v = undefined;
        }
        if (v !== undefined && v !== UNKNOWN && matchesType(v, s)) {
            out[key] = copy(v);
        } else if (s.default !== undefined) {
            out[key] = copy(s.default);
        }
    }
    return out;
}

export function configStrings(config: RuleConfig, key: string): string[] {
    const a = asArray(config[key]);
    if (!Array.isArray(a)) return [];
    return a.filter((x): x is string => typeof x === "string");
}

export function configNumbers(config: RuleConfig, key: string): number[] {
    const a = asArray(config[key]);
    if (!Array.isArray(a)) return [];
    const out: number[] = [];
    for (const x of a) {
        const n = asNumber(x);
        if (typeof n === "number") out.push(n);
    }
    return out;
}

export function configNumber(config: RuleConfig, key: string, fallback: number): number {
    const n = asNumber(config[key]);
    return typeof n === "number" ? n : fallback;
}

export function configBool(config: RuleConfig, key: string, fallback: boolean): boolean {
    const b = asBool(config[key]);
    return typeof b === "boolean" ? b : fallback;
}

// ---------------------------------------------------------------------------------------------
// Exemptions
// ---------------------------------------------------------------------------------------------

const globCache = new Map<string, RegExp>();

/** Glob-ish pattern: `*` matches any run of characters, `?` one character; anchored. */
export function globToRegExp(pattern: string): RegExp {
    let re = globCache.get(pattern);
    if (!re) {
        const body = pattern.split("").map((c) => {
            if (c === "*") return ".*";
            if (c === "?") return ".";
            return c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
        }).join("");
        re = new RegExp(`^${body}$`, "s");
        if (globCache.size > 1000) globCache.clear();
        globCache.set(pattern, re);
    }
    return re;
}

/** True when a resource's logical name or URN matches one of the patterns. */
export function isExempt(patterns: readonly string[], name: unknown, urn: unknown): boolean {
    if (patterns.length === 0) return false;
    const n = asString(name);
    const u = asString(urn);
    for (const p of patterns) {
        if (typeof p !== "string" || p === "") continue;
        const re = globToRegExp(p);
        if (typeof n === "string" && re.test(n)) return true;
        if (typeof u === "string" && re.test(u)) return true;
    }
    return false;
}

/** The logical name at the end of a URN (`urn:pulumi:stack::project::type::name`). */
export function nameFromUrn(urn: string): string {
    const i = urn.lastIndexOf("::");
    return i >= 0 ? urn.slice(i + 2) : urn;
}
