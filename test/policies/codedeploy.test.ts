import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import { checkDeploymentGroupAlarms, checkTerminationWait, codedeployRequiresAlarms, codedeployTerminationWait } from "../../policies/rules/codedeploy";
import { compliantStack, mutate, single, U, urnOf } from "./fixtures";
import { validateResource, validateStack } from "./helpers";

const DG = "aws:codedeploy/deploymentGroup:DeploymentGroup";
const ctx = (config: Record<string, unknown> = {}) => ({ urn: urnOf(DG, "dg"), name: "dg", type: DG, config });
const good = {
    appName: "app", deploymentGroupName: "dg",
    ecsService: { clusterName: "main", serviceName: "api" },
    alarmConfiguration: { enabled: true, alarms: ["api-5xx"] },
    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
    blueGreenDeploymentConfig: { terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 10 } },
};
const P = "codedeploy-requires-alarms";

describe("codedeploy-requires-alarms", () => {
    it("accepts alarms and alarm rollback", () => {
        assert.deepStrictEqual(checkDeploymentGroupAlarms(good, ctx()), []);
    });
    it("rejects missing, disabled or empty alarm configuration", () => {
        assert.match(checkDeploymentGroupAlarms({ ...good, alarmConfiguration: undefined }, ctx())[0].message, /no alarmConfiguration/);
        assert.match(checkDeploymentGroupAlarms({ ...good, alarmConfiguration: { enabled: false, alarms: ["a"] } }, ctx())[0].message, /not enabled/);
        assert.match(checkDeploymentGroupAlarms({ ...good, alarmConfiguration: { enabled: true, alarms: [] } }, ctx())[0].message, /lists no alarms/);
    });
    it("reports one finding per group listing everything missing", () => {
        const f = checkDeploymentGroupAlarms({ ...good, alarmConfiguration: undefined, autoRollbackConfiguration: undefined }, ctx());
        assert.strictEqual(f.length, 1);
        assert.ok(!f[0].undecided);
        assert.match(f[0].message, /no alarmConfiguration/);
        assert.match(f[0].message, /does not roll back when an alarm stops the deployment/);
        assert.match(f[0].message, /alarmConfiguration: \{ enabled: true, alarms: \[<alarm names>\] \}/);
        assert.match(f[0].message, /DEPLOYMENT_STOP_ON_ALARM"\] \}/);
        const all = checkDeploymentGroupAlarms({ ...good, alarmConfiguration: { enabled: false, alarms: [] }, autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] } }, ctx());
        assert.strictEqual(all.length, 1);
        for (const re of [/not enabled/, /lists no alarms/, /DEPLOYMENT_STOP_ON_ALARM/]) assert.match(all[0].message, re);
        // a known gap decides; what is unknown next to it is named in the same finding
        const mixed = checkDeploymentGroupAlarms({ ...good, alarmConfiguration: undefined, autoRollbackConfiguration: U }, ctx());
        assert.strictEqual(mixed.length, 1);
        assert.ok(!mixed[0].undecided);
        assert.match(mixed[0].message, /Not known yet: autoRollbackConfiguration/);
    });
    it("rejects auto-rollback without DEPLOYMENT_STOP_ON_ALARM or disabled", () => {
        assert.match(checkDeploymentGroupAlarms({ ...good, autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] } }, ctx())[0].message, /DEPLOYMENT_STOP_ON_ALARM/);
        assert.strictEqual(checkDeploymentGroupAlarms({ ...good, autoRollbackConfiguration: { enabled: false, events: ["DEPLOYMENT_STOP_ON_ALARM"] } }, ctx()).length, 1);
        assert.strictEqual(checkDeploymentGroupAlarms({ ...good, autoRollbackConfiguration: undefined }, ctx()).length, 1);
    });
    it("ignores non-ECS groups in the resource part", () => {
        assert.deepStrictEqual(checkDeploymentGroupAlarms({ appName: "server-app", deploymentGroupName: "x" }, ctx()), []);
    });
    it("is undecided on unknowns, also when ecsService itself is unknown", () => {
        for (const props of [
            { ...good, alarmConfiguration: U },
            { ...good, alarmConfiguration: { enabled: U, alarms: ["a"] } },
            { ...good, alarmConfiguration: { enabled: true, alarms: U } },
            { ...good, autoRollbackConfiguration: { enabled: true, events: U } },
            { ...good, ecsService: U, autoRollbackConfiguration: U },
        ]) {
            const f = checkDeploymentGroupAlarms(props, ctx());
            assert.ok(f.length > 0 && f.every((x) => x.undecided), JSON.stringify(props));
        }
        // an unknown alarm name is still an alarm
        assert.deepStrictEqual(checkDeploymentGroupAlarms({ ...good, alarmConfiguration: { enabled: true, alarms: [U] } }, ctx()), []);
    });
    it("only leaves notes while ecsService is unknown: the group may not deploy to ECS", () => {
        const f = checkDeploymentGroupAlarms({ deploymentGroupName: "dg", ecsService: U }, ctx());
        assert.strictEqual(f.length, 1);
        assert.ok(f.every((x) => x.undecided), JSON.stringify(f));
        assert.match(f[0].message, /no alarmConfiguration.*does not roll back when an alarm stops/);
        assert.match(f[0].message, /Only if the group deploys to ECS/);
    });
    it("reads booleans spelled as strings alike for both settings", () => {
        const spelled = { ...good, alarmConfiguration: { enabled: "TRUE", alarms: ["a"] }, autoRollbackConfiguration: { enabled: " true ", events: ["DEPLOYMENT_STOP_ON_ALARM"] } };
        assert.deepStrictEqual(checkDeploymentGroupAlarms(spelled, ctx()), []);
        const off = { ...good, alarmConfiguration: { enabled: "False", alarms: ["a"] }, autoRollbackConfiguration: { enabled: "yes", events: ["DEPLOYMENT_STOP_ON_ALARM"] } };
        const offFindings = checkDeploymentGroupAlarms(off, ctx());
        assert.strictEqual(offFindings.length, 1);
        assert.match(offFindings[0].message, /not enabled.*DEPLOYMENT_STOP_ON_ALARM/);
    });
    it("through the SDK proxy", async () => {
        const rep = await validateResource(codedeployRequiresAlarms, single(DG, "dg", { ...good, alarmConfiguration: { enabled: true, alarms: [] } }));
        assert.strictEqual(rep.violations.length, 1);
        const unk = await validateResource(codedeployRequiresAlarms, single(DG, "dg", { ...good, alarmConfiguration: U }));
        assert.deepStrictEqual([unk.violations.length, unk.notes.length], [0, 1]);
    });
    it("stack part: a group without ecsService whose application is ECS", async () => {
        const app = single("aws:codedeploy/application:Application", "app", { name: "ecs-app", computePlatform: "ECS" });
        const server = single("aws:codedeploy/application:Application", "srv", { name: "srv-app", computePlatform: "Server" });
        const dg = single(DG, "dg", { appName: "ecs-app", deploymentGroupName: "dg" });
        const rep = await validateStack(codedeployRequiresAlarms, [app, server, dg]);
        assert.strictEqual(rep.violations.length, 1, "one finding for both missing settings");
        assert.match(rep.violations[0].message, /no alarmConfiguration.*DEPLOYMENT_STOP_ON_ALARM/);
        assert.ok(rep.violations.every((v) => v.urn === dg.urn));
        const onServer = single(DG, "dg2", { appName: "srv-app", deploymentGroupName: "dg2" });
        assert.strictEqual((await validateStack(codedeployRequiresAlarms, [app, server, onServer])).violations.length, 0);
        // joined through the URN appName depends on (name unknown during preview)
        const linked = { ...single(DG, "dg3", { appName: U, deploymentGroupName: "dg3" }), propertyDependencies: { appName: [app.urn] }, dependencies: [app.urn] };
        assert.strictEqual((await validateStack(codedeployRequiresAlarms, [app, linked], { preview: true })).violations.length, 1);
    });
    it("passes the compliant stack and fails it without alarms", async () => {
        assert.strictEqual((await runPolicyPack(compliantStack().build(false))).violations.filter((v) => v.policyName === P).length, 0);
        const bad = mutate(compliantStack().build(true), "api-dg", (i) => { delete i.alarmConfiguration; });
        const v = (await runPolicyPack(bad, { preview: true })).violations.filter((x) => x.policyName === P);
        assert.strictEqual(v.length, 1);
        assert.strictEqual(v[0].enforcementLevel, "mandatory");
        assert.strictEqual(v[0].resourceName, "api-dg");
    });
});

describe("codedeploy-termination-wait (advisory)", () => {
    it("accepts a wait at least the minimum (default 5)", () => {
        assert.deepStrictEqual(checkTerminationWait(good, ctx({ minimumTerminationWaitMinutes: 5 })), []);
        assert.deepStrictEqual(checkTerminationWait(good, ctx()), []);
    });
    it("flags a shorter or missing wait, with the configured minimum", () => {
        const f = checkTerminationWait(good, ctx({ minimumTerminationWaitMinutes: 20 }));
        assert.strictEqual(f.length, 1);
        assert.match(f[0].message, /terminationWaitTimeInMinutes: 20/);
        assert.strictEqual(checkTerminationWait({ ...good, blueGreenDeploymentConfig: undefined }, ctx()).length, 1);
    });
    it("accepts KEEP_ALIVE and non-ECS groups; undecided on unknown", () => {
        assert.deepStrictEqual(checkTerminationWait({ ...good, blueGreenDeploymentConfig: { terminateBlueInstancesOnDeploymentSuccess: { action: "KEEP_ALIVE" } } }, ctx()), []);
        assert.deepStrictEqual(checkTerminationWait({ deploymentGroupName: "x" }, ctx()), []);
        assert.ok(checkTerminationWait({ ...good, blueGreenDeploymentConfig: { terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: U } } }, ctx())[0].undecided);
    });
    it("only leaves a note while ecsService is unknown", () => {
        const f = checkTerminationWait({ ecsService: U }, ctx());
        assert.ok(f.length === 1 && f[0].undecided, JSON.stringify(f));
    });
    it("reads the wait in decimal only, as the provider does", () => {
        const wait = (terminationWaitTimeInMinutes: unknown) =>
            checkTerminationWait({ ...good, blueGreenDeploymentConfig: { terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes } } }, ctx());
        assert.deepStrictEqual(wait(" 10 "), []);
        assert.strictEqual(wait("0x10").length, 1, "not sixteen minutes");
    });
    it("uses the policy config through the runner", async () => {
        const stack = compliantStack().build(false); // wait is 15
        const find = (r: Awaited<ReturnType<typeof runPolicyPack>>) => r.violations.filter((v) => v.policyName === "codedeploy-termination-wait");
        assert.strictEqual(find(await runPolicyPack(stack)).length, 0);
        const strict = find(await runPolicyPack(stack, { config: { "codedeploy-termination-wait": { minimumTerminationWaitMinutes: 30 } } }));
        assert.strictEqual(strict.length, 1);
        assert.strictEqual(strict[0].enforcementLevel, "advisory");
        const mandatory = find(await runPolicyPack(stack, { config: { "codedeploy-termination-wait": { enforcementLevel: "mandatory", minimumTerminationWaitMinutes: 30 } } }));
        assert.strictEqual(mandatory[0].enforcementLevel, "mandatory");
        assert.ok(codedeployTerminationWait.configSchema?.properties.minimumTerminationWaitMinutes);
    });
});
