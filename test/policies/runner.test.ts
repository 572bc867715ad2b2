import * as assert from "assert";
import * as path from "path";
import type { Policies, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
    loadPolicyPackConfig, packPolicies, PolicyConfigError, reconcilePolicyConfig, runPolicyPack, typeFromUrn,
} from "../../offline/policyRunner";
import { compliantStack, mutate, single, U, without } from "./fixtures";

const CONFIG_DIR = path.join(__dirname, "..", "..", "policies", "config");
const badStack = () => mutate(without(compliantStack().build(false), "api-dg"), "web", (i) => { delete i.deploymentCircuitBreaker; });

describe("offline/policyRunner", () => {
    it("lists the 16 policies with descriptions and effective levels", async () => {
        const res = await runPolicyPack([]);
        assert.strictEqual(res.packName, "ecs-deployment-safety");
        assert.strictEqual(res.policies.length, 16);
        const level = (n: string) => res.policies.find((p) => p.name === n)?.enforcementLevel;
        for (const n of ["ecs-service-requires-rollback", "codedeploy-requires-alarms", "target-group-health-check-path", "circuit-breaker-requires-ecs-controller",
            "deployment-failures-notify", "sns-topic-policy-not-public", "sns-eventbridge-topic-kms", "ecs-service-without-load-balancer-health-check"]) assert.strictEqual(level(n), "mandatory", n);
        for (const n of ["ecs-health-check-grace-period", "ecs-rolling-alarm-rollback", "ecs-blue-green-bake-time", "target-group-dedicated-health-path",
            "codedeploy-termination-wait", "test-listener-not-public", "ecs-task-definition-no-plaintext-secrets", "rollback-detection-budget"]) assert.strictEqual(level(n), "advisory", n);
        assert.ok(res.policies.every((p) => p.description.length > 40));
        assert.deepStrictEqual(res.policies.find((p) => p.name === "ecs-service-requires-rollback")?.kinds, ["resource", "stack"]);
        assert.strictEqual(res.policies.find((p) => p.name === "codedeploy-termination-wait")?.config.minimumTerminationWaitMinutes, 5);
    });

    it("hands the SDK decoded properties with the same verdicts as protobuf-encoded ones (up and preview)", async () => {
        const config = loadPolicyPackConfig(path.join(CONFIG_DIR, "prod.json"));
        for (const preview of [false, true]) {
            for (const stack of [compliantStack().build(preview), badStack()]) {
                const decoded = await runPolicyPack(stack, { config, preview });
                const encoded = await runPolicyPack(stack, { config, preview, encoding: "protobuf" });
                assert.deepStrictEqual(decoded.violations, encoded.violations);
                assert.deepStrictEqual(decoded.notApplicable, encoded.notApplicable);
            }
        }
        assert.ok((await runPolicyPack(badStack(), { config, encoding: "protobuf" })).mandatoryCount > 0, "the comparison includes violations");
    });

    it("counts mandatory violations and names the resources", async () => {
        const res = await runPolicyPack(badStack());
        assert.strictEqual(res.mandatoryCount, res.violations.filter((v) => v.enforcementLevel === "mandatory").length);
        const v = res.violations.filter((x) => x.policyName === "ecs-service-requires-rollback");
        assert.deepStrictEqual(v.map((x) => [x.resourceName, x.resourceType, x.phase]).sort(), [
            ["api", "aws:ecs/service:Service", "stack"], ["web", "aws:ecs/service:Service", "resource"],
        ]);
        assert.ok(v.every((x) => x.message.startsWith("Every ECS service must have an automatic way back")), "description + newline + finding, like the CLI");
    });

    describe("config", () => {
        it("loads and validates policies/config/dev.json and prod.json", async () => {
            for (const stack of ["dev", "prod"]) {
                const config = loadPolicyPackConfig(path.join(CONFIG_DIR, `${stack}.json`));
                const { errors } = reconcilePolicyConfig(packPolicies(), config);
                assert.deepStrictEqual(errors, [], stack);
                const res = await runPolicyPack(compliantStack().build(false), { config });
                assert.strictEqual(res.mandatoryCount, 0, stack);
            }
            const prod = await runPolicyPack([], { config: loadPolicyPackConfig(path.join(CONFIG_DIR, "prod.json")) });
            assert.strictEqual(prod.policies.find((p) => p.name === "test-listener-not-public")?.enforcementLevel, "mandatory");
            assert.strictEqual(prod.policies.find((p) => p.name === "codedeploy-termination-wait")?.config.minimumTerminationWaitMinutes, 15);
        });
        it("honours `all`, then per-policy levels, and `disabled`", async () => {
            const count = async (config: Record<string, unknown>) => {
                const res = await runPolicyPack(badStack(), { config });
                return { mandatory: res.mandatoryCount, total: res.violations.length, names: [...new Set(res.violations.map((v) => v.policyName))].sort() };
            };
            const base = await count({});
            assert.ok(base.mandatory >= 3);
            assert.deepStrictEqual(await count({ all: "disabled" }), { mandatory: 0, total: 0, names: [] });
            const advisory = await count({ all: { enforcementLevel: "advisory" } });
            assert.strictEqual(advisory.mandatory, 0);
            assert.strictEqual(advisory.total, base.total);
            const onlyNotify = await count({ all: "disabled", "deployment-failures-notify": "mandatory" });
            assert.deepStrictEqual(onlyNotify.names, ["deployment-failures-notify"]);
            const noRollback = await count({ "ecs-service-requires-rollback": "disabled" });
            assert.ok(!noRollback.names.includes("ecs-service-requires-rollback"));
        });
        it("rejects invalid configs like the CLI", async () => {
            for (const config of [
                { "ecs-service-requires-rollback": "blocking" },
                { "codedeploy-termination-wait": { minimumTerminationWaitMinutes: "ten" } },
                { "codedeploy-termination-wait": { minimumTerminationWaitMinutes: -1 } },
                { "ecs-service-requires-rollback": { exemptResources: "svc" } },
                { "no-such-policy": "mandatory" },
                { "ecs-service-requires-rollback": 3 },
            ]) {
                await assert.rejects(runPolicyPack([], { config }), PolicyConfigError, JSON.stringify(config));
            }
        });
        it("applies exemptions from the config", async () => {
            const ext = [single("aws:ecs/service:Service", "legacy-batch", { deploymentController: { type: "EXTERNAL" } })];
            const find = (r: Awaited<ReturnType<typeof runPolicyPack>>) => r.violations.filter((v) => v.policyName === "ecs-service-requires-rollback");
            assert.strictEqual(find(await runPolicyPack(ext)).length, 1);
            assert.strictEqual(find(await runPolicyPack(ext, { config: { "ecs-service-requires-rollback": { exemptResources: ["legacy-*"] } } })).length, 0);
        });
    });

    describe("hands resources over like the engine and the SDK server", () => {
        const seen: Record<string, unknown>[] = [];
        const probe: Policies = [{
            name: "probe-resource",
            description: "records what the SDK hands over",
            enforcementLevel: "advisory",
            configSchema: { properties: { x: { type: "integer", default: 1 } } },
            validateResource: (args: ResourceValidationArgs, report) => {
                seen.push({ phase: "resource", urn: args.urn, name: args.name, type: args.type, env: args.stackTags.get("env"), config: args.getConfig(),
                    provider: args.provider?.type, parent: args.opts.parent, protect: args.opts.protect });
                if (args.name === "na") args.notApplicable("not for this one");
                if (args.name === "reads-unknown") report(String((args.props as { a: { b: string } }).a.b));
            },
        }, {
            name: "probe-stack",
            description: "records the stack",
            enforcementLevel: "mandatory",
            validateStack: (args: StackValidationArgs, report) => {
                for (const r of args.resources) {
                    seen.push({ phase: "stack", name: r.name, hasArn: "arn" in (r.props as object), deps: r.dependencies.map((d) => d.name),
                        pdeps: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map((d) => d.name)])), parent: r.parent?.name });
                }
                if (args.resources.length > 100) report("too many");
            },
        }];

        beforeEach(() => { seen.length = 0; });

        it("passes props, options, provider, parent, stack tags and config", async () => {
            const parent = single("my:component:Thing", "parent", {});
            const prov = single("pulumi:providers:aws", "prov", { region: "eu-west-1" });
            const child = { ...single("aws:sns/topic:Topic", "child", { name: "t" }, { name: "t", arn: "arn:aws:sns:x" }), parent: parent.urn, provider: `${prov.urn}::id-1`,
                dependencies: [parent.urn], propertyDependencies: { name: [parent.urn] } };
            const res = await runPolicyPack([parent, prov, child], { policies: probe, stackTags: { env: "staging" }, config: { "probe-resource": { x: 7 } } });
            assert.strictEqual(res.violations.length, 0);
            const c = seen.find((s) => s.phase === "resource" && s.name === "child")!;
            assert.deepStrictEqual(c, { phase: "resource", urn: child.urn, name: "child", type: "aws:sns/topic:Topic", env: "staging", config: { x: 7 },
                provider: "pulumi:providers:aws", parent: parent.urn, protect: false });
            const cs = seen.find((s) => s.phase === "stack" && s.name === "child")!;
            assert.deepStrictEqual(cs, { phase: "stack", name: "child", hasArn: true, deps: ["parent"], pdeps: { name: ["parent"] }, parent: "parent" });
        });
        it("gives stack policies inputs during preview and outputs during up", async () => {
            const r = single("aws:sns/topic:Topic", "t", { name: "t" }, { name: "t", arn: "arn:aws:sns:x" });
            await runPolicyPack([r], { policies: probe, preview: true });
            assert.strictEqual(seen.find((s) => s.phase === "stack")?.hasArn, false);
            seen.length = 0;
            await runPolicyPack([r], { policies: probe });
            assert.strictEqual(seen.find((s) => s.phase === "stack")?.hasArn, true);
        });
        it("keeps the SDK's own handling: unknown reads become advisory, notApplicable is recorded", async () => {
            const res = await runPolicyPack([
                single("aws:sns/topic:Topic", "reads-unknown", { a: { b: U } }),
                single("aws:sns/topic:Topic", "na", {}),
            ], { policies: probe, preview: true, config: { "probe-resource": "mandatory" } });
            assert.strictEqual(res.violations.length, 1);
            assert.strictEqual(res.violations[0].enforcementLevel, "advisory");
            assert.match(res.violations[0].message, /can't run policy 'probe-resource' .* during preview/);
            assert.deepStrictEqual(res.notApplicable.map((n) => [n.policyName, n.reason]), [["probe-resource", "not for this one"]]);
        });
        it("fails the run when a policy throws (as the engine fails the preview)", async () => {
            const throwing: Policies = [{ name: "bad", description: "d", enforcementLevel: "mandatory", validateResource: () => { throw new Error("kaboom"); } }];
            await assert.rejects(runPolicyPack([single("aws:sns/topic:Topic", "t", {})], { policies: throwing }), /kaboom/);
        });
        it("parses types from URNs", () => {
            assert.strictEqual(typeFromUrn("urn:pulumi:s::p::my:comp:C$aws:ecs/service:Service::web"), "aws:ecs/service:Service");
            assert.strictEqual(typeFromUrn("nonsense"), "");
        });
    });
});
