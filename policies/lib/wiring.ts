/**
 * Turns pure decision functions into @pulumi/policy policies. Only TYPES are imported from the SDK,
 * so loading a rule file costs nothing at run time and the pure functions stay testable alone.
 *
 * Every callback here is total: whatever the SDK hands over (odd shapes, proxies full of unknowns,
 * a throwing `getConfig`), it reports findings or nothing, and never throws. A bug in a decision
 * function is caught and reported as an advisory note instead of failing the whole preview.
 */
import type {
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { StackIndex, StackResource, toStackResources } from "./graph";
import { ConfigSchema, configBool, configStrings, Finding, isExempt, nameFromUrn, ResourceContext, resolveConfig, RuleConfig } from "./rule";
import { asString, get, raw } from "./safe";
import { Kind, kindOf } from "./tokens";

export interface RuleMeta {
    name: string;
    /** What the rule requires AND how to fix a violation (shown with every violation). */
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema: ConfigSchema;
    severity?: "low" | "medium" | "high" | "critical";
    remediationSteps?: string;
    tags?: string[];
}

export interface ResourceRule extends RuleMeta {
    /** Kinds of AWS resources the rule looks at (every type token of each kind, aliases included). */
    kinds: readonly Kind[];
    check(props: unknown, ctx: ResourceContext): Finding[];
    /**
     * Returns the fixed properties when a fix is unambiguous, else undefined. Only runs when the
     * rule's enforcement level is `remediate` (the SDK decides that).
     */
    remediate?(props: unknown, ctx: ResourceContext): Record<string, unknown> | undefined;
}

export interface StackContext {
    config: RuleConfig;
    index: StackIndex;
    isExempt(r: StackResource): boolean;
}

export interface StackRule extends RuleMeta {
    checkStack(resources: readonly StackResource[], ctx: StackContext): Finding[];
}

export type HybridPolicy = ResourceValidationPolicy & { validateStack: StackValidationPolicy["validateStack"] };

function safeConfig(schema: ConfigSchema, args: unknown): RuleConfig {
    let given: unknown = undefined;
    try {
        const getConfig = get(args, "getConfig");
        if (typeof getConfig === "function") given = (getConfig as () => unknown).call(args);
    } catch {
        given = undefined;
    }
    return resolveConfig(schema, given);
}

function errorText(e: unknown): string {
    try {
        return e instanceof Error ? e.message : String(e);
    } catch {
        return "unprintable error";
    }
}

/** Reports findings through the SDK callback; undecided ones become advisory notes (or nothing). */
function report(reportViolation: ReportViolation, meta: RuleMeta, config: RuleConfig, findings: readonly Finding[], isStack: boolean) {
    const notes = configBool(config, "reportUndecided", false);
    for (const f of findings) {
        try {
            if (f.undecided || f.internal) {
                if (!notes && !f.internal) continue;
                // The SDK's reportViolation also takes an object, whose enforcementLevel overrides the
                // policy's: a note never blocks a deployment.
                const note = {
                    message: f.internal ? `[${meta.name}] ${f.message}` : `[${meta.name}] undecided during preview: ${f.message} ` +
                        "The policy decides on `pulumi up`, when the value is known.",
                    urn: f.urn,
                    enforcementLevel: "advisory",
                };
                (reportViolation as unknown as (o: object) => void)(note);
            } else if (isStack) {
                reportViolation(f.message, f.urn);
            } else {
                reportViolation(f.message);
            }
        } catch {
            // a reporting callback that throws must not turn into a failed preview
        }
    }
}

function internalError(meta: RuleMeta, e: unknown, urn?: string): Finding {
    return {
        message: `internal error in policy '${meta.name}' (${errorText(e)}); the resource was not checked. ` +
            "Please report this to the owners of the policy pack.",
        urn,
        internal: true,
    };
}

function resourceContext(args: unknown, config: RuleConfig): ResourceContext {
    const urn = asString(get(args, "urn"));
    const name = asString(get(args, "name"));
    const type = asString(get(args, "type"));
    return {
        urn: typeof urn === "string" ? urn : "",
        name: typeof name === "string" ? name : "",
        type: typeof type === "string" ? type : "",
        config,
    };
}

function appliesTo(rule: ResourceRule, type: unknown): boolean {
    const kind = kindOf(type);
    return kind !== undefined && rule.kinds.includes(kind);
}

function validateResourceFn(rule: ResourceRule) {
    return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        let config: RuleConfig = {};
        try {
            if (!appliesTo(rule, get(args, "type"))) return;
            config = safeConfig(rule.configSchema, args);
            const ctx = resourceContext(args, config);
            if (isExempt(configStrings(config, "exemptResources"), ctx.name, ctx.urn)) return;
            let findings: Finding[];
            try {
                findings = rule.check(get(args, "props"), ctx);
            } catch (e) {
                findings = [internalError(rule, e)];
            }
            report(reportViolation, rule, config, findings, false);
        } catch (e) {
            report(reportViolation, rule, {}, [internalError(rule, e)], false);
        }
    };
}

function remediateResourceFn(rule: ResourceRule) {
    return (args: ResourceValidationArgs): Record<string, unknown> | undefined => {
        try {
            if (!rule.remediate || !appliesTo(rule, get(args, "type"))) return undefined;
            const config = safeConfig(rule.configSchema, args);
            const ctx = resourceContext(args, config);
            if (isExempt(configStrings(config, "exemptResources"), ctx.name, ctx.urn)) return undefined;
            // Hand the remediation the SDK's props without the unknown-checking proxy: it reads them
            // through lib/safe and builds a new object (secrets stay wrapped; the SDK re-serialises).
            return rule.remediate(raw(get(args, "props")), ctx);
        } catch {
            return undefined;
        }
    };
}

function validateStackFn(meta: RuleMeta, checkStack: StackRule["checkStack"]) {
    return (args: StackValidationArgs, reportViolation: ReportViolation): void => {
        let config: RuleConfig = {};
        try {
            config = safeConfig(meta.configSchema, args);
            const resources = toStackResources(get(args, "resources"));
            const index = new StackIndex(resources);
            const patterns = configStrings(config, "exemptResources");
            const ctx: StackContext = {
                config,
                index,
                isExempt: (r) => isExempt(patterns, r.name, r.urn),
            };
            let findings: Finding[];
            try {
                findings = checkStack(resources, ctx);
            } catch (e) {
                findings = [internalError(meta, e)];
            }
            // Exemptions also apply to whatever resource a finding is about.
            findings = findings.filter((f) => {
                if (!f.urn) return true;
                const r = index.get(f.urn);
                return !isExempt(patterns, r ? r.name : nameFromUrn(f.urn), f.urn);
            });
            report(reportViolation, meta, config, findings, true);
        } catch (e) {
            report(reportViolation, meta, {}, [internalError(meta, e)], true);
        }
    };
}

function metaFields(meta: RuleMeta) {
    const out: {
        name: string; description: string; enforcementLevel: EnforcementLevel; configSchema: ConfigSchema;
        severity?: RuleMeta["severity"]; remediationSteps?: string; tags?: string[];
    } = {
        name: meta.name,
        description: meta.description,
        enforcementLevel: meta.enforcementLevel,
        configSchema: meta.configSchema,
    };
    if (meta.severity) out.severity = meta.severity;
    if (meta.remediationSteps) out.remediationSteps = meta.remediationSteps;
    if (meta.tags) out.tags = meta.tags;
    return out;
}

export function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
    const p: ResourceValidationPolicy = { ...metaFields(rule), validateResource: validateResourceFn(rule) };
    if (rule.remediate) p.remediateResource = remediateResourceFn(rule);
    return p;
}

export function stackPolicy(rule: StackRule): StackValidationPolicy {
    return { ...metaFields(rule), validateStack: validateStackFn(rule, (r, c) => rule.checkStack(r, c)) };
}

/**
 * One policy (one name, one enforcement level, one config) with a resource part — which blocks a
 * resource before it is created — and a stack part for what needs other resources. The SDK's
 * server runs `validateResource` on Analyze and `validateStack` on AnalyzeStack for any policy that
 * has them, whatever its declared kind.
 */
export function hybridPolicy(rule: ResourceRule, checkStack: StackRule["checkStack"]): HybridPolicy {
    const p = resourcePolicy(rule) as HybridPolicy;
    p.validateStack = validateStackFn(rule, checkStack);
    return p;
}
