/**
 * Runs the CrossGuard policy pack in `policies/` in-process, over resources registered by the
 * offline engine, the way the Pulumi CLI and the policy SDK's analyzer server would.
 *
 * It does not re-implement the SDK: it calls @pulumi/policy's own server functions
 * (`makeRemediateRpcFun`, `makeAnalyzeRpcFun`, `makeAnalyzeStackRpcFun`, exported but marked
 * internal) with the same protobuf requests the engine sends (`AnalyzeRequest`,
 * `AnalyzeStackRequest` from `@pulumi/pulumi/proto/analyzer_pb`). So the policies get exactly what
 * they get under `pulumi preview --policy-pack`: props deserialised by the SDK and wrapped in its
 * unknown-checking proxy, urn/name/type/opts/provider/stackTags/notApplicable, and for stack
 * policies `PolicyResource`s with props, parent, dependencies and propertyDependencies; a policy
 * reading an unknown value is downgraded to advisory by the SDK, exactly as in the engine.
 *
 * What the CLI does around the analyzer is reproduced here: the policy pack config file is parsed
 * and reconciled (schema defaults, `all`, per-policy levels and properties, validation against each
 * policy's configSchema) like `pulumi preview --policy-pack-config`; remediations run before
 * validation and their properties replace the inputs; `disabled` policies do not run.
 * The SDK keeps the config given to its `Configure` RPC in module state that cannot be set
 * in-process, so the runner hands each policy its reconciled config (`getConfig`), stack tags and
 * effective enforcement level through a thin wrapper around the policy object.
 */
import { hasJsonType } from "../policies/lib/rule";
import * as fs from "fs";
import * as path from "path";
import type { EnforcementLevel, Policies, PolicyPackArgs } from "@pulumi/policy";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { PACK_NAME, packArgs } from "../policies/pack";
import { PROJECT_DIR } from "./paths";
import { structpb } from "./sdkStruct";
import type { RegisteredResource } from "./types";

/** The sentinel the engine sends for a value unknown during preview (any type). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// ------------------------------------------------------------------------------------------------
// SDK internals (present in @pulumi/policy's JS, absent from its .d.ts)

type RpcCallback = (err: unknown, resp?: unknown) => void;
type RpcFun = (call: { request: unknown }, callback: RpcCallback) => Promise<void> | void;
interface PolicyServerInternals {
    makeAnalyzeRpcFun(name: string, version: string, level: EnforcementLevel, policies: Policies): RpcFun;
    makeAnalyzeStackRpcFun(name: string, version: string, level: EnforcementLevel, policies: Policies): RpcFun;
    makeRemediateRpcFun(name: string, version: string, level: EnforcementLevel, policies: Policies): RpcFun;
}
interface ProtoUtilInternals {
    convertEnforcementLevel(level: number): EnforcementLevel;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server") as PolicyServerInternals;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protoutil = require("@pulumi/policy/protoutil") as ProtoUtilInternals;

// ------------------------------------------------------------------------------------------------
// Public types

export type PolicyConfigFile = Record<string, unknown>;

export interface PolicyViolation {
    policyName: string;
    enforcementLevel: EnforcementLevel;
    /** As the CLI shows it: the policy's description, a newline, the finding. */
    message: string;
    urn?: string;
    resourceName?: string;
    resourceType?: string;
    /** `resource`: from Analyze (per resource); `stack`: from AnalyzeStack. */
    phase: "resource" | "stack";
}

export interface PolicySummary {
    name: string;
    description: string;
    /** Effective level after the config file. */
    enforcementLevel: EnforcementLevel;
    /** Which validations the policy has (a policy may have both). */
    kinds: ("resource" | "stack")[];
    /** The reconciled config properties the policy sees through getConfig(). */
    config: Record<string, unknown>;
}

export interface RemediationResult {
    policyName: string;
    urn: string;
    /** The resource's inputs after the remediation. */
    properties?: Record<string, unknown>;
    diagnostic?: string;
}

export interface NotApplicable {
    policyName: string;
    urn?: string;
    reason?: string;
}

export interface PolicyResult {
    packName: string;
    packVersion: string;
    violations: PolicyViolation[];
    policies: PolicySummary[];
    /** Number of mandatory violations: non-zero means `pulumi preview/up` would fail. */
    mandatoryCount: number;
    advisoryCount: number;
    remediations: RemediationResult[];
    notApplicable: NotApplicable[];
}

export interface RunPolicyPackOptions {
    /** Same shape as policies/config/<stack>.json (what CI passes with --policy-pack-config). */
    config?: PolicyConfigFile;
    /**
     * true: like `pulumi preview` (stack policies see the inputs, unknowns included);
     * false (default): like `pulumi up` (stack policies see the outputs).
     */
    preview?: boolean;
    /** Stack tags, as the engine passes them (ConfigureStack). */
    stackTags?: Record<string, string>;
    /** Policies to run instead of the pack's (tests). */
    policies?: Policies;
    /** "protobuf" encodes properties as for the gRPC wire; the default hands the SDK the decoded values. */
    encoding?: "protobuf" | "decoded";
}

export class PolicyConfigError extends Error {
    constructor(readonly errors: string[]) {
        super(`policy pack configuration is invalid:\n  ${errors.join("\n  ")}`);
        this.name = "PolicyConfigError";
    }
}

// ------------------------------------------------------------------------------------------------
// Configuration, as the CLI handles it (pkg/resource/analyzer/config.go)

const LEVELS: ReadonlySet<string> = new Set(["advisory", "mandatory", "remediate", "disabled"]);

export interface ParsedPolicyConfig {
    enforcementLevel?: EnforcementLevel;
    properties?: Record<string, unknown>;
}

/** Parses a config file's content: `{ "<policy>|all": "<level>" | { enforcementLevel?, ...properties } }`. */
export function parsePolicyPackConfig(config: unknown): Record<string, ParsedPolicyConfig> {
    const out: Record<string, ParsedPolicyConfig> = {};
    if (config === undefined || config === null) return out;
    if (typeof config !== "object" || Array.isArray(config)) throw new PolicyConfigError(["the config must be a JSON object"]);
    const errors: string[] = [];
    for (const [key, val] of Object.entries(config as Record<string, unknown>)) {
        if (typeof val === "string") {
            if (!LEVELS.has(val)) errors.push(`parsing enforcement level for "${key}": "${val}" is not a valid enforcement level`);
            else out[key] = { enforcementLevel: val as EnforcementLevel };
        } else if (val !== null && typeof val === "object" && !Array.isArray(val)) {
            const { enforcementLevel, ...properties } = val as Record<string, unknown>;
            const entry: ParsedPolicyConfig = {};
            if (enforcementLevel !== undefined) {
                if (typeof enforcementLevel !== "string" || !LEVELS.has(enforcementLevel)) {
                    errors.push(`parsing enforcement level for "${key}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`);
                    continue;
                }
                entry.enforcementLevel = enforcementLevel as EnforcementLevel;
            }
            if (Object.keys(properties).length > 0) entry.properties = properties;
            if (entry.enforcementLevel || entry.properties) out[key] = entry;
        } else {
            errors.push(`parsing "${key}": ${JSON.stringify(val)} is not a valid value; must be a string or object`);
        }
    }
    if (errors.length > 0) throw new PolicyConfigError(errors);
    return out;
}

export function loadPolicyPackConfig(file: string): PolicyConfigFile {
    const text = fs.readFileSync(file, "utf8");
    return text.trim() === "" ? {} : (JSON.parse(text) as PolicyConfigFile);
}

interface PolicyMeta {
    name: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: { properties?: Record<string, unknown>; required?: string[] };
}

export interface ReconciledPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

function typeOk(v: unknown, schema: Record<string, unknown>): string | undefined {
    const t = schema.type;
    const types = t === undefined ? [] : Array.isArray(t) ? t : [t];
    if (types.length > 0) {
        const ok = types.some((x) => hasJsonType(v, x) ?? true);
        if (!ok) return `Invalid type. Expected: ${types.join(" or ")}, given: ${Array.isArray(v) ? "array" : v === null ? "null" : typeof v}`;
    }
    if (typeof v === "number") {
        if (typeof schema.minimum === "number" && v < schema.minimum) return `Must be greater than or equal to ${schema.minimum}`;
        if (typeof schema.maximum === "number" && v > schema.maximum) return `Must be less than or equal to ${schema.maximum}`;
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === v)) return `Must be one of ${JSON.stringify(schema.enum)}`;
    if (Array.isArray(v) && schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
        for (let i = 0; i < v.length; i++) {
            const e = typeOk(v[i], schema.items as Record<string, unknown>);
            if (e) return `[${i}]: ${e}`;
        }
    }
    return undefined;
}

/**
 * Like the CLI's ReconcilePolicyPackConfig: schema defaults and the policies' own levels, then the
 * config (`all` sets every policy's level first, then per-policy entries), then validation of each
 * policy's properties against its configSchema (unknown properties are allowed, like the CLI).
 */
export function reconcilePolicyConfig(policies: readonly PolicyMeta[], config?: PolicyConfigFile): {
    config: Record<string, ReconciledPolicyConfig>;
    errors: string[];
} {
    const parsed = parsePolicyPackConfig(config ?? {});
    const result: Record<string, ReconciledPolicyConfig> = {};
    for (const p of policies) {
        const props: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
            if (s && typeof s === "object" && "default" in s) props[k] = structuredClone((s as { default: unknown }).default);
        }
        result[p.name] = { enforcementLevel: p.enforcementLevel, properties: props };
    }
    const all = parsed.all?.enforcementLevel;
    if (all) for (const k of Object.keys(result)) result[k].enforcementLevel = all;
    const errors: string[] = [];
    for (const [name, given] of Object.entries(parsed)) {
        if (name === "all") continue;
        const target = result[name];
        if (!target) {
            errors.push(`${name}: no such policy in the pack`);
            continue;
        }
        if (given.enforcementLevel) target.enforcementLevel = given.enforcementLevel;
        if (given.properties) Object.assign(target.properties, structuredClone(given.properties));
    }
    for (const p of policies) {
        const schemaProps = (p.configSchema?.properties ?? {}) as Record<string, Record<string, unknown>>;
        const props = result[p.name].properties;
        for (const req of p.configSchema?.required ?? []) {
            if (!(req in props)) errors.push(`${p.name}: ${req} is required`);
        }
        for (const [k, v] of Object.entries(props)) {
            const s = schemaProps[k];
            if (!s) continue;
            const e = typeOk(v, s);
            if (e) errors.push(`${p.name}: ${k}: ${e}`);
        }
    }
    return { config: result, errors };
}

// ------------------------------------------------------------------------------------------------
// Requests, as the engine builds them

function toWire(v: unknown, seen: Set<object>): unknown {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : null;
    if (typeof v === "bigint") return Number(v);
    if (v instanceof Date) return v.toISOString();
    if (typeof v !== "object") return undefined;
    if (seen.has(v)) return undefined;
    seen.add(v);
    try {
        if (Array.isArray(v)) return v.map((x) => { const w = toWire(x, seen); return w === undefined ? null : w; });
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(v)) {
            const w = toWire((v as Record<string, unknown>)[k], seen);
            if (w !== undefined) o[k] = w;
        }
        return o;
    } finally {
        seen.delete(v);
    }
}

type Encode = (props: unknown) => unknown;

function wireObject(props: unknown): Record<string, unknown> {
    const w = toWire(props, new Set());
    return w !== null && typeof w === "object" && !Array.isArray(w) ? (w as Record<string, unknown>) : {};
}

/** Properties as the engine encodes them for the gRPC wire. */
function struct(props: unknown): unknown {
    return structpb.Struct.fromJavaScript(wireObject(props));
}

/**
 * Properties for an in-process call: the same wire values, without the protobuf round trip. The
 * SDK decodes a resource's properties once per policy (13 times per resource here), which made
 * the encoding most of an evaluation's time; it only ever calls toJavaScript() on them and
 * copies what that returns.
 */
function decoded(props: unknown): unknown {
    const wire = wireObject(props);
    const s = new structpb.Struct();
    s.toJavaScript = () => wire;
    return s;
}

function resourceOptions(r: RegisteredResource): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    const opts = r.options ?? ({} as RegisteredResource["options"]);
    o.setProtect(!!opts.protect);
    o.setIgnorechangesList(Array.isArray(opts.ignoreChanges) ? opts.ignoreChanges.map(String) : []);
    o.setDeletebeforereplace(!!opts.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(opts.deleteBeforeReplace === true);
    o.setAliasesList([]);
    o.setAdditionalsecretoutputsList([]);
    o.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
    if (r.parent) o.setParent(r.parent);
    return o;
}

/** `urn:pulumi:stack::project::parent$type::name` → type. */
export function typeFromUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4) return "";
    const qualified = parts[2];
    const i = qualified.lastIndexOf("$");
    return i >= 0 ? qualified.slice(i + 1) : qualified;
}

function providerResource(r: RegisteredResource, byUrn: Map<string, RegisteredResource>, encode: Encode): analyzerpb.AnalyzerProviderResource | undefined {
    if (!r.provider) return undefined;
    const i = r.provider.lastIndexOf("::");
    const urn = i > 0 ? r.provider.slice(0, i) : r.provider;
    const p = new analyzerpb.AnalyzerProviderResource();
    const known = byUrn.get(urn);
    p.setUrn(urn);
    p.setType(known?.type ?? typeFromUrn(urn));
    p.setName(known?.name ?? urn.slice(urn.lastIndexOf("::") + 2));
    p.setProperties(encode(known?.inputs ?? {}) as never);
    return p;
}

/**
 * The `AnalyzeRequest` the engine sends for one resource (Analyze and Remediate RPCs). `all` lets
 * the provider reference (`urn::id`) be resolved to the provider resource.
 */
export function buildAnalyzeRequest(r: RegisteredResource, props: unknown, all: readonly RegisteredResource[] | Map<string, RegisteredResource> = []): analyzerpb.AnalyzeRequest {
    const byUrn = all instanceof Map ? all : new Map(all.map((x) => [x.urn, x] as const));
    return analyzeRequest(r, props, byUrn, struct);
}

/** The `AnalyzeStackRequest` the engine sends: inputs during preview, outputs during up. */
export function buildAnalyzeStackRequest(resources: readonly RegisteredResource[], preview: boolean): analyzerpb.AnalyzeStackRequest {
    const byUrn = new Map(resources.map((x) => [x.urn, x] as const));
    const req = new analyzerpb.AnalyzeStackRequest();
    req.setResourcesList(resources.map((r) => analyzerResource(r, preview ? r.inputs ?? {} : r.outputs ?? r.inputs ?? {}, byUrn, struct)));
    return req;
}

/** A protobuf Struct of the google-protobuf copy @pulumi/pulumi's stubs use (for PolicyConfig properties etc.). */
export function toStruct(v: Record<string, unknown>): unknown {
    return struct(v);
}

/** The fields AnalyzeRequest and AnalyzerResource share, set the same way on both. */
function setResourceFields<
    M extends analyzerpb.AnalyzeRequest | analyzerpb.AnalyzerResource,
>(msg: M, r: RegisteredResource, props: unknown, byUrn: Map<string, RegisteredResource>, encode: Encode): M {
    msg.setUrn(r.urn);
    msg.setType(r.type);
    msg.setName(r.name);
    msg.setProperties(encode(props) as never);
    msg.setOptions(resourceOptions(r));
    const prov = providerResource(r, byUrn, encode);
    if (prov) msg.setProvider(prov);
    return msg;
}

function analyzeRequest(r: RegisteredResource, props: unknown, byUrn: Map<string, RegisteredResource>, encode: Encode): analyzerpb.AnalyzeRequest {
    return setResourceFields(new analyzerpb.AnalyzeRequest(), r, props, byUrn, encode);
}

function analyzerResource(r: RegisteredResource, props: unknown, byUrn: Map<string, RegisteredResource>, encode: Encode): analyzerpb.AnalyzerResource {
    const res = setResourceFields(new analyzerpb.AnalyzerResource(), r, props, byUrn, encode);
    if (r.parent) res.setParent(r.parent);
    res.setDependenciesList(Array.isArray(r.dependencies) ? r.dependencies.map(String) : []);
    const pd = res.getPropertydependenciesMap();
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        if (!Array.isArray(urns) || urns.length === 0) continue; // the engine skips empty lists
        const deps = new analyzerpb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns.map(String));
        pd.set(k, deps);
    }
    return res;
}

function call<T>(fn: RpcFun, request: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        try {
            const p = fn({ request }, (err, resp) => (err ? reject(err) : resolve(resp as T)));
            if (p && typeof (p as Promise<void>).catch === "function") (p as Promise<void>).catch(reject);
        } catch (e) {
            reject(e);
        }
    });
}

// ------------------------------------------------------------------------------------------------
// Policies, handed their config the way the SDK would after Configure

type AnyPolicy = Policies[number] & {
    validateResource?: unknown; validateStack?: unknown; remediateResource?: unknown;
    configSchema?: PolicyMeta["configSchema"];
};

function freezeMap(m: Map<string, string>): ReadonlyMap<string, string> {
    return m;
}

function configure(policy: AnyPolicy, cfg: ReconciledPolicyConfig, stackTags: ReadonlyMap<string, string>): AnyPolicy {
    const getConfig = () => structuredClone(cfg.properties);
    const wrap = (fn: unknown) => {
        if (typeof fn !== "function") return fn;
        return (args: Record<string, unknown>, ...rest: unknown[]) =>
            (fn as (...a: unknown[]) => unknown)({ ...args, getConfig, stackTags }, ...rest);
    };
    const q: AnyPolicy = { ...policy, enforcementLevel: cfg.enforcementLevel };
    if (policy.validateResource !== undefined) {
        q.validateResource = Array.isArray(policy.validateResource) ? policy.validateResource.map(wrap) : wrap(policy.validateResource);
    }
    if (policy.validateStack !== undefined) q.validateStack = wrap(policy.validateStack);
    if (policy.remediateResource !== undefined) q.remediateResource = wrap(policy.remediateResource);
    return q;
}

function packVersion(): string {
    try {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "package.json"), "utf8")) as { version?: string };
        return pkg.version ?? "0.0.0";
    } catch {
        return "0.0.0";
    }
}

/** Metadata of the pack's policies with their default levels (what GetAnalyzerInfo reports). */
export function packPolicies(policies: Policies = packArgs.policies): PolicyMeta[] {
    const packLevel = packArgs.enforcementLevel ?? "advisory";
    return (policies as AnyPolicy[]).map((p) => ({
        name: p.name,
        enforcementLevel: p.enforcementLevel ?? packLevel,
        configSchema: p.configSchema,
    }));
}

// ------------------------------------------------------------------------------------------------

/**
 * Runs every policy of the pack over the resources: Remediate and Analyze for each resource (in
 * registration order), then AnalyzeStack once. Rejects with {@link PolicyConfigError} on an invalid
 * config and with the SDK's error when a policy throws (as the engine would fail the preview).
 */
export async function runPolicyPack(resources: RegisteredResource[], opts: RunPolicyPackOptions = {}): Promise<PolicyResult> {
    const allPolicies = (opts.policies ?? packArgs.policies) as AnyPolicy[];
    const metas = packPolicies(allPolicies);
    const { config, errors } = reconcilePolicyConfig(metas, opts.config);
    if (errors.length > 0) throw new PolicyConfigError(errors);

    const stackTags = freezeMap(new Map(Object.entries(opts.stackTags ?? {})));
    const configured = allPolicies.map((p) => configure(p, config[p.name], stackTags)) as Policies;
    const version = packVersion();
    const packLevel: EnforcementLevel = (packArgs as PolicyPackArgs).enforcementLevel ?? "advisory";
    const remediate = server.makeRemediateRpcFun(PACK_NAME, version, packLevel, configured);
    const analyze = server.makeAnalyzeRpcFun(PACK_NAME, version, packLevel, configured);
    const analyzeStack = server.makeAnalyzeStackRpcFun(PACK_NAME, version, packLevel, configured);

    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const encode = opts.encoding === "protobuf" ? struct : decoded;
    const violations: PolicyViolation[] = [];
    const remediations: RemediationResult[] = [];
    const notApplicable: NotApplicable[] = [];
    const remediated = new Map<string, Record<string, unknown>>();
    const anyRemediate = metas.some((m) => config[m.name].enforcementLevel === "remediate");

    const decode = (resp: analyzerpb.AnalyzeResponse, phase: PolicyViolation["phase"], urn?: string) => {
        for (const d of resp.getDiagnosticsList()) {
            const u = d.getUrn() || urn;
            const r = u ? byUrn.get(u) : undefined;
            const v: PolicyViolation = {
                policyName: d.getPolicyname(),
                enforcementLevel: protoutil.convertEnforcementLevel(d.getEnforcementlevel()),
                message: d.getMessage(),
                phase,
            };
            if (u) v.urn = u;
            if (r) { v.resourceName = r.name; v.resourceType = r.type; }
            else if (u) { v.resourceName = u.slice(u.lastIndexOf("::") + 2); v.resourceType = typeFromUrn(u); }
            violations.push(v);
        }
        for (const n of resp.getNotApplicableList()) {
            const entry: NotApplicable = { policyName: n.getPolicyName() };
            if (urn) entry.urn = urn;
            if (n.getReason()) entry.reason = n.getReason();
            notApplicable.push(entry);
        }
    };

    for (const r of resources) {
        let props: unknown = r.inputs ?? {};
        if (anyRemediate) {
            const resp = await call<analyzerpb.RemediateResponse>(remediate, analyzeRequest(r, props, byUrn, encode));
            for (const rem of resp.getRemediationsList()) {
                const entry: RemediationResult = { policyName: rem.getPolicyname(), urn: r.urn };
                const p = rem.getProperties();
                if (p) {
                    const fixed = (p as unknown as { toJavaScript(): Record<string, unknown> }).toJavaScript();
                    entry.properties = fixed;
                    props = fixed;
                    remediated.set(r.urn, fixed);
                }
                if (rem.getDiagnostic()) entry.diagnostic = rem.getDiagnostic();
                remediations.push(entry);
            }
        }
        const resp = await call<analyzerpb.AnalyzeResponse>(analyze, analyzeRequest(r, props, byUrn, encode));
        decode(resp, "resource", r.urn);
    }

    const stackReq = new analyzerpb.AnalyzeStackRequest();
    stackReq.setResourcesList(resources.map((r) => {
        const fixed = remediated.get(r.urn);
        const props = opts.preview
            ? fixed ?? r.inputs ?? {}
            : fixed ? { ...(r.outputs ?? r.inputs ?? {}), ...fixed } : r.outputs ?? r.inputs ?? {};
        return analyzerResource(r, props, byUrn, encode);
    }));
    decode(await call<analyzerpb.AnalyzeResponse>(analyzeStack, stackReq), "stack");

    const policies: PolicySummary[] = allPolicies.map((p) => {
        const kinds: PolicySummary["kinds"] = [];
        if (p.validateResource !== undefined || p.remediateResource !== undefined) kinds.push("resource");
        if (p.validateStack !== undefined) kinds.push("stack");
        return {
            name: p.name,
            description: p.description,
            enforcementLevel: config[p.name].enforcementLevel,
            kinds,
            config: structuredClone(config[p.name].properties),
        };
    });
    return {
        packName: PACK_NAME,
        packVersion: version,
        violations,
        policies,
        mandatoryCount: violations.filter((v) => v.enforcementLevel === "mandatory").length,
        advisoryCount: violations.filter((v) => v.enforcementLevel === "advisory").length,
        remediations,
        notApplicable,
    };
}
