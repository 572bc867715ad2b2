import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import {
    checkCircuitBreakerController, checkServiceRollback, circuitBreakerRequiresEcsController, ecsServiceRequiresRollback,
    remediateServiceRollback,
} from "../../policies/rules/rollback";
import { compliantStack, mutate, single, U, urnOf, without } from "./fixtures";
import { messages, validateResource, validateStack } from "./helpers";

const SVC = "aws:ecs/service:Service";
const ctx = (config: Record<string, unknown> = {}) => ({ urn: urnOf(SVC, "svc"), name: "svc", type: SVC, config });
const forPolicy = (name: string) => <T extends { policyName: string }>(v: T) => v.policyName === name;
const P = "ecs-service-requires-rollback";

describe("ecs-service-requires-rollback", () => {
    describe("ECS controller (pure function)", () => {
        it("accepts a circuit breaker with enable and rollback", () => {
            assert.deepStrictEqual(checkServiceRollback({ deploymentCircuitBreaker: { enable: true, rollback: true } }, ctx()), []);
            assert.deepStrictEqual(checkServiceRollback({ deploymentController: { type: "ECS" }, deploymentCircuitBreaker: { enable: true, rollback: true } }, ctx()), []);
        });
        it("rejects a service without circuit breaker (controller omitted means ECS)", () => {
            const f = checkServiceRollback({ name: "svc" }, ctx());
            assert.strictEqual(f.length, 1);
            assert.ok(!f[0].undecided);
            assert.match(f[0].message, /no deployment circuit breaker/);
            assert.match(f[0].message, /rollback: true/);
        });
        it("does not count alarm rollback alone", () => {
            const f = checkServiceRollback({ alarms: { alarmNames: ["a"], enable: true, rollback: true } }, ctx());
            assert.strictEqual(f.length, 1);
            assert.match(f[0].message, /cannot catch tasks that never start/);
        });
        it("rejects rollback false / missing and enable false", () => {
            assert.match(checkServiceRollback({ deploymentCircuitBreaker: { enable: true, rollback: false } }, ctx())[0].message, /does not roll it back/);
            assert.match(checkServiceRollback({ deploymentCircuitBreaker: { enable: true } }, ctx())[0].message, /rollback is not set/);
            assert.match(checkServiceRollback({ deploymentCircuitBreaker: { enable: false, rollback: true } }, ctx())[0].message, /disabled/);
        });
        it("rejects EXTERNAL and unrecognised controllers", () => {
            assert.match(checkServiceRollback({ deploymentController: { type: "EXTERNAL" } }, ctx())[0].message, /EXTERNAL/);
            assert.match(checkServiceRollback({ deploymentController: { type: "MAGIC" } }, ctx())[0].message, /unrecognised/);
        });
        it("leaves CODE_DEPLOY to the stack part", () => {
            assert.deepStrictEqual(checkServiceRollback({ deploymentController: { type: "CODE_DEPLOY" } }, ctx()), []);
        });
        it("is undecided (never a violation) on unknown values", () => {
            for (const props of [
                { deploymentController: U },
                { deploymentController: { type: U } },
                { deploymentCircuitBreaker: U },
                { deploymentCircuitBreaker: { enable: U, rollback: true } },
                { deploymentCircuitBreaker: { enable: true, rollback: U } },
            ]) {
                const f = checkServiceRollback(props, ctx());
                assert.strictEqual(f.length, 1, JSON.stringify(props));
                assert.strictEqual(f[0].undecided, true, JSON.stringify(props));
            }
        });
        it("rejects a circuit breaker whose enable is not set, whatever the unknown rollback holds", () => {
            const f = checkServiceRollback({ deploymentCircuitBreaker: { rollback: U } }, ctx());
            assert.strictEqual(f.length, 1);
            assert.ok(!f[0].undecided);
            assert.match(f[0].message, /enable is not set/);
        });
        it("still decides what is known next to an unknown", () => {
            const f = checkServiceRollback({ deploymentCircuitBreaker: { enable: U, rollback: false } }, ctx());
            assert.strictEqual(f.length, 1);
            assert.ok(!f[0].undecided);
        });
    });

    describe("through the SDK (props in the unknown-checking proxy)", () => {
        it("reports a violation, and only a note for unknowns (where the SDK alone would throw)", async () => {
            const bad = await validateResource(ecsServiceRequiresRollback, single(SVC, "svc", { name: "svc" }));
            assert.strictEqual(bad.violations.length, 1);
            const unknown = await validateResource(ecsServiceRequiresRollback, single(SVC, "svc", { deploymentCircuitBreaker: U }));
            assert.strictEqual(unknown.violations.length, 0);
            assert.strictEqual(unknown.notes.length, 1);
            assert.strictEqual(unknown.notes[0].enforcementLevel, "advisory");
            const quiet = await validateResource(ecsServiceRequiresRollback, single(SVC, "svc", { deploymentCircuitBreaker: U }), { config: { reportUndecided: false } });
            assert.strictEqual(quiet.notes.length + quiet.violations.length, 0);
        });
        it("ignores other types and exempt resources", async () => {
            assert.strictEqual((await validateResource(ecsServiceRequiresRollback, single("aws:ecs/taskDefinition:TaskDefinition", "td", {}))).violations.length, 0);
            const ext = single(SVC, "legacy-worker", { deploymentController: { type: "EXTERNAL" } });
            assert.strictEqual((await validateResource(ecsServiceRequiresRollback, ext)).violations.length, 1);
            assert.strictEqual((await validateResource(ecsServiceRequiresRollback, ext, { config: { exemptResources: ["legacy-*"] } })).violations.length, 0);
            assert.strictEqual((await validateResource(ecsServiceRequiresRollback, ext, { config: { exemptResources: ["urn:pulumi:test::shop::*::legacy-worker"] } })).violations.length, 0);
            assert.strictEqual((await validateResource(ecsServiceRequiresRollback, ext, { config: { exemptResources: ["other-*"] } })).violations.length, 1);
        });
    });

    describe("remediation", () => {
        it("sets rollback: true on an enabled circuit breaker only", () => {
            const fixed = remediateServiceRollback({ name: "svc", deploymentCircuitBreaker: { enable: true, rollback: false } }, ctx());
            assert.deepStrictEqual(fixed, { name: "svc", deploymentCircuitBreaker: { enable: true, rollback: true } });
            assert.strictEqual(remediateServiceRollback({ deploymentCircuitBreaker: { enable: false, rollback: false } }, ctx()), undefined);
            assert.strictEqual(remediateServiceRollback({}, ctx()), undefined);
            assert.strictEqual(remediateServiceRollback({ deploymentCircuitBreaker: { enable: true, rollback: true } }, ctx()), undefined);
            assert.strictEqual(remediateServiceRollback({ deploymentController: { type: "CODE_DEPLOY" }, deploymentCircuitBreaker: { enable: true } }, ctx()), undefined);
            assert.strictEqual(remediateServiceRollback({ deploymentCircuitBreaker: { enable: true, rollback: U } }, ctx()), undefined);
        });
        it("is applied by the SDK only when the level is remediate", async () => {
            const stack = mutate(compliantStack().build(false), "web", (i) => { i.deploymentCircuitBreaker = { enable: true, rollback: false }; });
            const mandatory = await runPolicyPack(stack);
            assert.strictEqual(mandatory.remediations.length, 0);
            assert.strictEqual(mandatory.violations.filter(forPolicy(P)).length, 1);
            const remediate = await runPolicyPack(stack, { config: { [P]: "remediate" } });
            assert.strictEqual(remediate.violations.filter(forPolicy(P)).length, 0);
            assert.strictEqual(remediate.remediations.length, 1);
            assert.strictEqual(remediate.remediations[0].policyName, P);
            assert.deepStrictEqual(remediate.remediations[0].properties?.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.strictEqual(remediate.remediations[0].properties?.name, "web", "other inputs are kept");
        });
        it("keeps unknowns while remediating during preview", async () => {
            const stack = mutate(compliantStack().build(true), "web", (i) => { i.deploymentCircuitBreaker = { enable: true, rollback: false }; });
            const res = await runPolicyPack(stack, { preview: true, config: { [P]: "remediate" } });
            assert.strictEqual(res.remediations.length, 1);
            assert.strictEqual(res.remediations[0].properties?.cluster, U);
            assert.strictEqual(res.mandatoryCount, 0);
        });
    });

    describe("CODE_DEPLOY services (stack part)", () => {
        it("passes the compliant stack, during up and preview", async () => {
            for (const preview of [false, true]) {
                const res = await runPolicyPack(compliantStack().build(preview), { preview });
                assert.deepStrictEqual(res.violations.filter(forPolicy(P)), [], `preview=${preview}`);
            }
        });
        it("rejects a CODE_DEPLOY service without a deployment group", async () => {
            const res = await runPolicyPack(without(compliantStack().build(false), "api-dg"));
            const v = res.violations.filter(forPolicy(P));
            assert.strictEqual(v.length, 1);
            assert.strictEqual(v[0].resourceName, "api");
            assert.strictEqual(v[0].enforcementLevel, "mandatory");
            assert.strictEqual(v[0].phase, "stack");
            assert.match(v[0].message, /no CodeDeploy deployment group/);
        });
        it("rejects a deployment group without auto-rollback on DEPLOYMENT_FAILURE, matched by URN during preview", async () => {
            for (const preview of [false, true]) {
                const stack = mutate(compliantStack().build(preview), "api-dg", (i) => { i.autoRollbackConfiguration = { enabled: true, events: ["DEPLOYMENT_STOP_ON_ALARM"] }; });
                if (preview) {
                    const dg = stack.find((r) => r.name === "api-dg")!;
                    assert.strictEqual(dg.inputs.ecsService.serviceName, U, "fixture: the service name is unknown in preview");
                }
                const v = (await runPolicyPack(stack, { preview })).violations.filter(forPolicy(P));
                assert.strictEqual(v.length, 1, `preview=${preview}`);
                assert.match(v[0].message, /does not roll back automatically on failure/);
            }
        });
        it("matches by cluster and service name when there are no dependencies", async () => {
            const stack = compliantStack().build(false).map((r) => (r.name === "api-dg" ? { ...r, dependencies: [], propertyDependencies: {} } : r));
            assert.deepStrictEqual((await runPolicyPack(stack)).violations.filter(forPolicy(P)), []);
            const wrongCluster = mutate(stack, "api-dg", (i) => { i.ecsService.clusterName = "other"; });
            assert.strictEqual((await runPolicyPack(wrongCluster)).violations.filter(forPolicy(P)).length, 1);
        });
        it("is undecided when a group's service name is unknown and nothing links it", async () => {
            const stack = compliantStack().build(true).map((r) => (r.name === "api-dg" ? { ...r, dependencies: [], propertyDependencies: {} } : r));
            const res = await validateStack(ecsServiceRequiresRollback, stack, { preview: true });
            assert.strictEqual(res.violations.length, 0);
            assert.strictEqual(res.notes.length, 1);
            assert.match(res.notes[0].message, /ecsService is unknown/);
        });
        it("reports on the service URN and honours exemptions", async () => {
            const stack = without(compliantStack().build(false), "api-dg");
            const rep = await validateStack(ecsServiceRequiresRollback, stack);
            assert.strictEqual(rep.violations[0].urn, urnOf(SVC, "api"));
            assert.strictEqual((await validateStack(ecsServiceRequiresRollback, stack, { config: { exemptResources: ["api"] } })).violations.length, 0);
        });
    });
});

describe("circuit-breaker-requires-ecs-controller", () => {
    it("refuses a circuit breaker on CODE_DEPLOY and EXTERNAL", () => {
        for (const type of ["CODE_DEPLOY", "EXTERNAL"]) {
            const f = checkCircuitBreakerController({ deploymentController: { type }, deploymentCircuitBreaker: { enable: true, rollback: true } }, ctx());
            assert.strictEqual(f.length, 1);
            assert.match(f[0].message, new RegExp(type));
        }
    });
    it("accepts ECS, disabled breakers and no breaker", () => {
        assert.deepStrictEqual(checkCircuitBreakerController({ deploymentCircuitBreaker: { enable: true, rollback: true } }, ctx()), []);
        assert.deepStrictEqual(checkCircuitBreakerController({ deploymentController: { type: "CODE_DEPLOY" }, deploymentCircuitBreaker: { enable: false, rollback: false } }, ctx()), []);
        assert.deepStrictEqual(checkCircuitBreakerController({ deploymentController: { type: "CODE_DEPLOY" } }, ctx()), []);
    });
    it("is undecided on unknowns", () => {
        const f = checkCircuitBreakerController({ deploymentController: U, deploymentCircuitBreaker: { enable: true, rollback: true } }, ctx());
        assert.deepStrictEqual(f.map((x) => x.undecided), [true]);
    });
    it("runs through the SDK on the CODE_DEPLOY service of a stack", async () => {
        const stack = mutate(compliantStack().build(false), "api", (i) => { i.deploymentCircuitBreaker = { enable: true, rollback: true }; });
        const res = await runPolicyPack(stack);
        const v = res.violations.filter(forPolicy("circuit-breaker-requires-ecs-controller"));
        assert.strictEqual(v.length, 1);
        assert.strictEqual(v[0].resourceName, "api");
        const rep = await validateResource(circuitBreakerRequiresEcsController, stack.find((r) => r.name === "api")!);
        assert.match(messages(rep), /false sense of safety|does nothing/);
    });
});
