/**
 * Plays the Pulumi engine's side of the analyzer protocol: starts the policy pack as the CLI's
 * `pulumi-analyzer-policy` shim does (`node @pulumi/pulumi/cmd/run-policy-pack <engine> .` in the
 * pack directory), serves the Engine gRPC service the pack logs to, and talks to the pack's
 * Analyzer service with the @pulumi/pulumi protobuf stubs. Shared by the gRPC tests and the bench.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import { newestPackSource } from "../policies/lib/compiled";
import { childEnv } from "./childEnv";
import { PROJECT_DIR } from "./paths";
import { loadPolicyPackConfig, reconcilePolicyConfig, toStruct } from "./policyRunner";

// Plain CommonJS shared with the build scripts (no typings), found from the repository: this file also runs compiled, from bin/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { withBuildLock } = require(path.join(PROJECT_DIR, "scripts", "buildLock.cjs")) as { withBuildLock<T>(root: string, fn: () => Promise<T>): Promise<T> };

export const PACK_DIR = path.join(PROJECT_DIR, "policies");

export const LEVEL_NAMES: Record<number, string> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
};
const LEVEL_VALUES: Record<string, number> = Object.fromEntries(Object.entries(LEVEL_NAMES).map(([k, v]) => [v, Number(k)]));

type Unary<Req, Resp> = (req: Req, cb: (err: grpc.ServiceError | null, resp: Resp) => void) => unknown;

/** One unary call on a generated gRPC client. */
export function analyzerRpc<Req, Resp>(client: unknown, method: string, req: Req): Promise<Resp> {
    return new Promise((resolve, reject) => {
        const fn = (client as Record<string, Unary<Req, Resp>>)[method].bind(client);
        fn(req, (err, resp) => (err ? reject(err) : resolve(resp)));
    });
}

// ------------------------------------------------------------------------------------------------
// The compiled pack

/** The file the pack's package.json names as `main`: what run-policy-pack loads. */
export function packMain(packDir = PACK_DIR): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { main?: string };
    return path.join(packDir, pkg.main ?? "index.js");
}

/**
 * The pack ships compiled (the CLI would otherwise type-check it with ts-node on every preview,
 * seconds each time). `npm ci` builds it (`prepare`); this rebuilds it when a source is newer,
 * so tests never exercise a stale build. Under the build lock: the test files run on several
 * workers, and two of them may find the pack stale at once.
 */
export async function ensurePackBuilt(packDir = PACK_DIR): Promise<{ rebuilt: boolean }> {
    const main = packMain(packDir);
    const fresh = () => !main.endsWith(".js") || (fs.existsSync(main) ? fs.statSync(main).mtimeMs : -1) >= (newestPackSource(packDir)?.mtimeMs ?? -Infinity);
    if (fresh()) return { rebuilt: false };
    return withBuildLock(PROJECT_DIR, async () => {
        if (fresh()) return { rebuilt: false };
        const code = await new Promise<number>((resolve) => {
            const child = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", packDir], { stdio: "inherit" });
            child.on("close", (c) => resolve(c ?? 1));
        });
        if (code !== 0) throw new Error(`the policy pack did not compile (tsc -p ${packDir} exited ${code})`);
        return { rebuilt: true };
    });
}

// ------------------------------------------------------------------------------------------------
// The pack process

export interface PolicyPackProcess {
    client: analyzerGrpc.AnalyzerClient;
    /** Milliseconds from launching run-policy-pack to the port it prints: the pack's cold start. */
    startupMs: number;
    engineLogs: { severity: number; message: string }[];
    stderr(): string;
    stop(): Promise<void>;
}

function fakeEngine(logs: PolicyPackProcess["engineLogs"]): grpc.Server {
    const server = new grpc.Server();
    const respond = (method: keyof typeof engineGrpc.EngineService) => (_call: unknown, cb: (e: null, r: unknown) => void) =>
        cb(null, new (engineGrpc.EngineService[method] as unknown as { responseType: new () => unknown }).responseType());
    server.addService(engineGrpc.EngineService as unknown as grpc.ServiceDefinition, {
        log: (call: { request: { getSeverity(): number; getMessage(): string } }, cb: (e: null, r: unknown) => void) => {
            logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
            respond("log")(call, cb);
        },
        getRootResource: respond("getRootResource"),
        setRootResource: respond("setRootResource"),
        startDebugging: respond("startDebugging"),
        requirePulumiVersion: respond("requirePulumiVersion"),
    });
    return server;
}

export interface StartPolicyPackOptions {
    packDir?: string;
    project?: string;
    stack?: string;
    timeoutMs?: number;
    /**
     * The run-policy-pack script to start; default: the one `@pulumi/pulumi` resolves to from the
     * pack directory (its real path).
     */
    runPolicyPack?: string;
    /** Options for node before the script (e.g. `--preserve-symlinks`). */
    nodeArgs?: string[];
    /** Environment overrides for the pack process; `undefined` removes a variable. */
    env?: Record<string, string | undefined>;
}

export async function startPolicyPack(opts: StartPolicyPackOptions = {}): Promise<PolicyPackProcess> {
    const packDir = opts.packDir ?? PACK_DIR;
    const engineLogs: PolicyPackProcess["engineLogs"] = [];
    const engine = fakeEngine(engineLogs);
    const enginePort = await new Promise<number>((resolve, reject) =>
        engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const engineAddr = `127.0.0.1:${enginePort}`;
    const runPolicyPack = opts.runPolicyPack ?? require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    const env = childEnv(opts.env, {
        ...process.env,
        PULUMI_NODEJS_ENGINE: engineAddr,
        PULUMI_NODEJS_PROJECT: opts.project ?? "ecs-deploy",
        PULUMI_NODEJS_STACK: opts.stack ?? "test",
        PULUMI_NODEJS_DRY_RUN: "true",
    });

    const started = performance.now();
    const pack: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), runPolicyPack, engineAddr, "."], {
        cwd: packDir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    pack.stderr!.on("data", (d) => (stderr += String(d)));
    const stop = async () => {
        if (pack.exitCode === null && pack.signalCode === null) {
            const exited = new Promise((r) => pack.once("exit", r));
            pack.kill("SIGTERM");
            // unref: a pending grace timer would keep the caller's process alive after the pack is gone
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
            if (pack.exitCode === null) pack.kill("SIGKILL");
        }
        await new Promise<void>((r) => engine.tryShutdown(() => r()));
    };
    try {
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`the policy pack did not print its port; stderr:\n${stderr}`)), opts.timeoutMs ?? 120000);
            pack.stdout!.on("data", (d) => {
                out += String(d);
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            pack.on("exit", (code) => {
                clearTimeout(timer);
                // run-policy-pack reports the pack's own errors through the engine (exit code 32), not on stderr
                const logged = engineLogs.filter((l) => l.severity >= 3).map((l) => l.message).join("\n");
                reject(new Error(`the policy pack exited (${code}):\n${[logged, stderr].filter(Boolean).join("\n")}`));
            });
        });
        const startupMs = performance.now() - started;
        const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return {
            client,
            startupMs,
            engineLogs,
            stderr: () => stderr,
            stop: async () => {
                client.close();
                await stop();
            },
        };
    } catch (e) {
        await stop();
        throw e;
    }
}

export async function getAnalyzerInfo(client: analyzerGrpc.AnalyzerClient): Promise<analyzerpb.AnalyzerInfo> {
    const Empty = (analyzerGrpc.AnalyzerService.getAnalyzerInfo as unknown as { requestType: new () => unknown }).requestType;
    return analyzerRpc<unknown, analyzerpb.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
}

/**
 * Configure as the CLI does with `--policy-pack-config <file>`: the file reconciled with the
 * policies' own levels and schema defaults (from GetAnalyzerInfo), then ConfigureStack.
 */
export async function configurePack(
    client: analyzerGrpc.AnalyzerClient,
    info: analyzerpb.AnalyzerInfo,
    opts: { configFile?: string; project?: string; stack?: string; dryRun?: boolean; tags?: Record<string, string> } = {},
): Promise<void> {
    const metas = info.getPoliciesList().map((p) => ({
        name: p.getName(),
        enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()] as "advisory",
        configSchema: { properties: (p.getConfigschema()?.getProperties() as unknown as { toJavaScript(): Record<string, unknown> } | undefined)?.toJavaScript() ?? {} },
    }));
    const { config, errors } = reconcilePolicyConfig(metas, opts.configFile ? loadPolicyPackConfig(opts.configFile) : undefined);
    if (errors.length > 0) throw new Error(`policy config: ${errors.join("; ")}`);
    const req = new analyzerpb.ConfigureAnalyzerRequest();
    for (const [name, c] of Object.entries(config)) {
        const pc = new analyzerpb.PolicyConfig();
        pc.setEnforcementlevel(LEVEL_VALUES[c.enforcementLevel] as analyzerpb.EnforcementLevel);
        pc.setProperties(toStruct(c.properties) as never);
        req.getPolicyconfigMap().set(name, pc);
    }
    await analyzerRpc(client, "configure", req);
    const stackReq = new analyzerpb.AnalyzerStackConfigureRequest();
    stackReq.setStack(opts.stack ?? "test");
    stackReq.setProject(opts.project ?? "ecs-deploy");
    stackReq.setDryRun(opts.dryRun ?? false);
    for (const [k, v] of Object.entries(opts.tags ?? {})) stackReq.getTagsMap().set(k, v);
    await analyzerRpc(client, "configureStack", stackReq);
}
