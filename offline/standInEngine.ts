/**
 * A stand-in for the Pulumi engine during a program run: the ResourceMonitor and Engine gRPC
 * services that a program started by `@pulumi/pulumi/cmd/run` talks to, as the CLI's language host
 * wires them (`--monitor`, `--engine`). It answers as AWS would on a first `pulumi up`: every
 * registration with its inputs plus what the provider computes (ids, ARNs, DNS names: the mocks of
 * offline/mocks.ts), every invoke the program makes (aws.ecs.getService with the provider's
 * "couldn't find resource" error, since nothing exists yet). Nothing is diffed, planned or checked:
 * it only lets the real runtime run the program to its end, so its cost can be measured.
 */
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginepb from "@pulumi/pulumi/proto/engine_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourcepb from "@pulumi/pulumi/proto/resource_pb";
import { plainProperties } from "./engine";
import { AwsMocks, DEFAULT_ACCOUNT, type MockAccount } from "./mocks";
import { structpb } from "./sdkStruct";


const Feature = resourcepb.ResourceMonitorFeature;
/**
 * What the engine of a current CLI advertises, less what would need the engine's own work
 * (invoke dependencies it waits for, byte strings): the SDK keeps its client-side handling then.
 */
const FEATURES = [
    Feature.RESOURCE_MONITOR_FEATURE_SECRETS,
    Feature.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    Feature.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
    Feature.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    Feature.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    Feature.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    Feature.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    Feature.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    Feature.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    Feature.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
    Feature.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
    Feature.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
    Feature.RESOURCE_MONITOR_FEATURE_STATE_MIGRATIONS,
];
/** The same, by the names older SDKs ask SupportsFeature about. */
const FEATURE_IDS = new Set(["secrets", "resourceReferences", "outputValues", "aliasSpecs", "deletedWith", "replaceWith", "transforms", "invokeTransforms", "parameterization", "resourceHooks", "errorHooks"]);

/** Engine log severities (pulumirpc.LogSeverity). */
export const LOG_ERROR = 3;

export interface EngineLog {
    severity: number;
    message: string;
    urn: string;
}

export interface Registration {
    urn: string;
    type: string;
    custom: boolean;
    /** Where the program created it, as the SDK reports it (file URI and line). */
    sourcePosition?: { uri: string; line: number };
}

export interface StandInEngine {
    /** `--monitor` of cmd/run. */
    monitorAddress: string;
    /** `--engine` of cmd/run. */
    engineAddress: string;
    /** Registrations answered so far (the stack resource, components and custom resources). */
    registrations(): number;
    /** What was registered so far, in order. */
    registered(): Registration[];
    logs: EngineLog[];
    /** The stack's outputs, as the program registered them (wire form). */
    stackOutputs(): Record<string, unknown> | undefined;
    /** Forgets the last run (registrations, logs, root resource) before the next, of `stack` (default: the same). */
    reset(stack?: string): void;
    stop(): Promise<void>;
}

type Callback = (err: grpc.ServiceError | { code: number; details: string } | null, resp?: unknown) => void;
type Call<Req> = { request: Req };

export interface StandInOptions {
    project: string;
    stack: string;
    account?: Partial<MockAccount>;
}

export async function startStandInEngine(opts: StandInOptions): Promise<StandInEngine> {
    const mocks = new AwsMocks({ ...DEFAULT_ACCOUNT, ...opts.account });
    let stack = opts.stack;
    let registered: Registration[] = [];
    let logs: EngineLog[] = [];
    let root = "";
    let stackUrn = "";
    let outputs: Record<string, unknown> | undefined;
    const qualifiedTypes = new Map<string, string>();

    // As the engine names resources: the parent's qualified type chain, less the root stack's.
    const urnOf = (parent: string, type: string, name: string) => {
        const parentType = parent ? (qualifiedTypes.get(parent) ?? parent.split("::")[2]) : "pulumi:pulumi:Stack";
        const qualified = parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
        const urn = `urn:pulumi:${stack}::${opts.project}::${qualified}::${name}`;
        qualifiedTypes.set(urn, qualified);
        return urn;
    };

    const registerResource = async (req: resourcepb.RegisterResourceRequest) => {
        const type = req.getType();
        const name = req.getName();
        const urn = urnOf(req.getParent(), type, name);
        const position = req.getSourceposition();
        registered.push({ urn, type, custom: req.getCustom(), ...(position ? { sourcePosition: { uri: position.getUri(), line: position.getLine() } } : {}) });
        if (type === "pulumi:pulumi:Stack") stackUrn = urn;
        const wire = ((req.getObject() as { toJavaScript(): Record<string, unknown> } | undefined)?.toJavaScript() ?? {}) as Record<string, unknown>;
        let id = "";
        let state: Record<string, unknown> = {};
        // The engine answers a local component with its URN alone; custom resources and remote
        // components (awsx's VPC) get what their provider returns: their inputs and computed outputs.
        if (req.getCustom() || req.getRemote()) {
            const inputs = plainProperties(wire) as Record<string, unknown>;
            const result = mocks.newResource({ type, name, inputs, provider: req.getProvider(), custom: req.getCustom(), id: req.getImportid() } as never);
            id = req.getCustom() ? (result.id ?? "") : "";
            const computed = Object.fromEntries(Object.entries(result.state).filter(([k, v]) => v !== undefined && (!(k in inputs) || inputs[k] !== v)));
            state = { ...wire, ...computed };
        }
        const resp = new resourcepb.RegisterResourceResponse();
        resp.setUrn(urn);
        resp.setId(id);
        resp.setObject(structpb.Struct.fromJavaScript(state) as never);
        return resp;
    };

    const invoke = (req: resourcepb.ResourceInvokeRequest) => {
        const inputs = ((req.getArgs() as { toJavaScript(): Record<string, unknown> } | undefined)?.toJavaScript() ?? {}) as Record<string, unknown>;
        const result = mocks.call({ token: req.getTok(), inputs, provider: req.getProvider() } as never);
        const resp = new resourcepb.ResourceInvokeResponse();
        resp.setReturn(structpb.Struct.fromJavaScript(result) as never);
        return resp;
    };

    /** A unary handler: the answer, or the error as the engine sends a provider's (its message as `details`). */
    const unary =
        <Req>(fn: (req: Req) => unknown) =>
        (call: Call<Req>, cb: Callback) => {
            Promise.resolve()
                .then(() => fn(call.request))
                .then(
                    (resp) => cb(null, resp),
                    (err: unknown) => cb({ code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) }),
                );
        };
    const empty = () => new (resourceGrpc.ResourceMonitorService.signalAndWaitForShutdown as unknown as { responseType: new () => unknown }).responseType();

    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(resourceGrpc.ResourceMonitorService as unknown as grpc.ServiceDefinition, {
        supportsFeature: unary((req: resourcepb.SupportsFeatureRequest) => {
            const resp = new resourcepb.SupportsFeatureResponse();
            resp.setHassupport(FEATURE_IDS.has(req.getId()));
            return resp;
        }),
        getDeploymentInfo: unary(() => {
            const resp = new resourcepb.DeploymentInfo();
            resp.setSupportedfeaturesList(FEATURES);
            return resp;
        }),
        registerResource: unary(registerResource),
        registerResourceOutputs: unary((req: resourcepb.RegisterResourceOutputsRequest) => {
            if (req.getUrn() === stackUrn) outputs = (req.getOutputs() as { toJavaScript(): Record<string, unknown> } | undefined)?.toJavaScript();
            return empty();
        }),
        invoke: unary(invoke),
        registerPackage: unary((req: resourcepb.RegisterPackageRequest) => {
            const resp = new resourcepb.RegisterPackageResponse();
            resp.setRef(`stand-in:${req.getName()}@${req.getVersion()}`);
            return resp;
        }),
        registerStackTransform: unary(empty),
        registerStackInvokeTransform: unary(empty),
        registerResourceHook: unary(empty),
        registerErrorHook: unary(empty),
        signalAndWaitForShutdown: unary(empty),
    });
    server.addService(engineGrpc.EngineService as unknown as grpc.ServiceDefinition, {
        log: unary((req: enginepb.LogRequest) => {
            logs.push({ severity: req.getSeverity(), message: req.getMessage(), urn: req.getUrn() });
            return empty();
        }),
        getRootResource: unary(() => {
            const resp = new enginepb.GetRootResourceResponse();
            resp.setUrn(root);
            return resp;
        }),
        setRootResource: unary((req: enginepb.SetRootResourceRequest) => {
            root = req.getUrn();
            return new enginepb.SetRootResourceResponse();
        }),
        startDebugging: unary(empty),
        requirePulumiVersion: unary(() => new enginepb.RequirePulumiVersionResponse()),
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const address = `127.0.0.1:${port}`;
    return {
        monitorAddress: address,
        engineAddress: address,
        registrations: () => registered.length,
        registered: () => [...registered],
        get logs() {
            return logs;
        },
        stackOutputs: () => outputs,
        reset: (next?: string) => {
            stack = next ?? stack;
            registered = [];
            logs = [];
            root = "";
            stackUrn = "";
            outputs = undefined;
            qualifiedTypes.clear();
        },
        stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
