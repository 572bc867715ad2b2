/**
 * The policy pack through the real analyzer protocol, started as the Pulumi CLI starts a Node.js
 * policy pack: `node @pulumi/pulumi/cmd/run-policy-pack <engine-address> .` with the pack directory
 * as working directory, loading the compiled pack its package.json names. The test plays the engine
 * (offline/analyzerHost.ts): a fake Engine gRPC server (logging), then GetAnalyzerInfo, Configure (the
 * reconciled policy config, like `--policy-pack-config`), ConfigureStack, Analyze per resource and
 * AnalyzeStack, with the @pulumi/pulumi protobuf stubs.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import {
    analyzerRpc as rpc, configurePack, ensurePackBuilt, getAnalyzerInfo, LEVEL_NAMES, PACK_DIR, packMain, startPolicyPack, type PolicyPackProcess,
} from "../../offline/analyzerHost";
import { buildAnalyzeRequest, buildAnalyzeStackRequest } from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { compliantStack, mutate, without } from "./fixtures";

interface Diag { policy: string; level: string; message: string; urn: string }
function diags(resp: analyzerpb.AnalyzeResponse, urn = ""): Diag[] {
    return resp.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn() || urn,
    }));
}

describe("policy pack over the analyzer gRPC protocol (run-policy-pack)", function () {
    this.timeout(240000);
    let pack: PolicyPackProcess;
    let client: analyzerGrpc.AnalyzerClient;

    before(async () => {
        await ensurePackBuilt();
        pack = await startPolicyPack({ project: "shop", stack: "test" });
        client = pack.client;
    });

    after(async () => {
        await pack?.stop();
    });

    it("runs the compiled pack: the package's main is JavaScript (no ts-node type check on every preview)", () => {
        assert.match(path.relative(PACK_DIR, packMain()), /^bin[\\/]index\.js$/);
    });

    let info: analyzerpb.AnalyzerInfo;

    it("GetAnalyzerInfo describes the pack and its 16 policies", async () => {
        info = await getAnalyzerInfo(client);
        assert.strictEqual(info.getName(), "ecs-deployment-safety");
        assert.strictEqual(info.getVersion(), (JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { version: string }).version);
        assert.strictEqual(info.getSupportsconfig(), true);
        const policies = info.getPoliciesList();
        assert.strictEqual(policies.length, 16);
        const byName = new Map(policies.map((p) => [p.getName(), p] as const));
        assert.strictEqual(LEVEL_NAMES[byName.get("ecs-service-requires-rollback")!.getEnforcementlevel()], "mandatory");
        assert.strictEqual(LEVEL_NAMES[byName.get("ecs-health-check-grace-period")!.getEnforcementlevel()], "advisory");
        const schema = (byName.get("codedeploy-termination-wait")!.getConfigschema()!.getProperties() as unknown as { toJavaScript(): Record<string, { default?: unknown }> }).toJavaScript();
        assert.strictEqual(schema.minimumTerminationWaitMinutes.default, 5);
        assert.strictEqual(byName.get("deployment-failures-notify")!.getPolicyType(), analyzerpb.PolicyType.POLICY_TYPE_STACK);
    });

    it("Configure and ConfigureStack accept the reconciled prod config", async () => {
        await configurePack(client, info, { configFile: path.join(PACK_DIR, "config", "prod.json"), project: "shop", tags: { env: "prod" } });
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
        assert.deepStrictEqual(pack.engineLogs.filter((l) => l.severity >= 3), []);
        assert.ok(!/Error/.test(pack.stderr()), pack.stderr());
    });
});
