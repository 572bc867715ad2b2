import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as state from "@pulumi/pulumi/runtime/state";
import { PROGRAM, PROJECT_DIR } from "./paths";
import { AwsMocks, DEFAULT_ACCOUNT, type MockAccount } from "./mocks";
import { readStackConfig, type StackConfigValues } from "./stackFiles";
import { applyIgnoreChanges, changedLeaves, getPath, hashSecrets, parsePath, providerDiff } from "./providerDiff";
import { structpb } from "./sdkStruct";
import type { LiveAccount, PriorResource, RegisteredResource, Step } from "./types";

export { PROGRAM, PROJECT_DIR } from "./paths";

export interface RunOptions {
    /** Stack name: reads `Pulumi.<stack>.yaml` unless `config` is given. */
    stack: string;
    /** Config to run with instead of the stack file (tests, generated stacks). */
    config?: StackConfigValues;
    projectDir?: string;
    /** Run as `pulumi preview` would (isDryRun true). */
    preview?: boolean;
    account?: Partial<MockAccount>;
    /** The program to run; defaults to a fresh load of index.ts, as `pulumi up` would. */
    program?: () => unknown;
    /**
     * Pulumi's state from an earlier `pulumi up` (by URN): each registration is then diffed
     * against it as the engine and provider would, recorded as its `step`, and answered with
     * the old outputs when nothing forces a new resource.
     */
    prior?: Map<string, PriorResource>;
    /** What AWS reports through invokes (the live ECS services); without it, nothing exists yet. */
    live?: LiveAccount;
    /** Secret inputs are recorded (and diffed) as hashes: for runs compared with a saved plan. */
    hashSecrets?: boolean;
    /** Encode requests and responses as protobuf Structs, as the SDK does (slower: see withoutStructEncoding). */
    protobuf?: boolean;
}

export interface RunResult {
    config: StackConfigValues;
    resources: RegisteredResource[];
    /** Stack outputs, secrets unwrapped; see `secretOutputs`. */
    outputs: Record<string, unknown>;
    /** Paths of the outputs that are secret (`services.web.x`). */
    secretOutputs: string[];
    /** The program's error, e.g. a ConfigError; resources registered before it are still listed. */
    error?: Error;
}

const SIG = rpc.specialSigKey;
// Internal to the SDK (no typings); required, not imported, so its export can be replaced for a run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable: { debuggablePromise: unknown } = require("@pulumi/pulumi/runtime/debuggable");

/** Turns the wire form of properties into plain values: secrets unwrapped (and reported), resource references as URNs. */
export function plainProperties(value: unknown, at = "", secrets: string[] = []): unknown {
    if (Array.isArray(value)) return value.map((v, i) => plainProperties(v, `${at}[${i}]`, secrets));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        switch (obj[SIG]) {
            case rpc.specialSecretSig:
                secrets.push(at);
                return plainProperties(obj.value, at, []);
            case rpc.specialResourceSig:
                return obj.urn;
            case rpc.specialOutputValueSig:
                if (obj.secret) secrets.push(at);
                return "value" in obj ? plainProperties(obj.value, at, []) : rpc.unknownValue;
            case rpc.specialAssetSig:
            case rpc.specialArchiveSig:
                return { asset: obj.path ?? obj.uri ?? "[inline]" };
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) out[k] = plainProperties(v, at ? `${at}.${k}` : k, secrets);
        return out;
    }
    return value;
}

/** Resources or outputs in a mock's state: only the SDK's serializer knows their wire form. */
function containsLiveValues(value: unknown): boolean {
    if (pulumi.Resource.isInstance(value) || pulumi.Output.isInstance(value)) return true;
    if (Array.isArray(value)) return value.some(containsLiveValues);
    if (value && typeof value === "object") return Object.values(value).some(containsLiveValues);
    return false;
}

/** Plain data in wire form: what serializeProperties makes of it (undefined properties dropped). */
function withoutUndefined(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutUndefined);
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
        return out;
    }
    return value;
}

let running = false;

/**
 * Runs the Pulumi program under the mock engine and records every registration as the engine
 * would hand it to an analyzer: inputs, outputs, parent, dependencies, property dependencies
 * and resource options. One run at a time: the Pulumi runtime is process-global.
 */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
    if (running) throw new Error("runProgram: a run is already in progress in this process");
    running = true;
    try {
        return await run(opts);
    } finally {
        running = false;
    }
}

async function run(opts: RunOptions): Promise<RunResult> {
    const projectDir = opts.projectDir ?? PROJECT_DIR;
    const config = opts.config ?? readStackConfig(projectDir, opts.stack);
    const region = config.values["aws:region"];
    const account: MockAccount = { ...DEFAULT_ACCOUNT, ...(region ? { region } : {}), ...opts.account };

    // setAllConfig merges into what is there: start from nothing so runs do not leak into each other.
    ((state as any).getStore().config as Record<string, string>)["PULUMI_CONFIG"] = "{}";
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const mocks = new AwsMocks(account, opts.live);
    await pulumi.runtime.setMocks(mocks, config.project, config.stack, opts.preview ?? false);

    const resources: RegisteredResource[] = [];
    const byUrn = new Map<string, RegisteredResource>();
    answerRegistrations(settings.getMonitor() as any, mocks, resources, byUrn, opts.prior, opts.hashSecrets ?? false, opts.preview ?? false);

    const program = opts.program ?? (() => loadFresh(opts.projectDir ? path.join(opts.projectDir, "index.ts") : PROGRAM));
    let error: Error | undefined;
    let raw: Record<string, unknown> = {};
    const restoreTraces = process.env.OFFLINE_STACK_TRACES ? () => undefined : withoutDebugTraces();
    const restoreStructs = opts.protobuf ? () => undefined : withoutStructEncoding();
    const restore = () => (restoreTraces(), restoreStructs());
    try {
        raw = ((await pulumi.runtime.runInPulumiStack(async () => program())) ?? {}) as Record<string, unknown>;
    } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
    } finally {
        await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        restore();
    }

    const secretOutputs: string[] = [];
    const outputs = plainProperties(await rpc.serializeProperties("outputs", raw), "", secretOutputs) as Record<string, unknown>;
    return { config, resources, outputs, secretOutputs, error };
}

/**
 * The SDK records a stack trace for every promise it makes (for its leak report) and a full,
 * source-mapped one for every resource (its source position); the mock monitor reads neither,
 * and together they were most of a run's time and garbage. Off during a run unless
 * OFFLINE_STACK_TRACES=1, e.g. to find which resource leaked a promise.
 */
function withoutDebugTraces(): () => void {
    const resource = pulumi.Resource as unknown as { stackTrace: unknown };
    const saved = { limit: Error.stackTraceLimit, promise: debuggable.debuggablePromise, stackTrace: resource.stackTrace };
    Error.stackTraceLimit = 0;
    debuggable.debuggablePromise = <T>(p: Promise<T>) => p;
    resource.stackTrace = () => [];
    return () => {
        Error.stackTraceLimit = saved.limit;
        debuggable.debuggablePromise = saved.promise;
        resource.stackTrace = saved.stackTrace;
    };
}

/**
 * Under mocks every request and response stays in this process: the SDK encodes properties into a
 * protobuf Struct and the mock monitor decodes them again (toJavaScript) at once, a tenth of a run.
 * During a run the Struct hands back what that round trip yields, without the protobuf: a copy of
 * the SDK's serialized value with each object's keys in order (serializeProperties leaves only JSON
 * values: no undefined, functions or class instances).
 */
function withoutStructEncoding(): () => void {
    const saved = structpb.Struct.fromJavaScript;
    structpb.Struct.fromJavaScript = (value) => Object.assign(new structpb.Struct(), { toJavaScript: () => structCopy(value) as Record<string, unknown> });
    return () => {
        structpb.Struct.fromJavaScript = saved;
    };
}

/** A JSON value as a protobuf Struct round trip returns it: copied, object keys sorted. */
export function structCopy(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(structCopy);
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value).sort()) out[k] = structCopy((value as Record<string, unknown>)[k]);
        return out;
    }
    return value;
}

/** Loads the program anew, as each `pulumi up` does, without keeping the old copy (and its whole resource graph) alive. */
function loadFresh(file: string): unknown {
    const resolved = require.resolve(file);
    delete require.cache[resolved];
    try {
        return require(resolved);
    } finally {
        // require() records the program as a child of this module; left there, every run's stack would stay reachable.
        const loaded = require.cache[resolved];
        delete require.cache[resolved];
        const i = module.children.indexOf(loaded!);
        if (i >= 0) module.children.splice(i, 1);
    }
}

/**
 * Takes over the mock monitor's RegisterResource and records each registration with what the
 * mocks alone do not see. It answers as the SDK's MockMonitor does (same URNs, ids and state,
 * mocks called with the same arguments) without its protobuf round trip of the new state, which
 * was a large share of a run: the SDK reads the response only through the accessors given here.
 */
function answerRegistrations(
    monitor: any,
    mocks: AwsMocks,
    resources: RegisteredResource[],
    byUrn: Map<string, RegisteredResource>,
    priorState: Map<string, PriorResource> | undefined,
    secretsAsHashes: boolean,
    preview: boolean,
): void {
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        (async () => {
            const wire: Record<string, unknown> = req.getObject()?.toJavaScript() ?? {};
            const transforms = req
                .getTransformsList()
                .map((cb: any) => monitor.transformCallbacks.get(cb.getToken()))
                .filter((t: unknown) => t !== undefined);
            const urn: string = monitor.newUrn(req.getParent(), req.getType(), req.getName());
            const secretInputs: string[] = [];
            const revealed = plainProperties(wire, "", secretInputs) as Record<string, any>;
            const plainInputs = secretsAsHashes ? hashSecrets(revealed, secretInputs) : revealed;
            const ignoreChanges: string[] = req.getIgnorechangesList();
            // Remote components (awsx's VPC) are diffed by their inputs; their children are not modelled.
            const diffable = req.getCustom() || Boolean(req.getRemote?.());
            const prior = diffable ? priorState?.get(urn) : undefined;
            const step = priorState && diffable ? decideStep(req.getType(), plainInputs, ignoreChanges, prior) : undefined;

            let id: string | undefined;
            let newState: Record<string, unknown>;
            if (prior && step && step.op !== "replace" && req.getCustom()) {
                // An existing resource keeps its id and outputs; an update changes what it sent.
                id = prior.id;
                const updated = { ...prior.outputs };
                for (const key of step.changedKeys) updated[key] = step.sent[key];
                newState = updated;
            } else {
                const result = await mocks.newResource(
                    {
                        type: req.getType(),
                        name: req.getName(),
                        inputs: rpc.deserializeProperties({ toJavaScript: () => wire } as never),
                        provider: req.getProvider(),
                        custom: req.getCustom(),
                        id: req.getImportid(),
                        transforms,
                    } as pulumi.runtime.MockResourceArgs,
                    prior ? prior.generation + (step?.op === "replace" ? 1 : 0) : 0,
                );
                id = result.id;
                // A preview knows what the program declared, not what AWS will compute for a new resource.
                newState = preview && !prior ? previewState(result.state, plainInputs) : result.state;
            }
            const state = (containsLiveValues(newState) ? await rpc.serializeProperties("", newState) : withoutUndefined(newState)) as Record<string, unknown>;
            monitor.resources.set(urn, { urn, id: id ?? null, state });

            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                propertyDependencies[key] = deps.getUrnsList();
            });
            const record: RegisteredResource = {
                urn,
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                ...(req.getRemote?.() ? { remote: true } : {}),
                ...(req.getCustom() && id ? { id } : {}),
                parent: req.getParent() || undefined,
                provider: req.getProvider() || undefined,
                inputs: plainInputs,
                secretInputs,
                outputs: secretsAsHashes ? hashSecrets(plainProperties(state) as Record<string, any>, secretInputs) : (plainProperties(state) as Record<string, any>),
                dependencies: req.getDependenciesList(),
                propertyDependencies,
                ...(step ? { step } : {}),
                options: {
                    ignoreChanges,
                    protect: Boolean(req.getProtect?.()),
                    deleteBeforeReplace: Boolean(req.getDeletebeforereplace()),
                    replaceOnChanges: req.getReplaceonchangesList(),
                },
            };
            resources.push(record);
            byUrn.set(urn, record);
            return {
                getUrn: () => urn,
                getId: () => id || "",
                getObject: () => ({ toJavaScript: () => state }),
                getPropertydependenciesMap: () => undefined,
                getResult: () => 0, // Result.SUCCESS
                getUnknown: () => false,
            };
        })().then((resp) => callback(null, resp), (err) => callback(err, undefined));
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
        const record = byUrn.get(req.getUrn());
        if (record) record.outputs = plainProperties(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, any>;
        registerOutputs(req, callback);
    };
}

/** What the engine and provider would do with this registration, given the resource's earlier state. */
function decideStep(type: string, inputs: Record<string, any>, ignoreChanges: string[], prior: PriorResource | undefined): Step {
    if (!prior) return { op: "create", changedKeys: [], replaceKeys: [], changedPaths: [], ignoredPaths: [], sent: inputs };
    const sent = applyIgnoreChanges(inputs, prior.inputs, ignoreChanges);
    // The bridged provider drops the diffs under ignored paths too (refreshed values the program
    // never declared included), so only what is left is sent.
    const diff = withoutIgnored(providerDiff(type, prior.outputs, prior.inputs, sent), ignoreChanges);
    const declared = prior.declared ?? prior.inputs;
    const ignoredPaths = ignoreChanges.flatMap((p) => {
        const path = parsePath(p);
        return changedLeaves(getPath(declared, path).value, getPath(inputs, path).value, path);
    });
    const op = diff.replaceKeys.length > 0 ? "replace" : diff.changedKeys.length > 0 ? "update" : "same";
    return { op, ...diff, ignoredPaths, sent };
}

function withoutIgnored(diff: ReturnType<typeof providerDiff>, ignoreChanges: string[]): ReturnType<typeof providerDiff> {
    const ignored = (p: string) => ignoreChanges.some((i) => p === i || p.startsWith(`${i}.`) || p.startsWith(`${i}[`));
    const changedPaths = diff.changedPaths.filter((p) => !ignored(p));
    const changedKeys = diff.changedKeys.filter((k) => changedPaths.some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`)));
    return { changedKeys, changedPaths, replaceKeys: diff.replaceKeys.filter((k) => changedKeys.includes(k)) };
}

/** A new resource's outputs during preview: its inputs are known, whatever AWS computes is unknown. */
function previewState(state: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state)) out[k] = k in inputs ? v : rpc.unknownValue;
    return out;
}
