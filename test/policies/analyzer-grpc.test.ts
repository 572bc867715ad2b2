/**
 * The policy pack through the real analyzer protocol, started as the Pulumi CLI starts a Node.js
 * policy pack: `node @pulumi/pulumi/cmd/run-policy-pack <engine-address> .` with the pack directory
 * as working directory (ts-node compiles the TypeScript pack; slow). The test plays the engine:
 * a fake Engine gRPC server for the engine address (logging), then GetAnalyzerInfo, Configure (the
 * reconciled policy config, like `--policy-pack-config`), ConfigureStack, Analyze per resource and
 * AnalyzeStack, with the @pulumi/pulumi protobuf stubs.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import {
    buildAnalyzeRequest, buildAnalyzeStackRequest, loadPolicyPackConfig, reconcilePolicyConfig, toStruct,
} from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { compliantStack, mutate, without } from "./fixtures";

const ROOT = path.join(__dirname, "..", "..");
const PACK_DIR = path.join(ROOT, "policies");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });

const LEVEL_NAMES: Record<number, string> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
};
const LEVEL_VALUES: Record<string, number> = Object.fromEntries(Object.entries(LEVEL_NAMES).map(([k, v]) => [v, Number(k)]));

type Unary<Req, Resp> = (req: Req, cb: (err: grpc.ServiceError | null, resp: Resp) => void) => unknown;
function rpc<Req, Resp>(client: unknown, method: string, req: Req): Promise<Resp> {
    return new Promise((resolve, reject) => {
        const fn = (client as Record<string, Unary<Req, Resp>>)[method].bind(client);
        fn(req, (err, resp) => (err ? reject(err) : resolve(resp)));
    });
}

interface Diag { policy: string; level: string; message: string; urn: string }
function diags(resp: analyzerpb.AnalyzeResponse, urn = ""): Diag[] {
    return resp.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn() || urn,
    }));
}

describe("policy pack over the analyzer gRPC protocol (run-policy-pack)", function () {
    this.timeout(240000);
    let engine: grpc.Server;
    let pack: ChildProcess;
    let client: analyzerGrpc.AnalyzerClient;
    const engineLogs: { severity: number; message: string }[] = [];
    let stderr = "";

    before(async () => {
        // 1. a fake engine: the pack's SDK logs through it
        engine = new grpc.Server();
        const ok = (_call: unknown, cb: (e: null, r: unknown) => void, Resp: new () => unknown) => cb(null, new Resp());
        const Empty = (engineGrpc.EngineService.log as unknown as { responseType: new () => unknown }).responseType;
        engine.addService(engineGrpc.EngineService as unknown as grpc.ServiceDefinition, {
            log: (call: { request: { getSeverity(): number; getMessage(): string } }, cb: (e: null, r: unknown) => void) => {
                engineLogs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
                ok(call, cb, Empty);
            },
            getRootResource: (call: unknown, cb: (e: null, r: unknown) => void) =>
                ok(call, cb, (engineGrpc.EngineService.getRootResource as unknown as { responseType: new () => unknown }).responseType),
            setRootResource: (call: unknown, cb: (e: null, r: unknown) => void) =>
                ok(call, cb, (engineGrpc.EngineService.setRootResource as unknown as { responseType: new () => unknown }).responseType),
            startDebugging: (call: unknown, cb: (e: null, r: unknown) => void) => ok(call, cb, Empty),
            requirePulumiVersion: (call: unknown, cb: (e: null, r: unknown) => void) =>
                ok(call, cb, (engineGrpc.EngineService.requirePulumiVersion as unknown as { responseType: new () => unknown }).responseType),
        });
        const enginePort = await new Promise<number>((resolve, reject) =>
            engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
        const engineAddr = `127.0.0.1:${enginePort}`;

        // 2. the pack, as the CLI's pulumi-analyzer-policy shim starts it
        pack = spawn(process.execPath, [RUN_POLICY_PACK, engineAddr, "."], {
            cwd: PACK_DIR,
            env: { ...process.env, PULUMI_NODEJS_ENGINE: engineAddr, PULUMI_NODEJS_PROJECT: "shop", PULUMI_NODEJS_STACK: "test", PULUMI_NODEJS_DRY_RUN: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        pack.stderr!.on("data", (d) => { stderr += String(d); });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`the policy pack did not print its port; stderr:\n${stderr}`)), 200000);
            pack.stdout!.on("data", (d) => {
                out += String(d);
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) { clearTimeout(timer); resolve(Number(m[1])); }
            });
            pack.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the policy pack exited (${code}):\n${stderr}`)); });
        });
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(async () => {
        client?.close();
        if (pack && pack.exitCode === null) {
            const exited = new Promise((r) => pack.once("exit", r));
            pack.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
            if (pack.exitCode === null) pack.kill("SIGKILL");
        }
        await new Promise<void>((r) => (engine ? engine.tryShutdown(() => r()) : r()));
    });

    let info: analyzerpb.AnalyzerInfo;

    it("GetAnalyzerInfo describes the pack and its 13 policies", async () => {
        const Empty = (analyzerGrpc.AnalyzerService.getAnalyzerInfo as unknown as { requestType: new () => unknown }).requestType;
        info = await rpc<unknown, analyzerpb.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
        assert.strictEqual(info.getName(), "ecs-deployment-safety");
        assert.strictEqual(info.getVersion(), "0.1.0");
        assert.strictEqual(info.getSupportsconfig(), true);
        const policies = info.getPoliciesList();
        assert.strictEqual(policies.length, 13);
        const byName = new Map(policies.map((p) => [p.getName(), p] as const));
        assert.strictEqual(LEVEL_NAMES[byName.get("ecs-service-requires-rollback")!.getEnforcementlevel()], "mandatory");
        assert.strictEqual(LEVEL_NAMES[byName.get("ecs-health-check-grace-period")!.getEnforcementlevel()], "advisory");
        const schema = (byName.get("codedeploy-termination-wait")!.getConfigschema()!.getProperties() as unknown as { toJavaScript(): Record<string, { default?: unknown }> }).toJavaScript();
        assert.strictEqual(schema.minimumTerminationWaitMinutes.default, 5);
        assert.strictEqual(byName.get("deployment-failures-notify")!.getPolicyType(), analyzerpb.PolicyType.POLICY_TYPE_STACK);
    });

    it("Configure and ConfigureStack accept the reconciled prod config", async () => {
        const metas = info.getPoliciesList().map((p) => ({
            name: p.getName(),
            enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()] as "advisory",
            configSchema: { properties: (p.getConfigschema()?.getProperties() as unknown as { toJavaScript(): Record<string, unknown> } | undefined)?.toJavaScript() ?? {} },
        }));
        const { config, errors } = reconcilePolicyConfig(metas, loadPolicyPackConfig(path.join(PACK_DIR, "config", "prod.json")));
        assert.deepStrictEqual(errors, []);
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        for (const [name, c] of Object.entries(config)) {
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_VALUES[c.enforcementLevel] as analyzerpb.EnforcementLevel);
            pc.setProperties(toStruct(c.properties) as never);
            req.getPolicyconfigMap().set(name, pc);
        }
        await rpc(client, "configure", req);
        const stackReq = new analyzerpb.AnalyzerStackConfigureRequest();
        stackReq.setStack("test");
        stackReq.setProject("shop");
        stackReq.setDryRun(false);
        stackReq.getTagsMap().set("env", "prod");
        await rpc(client, "configureStack", stackReq);
    });

    async function analyzeAll(stack: RegisteredResource[], preview: boolean): Promise<Diag[]> {
        const out: Diag[] = [];
        for (const r of stack) {
            const resp = await rpc<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>(client, "analyze", buildAnalyzeRequest(r, r.inputs, stack));
            out.push(...diags(resp, r.urn));
        }
        const resp = await rpc<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(client, "analyzeStack", buildAnalyzeStackRequest(stack, preview));
        out.push(...diags(resp));
        return out;
    }

    it("a compliant stack gets no mandatory diagnostic (up and preview)", async () => {
        const up = await analyzeAll(compliantStack().build(false), false);
        assert.deepStrictEqual(up.filter((d) => d.level === "mandatory"), []);
        const preview = await analyzeAll(compliantStack().build(true), true);
        assert.deepStrictEqual(preview.filter((d) => d.level === "mandatory"), []);
        assert.ok(preview.some((d) => d.level === "advisory" && /undecided during preview/.test(d.message)), "preview leaves notes for what it cannot decide");
        assert.ok(preview.every((d) => !/can't run policy/.test(d.message)), "no policy fell back to the SDK's unknown-value error");
    });

    it("a non-compliant stack gets mandatory diagnostics on the right resources", async () => {
        let stack = compliantStack().build(false);
        stack = mutate(stack, "web", (i) => { delete i.deploymentCircuitBreaker; });
        stack = mutate(stack, "web-tg", (i) => { i.healthCheck = { enabled: false }; });
        stack = mutate(stack, "alerts", (i) => { i.kmsMasterKeyId = "alias/aws/sns"; });
        stack = mutate(stack, "alb-test-ingress", (i) => { i.cidrIpv4 = "0.0.0.0/0"; });
        stack = without(stack, "api-dg");
        const d = await analyzeAll(stack, false);
        const got = d.filter((x) => x.level === "mandatory").map((x) => `${x.policy} ${x.urn.slice(x.urn.lastIndexOf("::") + 2)}`).sort();
        assert.deepStrictEqual(got, [
            "deployment-failures-notify api",
            "ecs-service-requires-rollback api",
            "ecs-service-requires-rollback web",
            "sns-eventbridge-topic-kms alerts",
            "target-group-health-check-path web-tg",
            "test-listener-not-public test", // mandatory in prod.json
        ]);
        const rollback = d.find((x) => x.policy === "ecs-service-requires-rollback" && x.urn.endsWith("::web"))!;
        assert.match(rollback.message, /deploymentCircuitBreaker: \{ enable: true, rollback: true \}/);
    });

    it("the pack logged no error through the engine", () => {
        assert.deepStrictEqual(engineLogs.filter((l) => l.severity >= 3), []);
        assert.ok(!/Error/.test(stderr), stderr);
    });
});
