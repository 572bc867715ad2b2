/**
 * No policy ever throws, whatever shape a resource has: null, numbers, strings, arrays in place of
 * objects, unknown sentinels anywhere, hostile proxies. Checked for every policy of the pack, through
 * the SDK-shaped callbacks and through the SDK's own server (runner), and for the pure functions.
 */
import * as assert from "assert";
import * as fc from "fast-check";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { runPolicyPack } from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { policies } from "../../policies/pack";
import { StackIndex, toStackResources } from "../../policies/lib/graph";
import { TOKENS } from "../../policies/lib/tokens";
import * as advisory from "../../policies/rules/advisory";
import * as budget from "../../policies/rules/budget";
import * as codedeploy from "../../policies/rules/codedeploy";
import * as notifications from "../../policies/rules/notifications";
import * as rollback from "../../policies/rules/rollback";
import * as sns from "../../policies/rules/sns";
import * as targetGroups from "../../policies/rules/targetGroups";
import * as taskDefinitions from "../../policies/rules/taskDefinitions";
import { compliantStack, single, U } from "./fixtures";
import { resourceArgs, stackArgs, validateResource, validateStack } from "./helpers";

const SENTINELS = [U, "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"];
const KEYS = [
    "deploymentController", "type", "deploymentCircuitBreaker", "enable", "rollback", "alarms", "alarmNames", "loadBalancers",
    "advancedConfiguration", "alternateTargetGroupArn", "deploymentConfiguration", "strategy", "bakeTimeInMinutes",
    "healthCheckGracePeriodSeconds", "name", "cluster", "arn", "id", "healthCheck", "enabled", "path", "protocol", "targetType",
    "policy", "Statement", "Effect", "Principal", "Action", "Condition", "kmsMasterKeyId", "ecsService", "serviceName", "clusterName",
    "alarmConfiguration", "autoRollbackConfiguration", "events", "blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess",
    "terminationWaitTimeInMinutes", "action", "appName", "deploymentGroupName", "computePlatform", "eventPattern", "rule", "eventBusName",
    "state", "port", "defaultActions", "loadBalancerArn", "securityGroups", "ingress", "cidrBlocks", "fromPort", "toPort",
    "securityGroupId", "cidrIpv4", "listenerArn", "actions",
    "taskDefinition", "family", "revision", "arnWithoutRevision", "containerDefinitions", "essential", "command", "environment", "value",
    "desiredCount", "targetGroupArn", "deregistrationDelay", "interval", "timeout", "unhealthyThreshold", "healthyThreshold", "retries", "startPeriod",
    "period", "evaluationPeriods", "datapointsToAlarm", "metricQueries", "metric", "deploymentConfigName", "trafficRoutingConfig", "timeBasedLinear",
    "percentage",
];
const leaf = fc.oneof(
    fc.constantFrom(...SENTINELS), fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(),
    fc.constantFrom("ECS", "CODE_DEPLOY", "EXTERNAL", "HTTP", "TCP", "lambda", "BLUE_GREEN", "alias/aws/sns", "/", "0.0.0.0/0", "forward", "DEPLOYMENT_FAILURE",
        "{\"source\":[\"aws.ecs\"]}", "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\"}}", "{", "[]", "arn:aws:sns:r:1:t",
        "[{\"name\":\"app\",\"essential\":true,\"healthCheck\":{\"command\":[\"CMD-SHELL\",\"exit 0\"]},\"environment\":[{\"name\":\"API_TOKEN\",\"value\":\"x\"}]}]",
        "[{\"healthCheck\":{\"command\":\"04da6b54-80e4-46f7-96ec-b56ff0331ba9\"},\"environment\":\"04da6b54-80e4-46f7-96ec-b56ff0331ba9\"}]",
        "CMD-SHELL", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1", "web:1",
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "TimeBasedLinear", "60"),
);
const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("arr"), tie("obj")),
    arr: fc.array(tie("tree"), { maxLength: 4 }),
    obj: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie("tree"), { maxKeys: 6 }),
}));
const props = fc.oneof(tree, fc.dictionary(fc.constantFrom(...KEYS), tree, { maxKeys: 8 }));
const ALL_TYPES = Object.values(TOKENS).flat();

function asResource(type: string, name: string, p: unknown, deps: Record<string, string[]> = {}): RegisteredResource {
    const inputs = (p !== null && typeof p === "object" && !Array.isArray(p) ? p : { value: p }) as Record<string, unknown>;
    return { ...single(type, name, inputs), propertyDependencies: deps, dependencies: Object.values(deps).flat() };
}

function noInternalErrors(rep: { violations: { message: string }[]; notes: { message: string }[] }) {
    for (const m of [...rep.violations, ...rep.notes]) assert.ok(!/internal error/.test(m.message), m.message);
}

const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p && !!p.validateResource);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p && typeof p.validateStack === "function");

describe("no policy ever throws", function () {
    this.timeout(120000);

    it("has a resource or stack validation for all 16 policies", () => {
        assert.strictEqual(policies.length, 16);
        assert.strictEqual(new Set([...resourcePolicies, ...stackPolicies]).size, 16);
    });

    it("resource validations, on arbitrary props of every relevant type (proxied like the SDK does)", async () => {
        let reported = 0;
        await fc.assert(fc.asyncProperty(fc.constantFrom(...ALL_TYPES), props, async (type, p) => {
            for (const policy of resourcePolicies) {
                const rep = await validateResource(policy, asResource(type, "r", p), { props: p !== null && typeof p === "object" ? p : { value: p }, config: { reportUndecided: true } });
                noInternalErrors(rep);
                reported += rep.violations.length + rep.notes.length;
                if (policy.remediateResource) {
                    const args = resourceArgs(asResource(type, "r", p));
                    await policy.remediateResource(args);
                }
            }
        }), { numRuns: 300 });
        // About 65 findings in 300 runs (45 to 75 seen over random seeds; 50 failed one run in ten): the
        // check is that the generated shapes reach the rules at all, not how often a seed happens to.
        assert.ok(reported > 20, `the generated shapes exercise the rules (${reported} findings)`);
    });

    it("resource validations with odd args (props null, a number, an array; getConfig throwing)", async () => {
        for (const policy of resourcePolicies) {
            for (const odd of [null, 42, "str", [1, 2], U]) {
                for (const type of ["aws:ecs/service:Service", "aws:lb/targetGroup:TargetGroup", "aws:sns/topic:Topic", "aws:codedeploy/deploymentGroup:DeploymentGroup", "aws:ecs/taskDefinition:TaskDefinition"]) {
                    const args = { ...resourceArgs(single(type, "x", {})), props: odd as never, getConfig: () => { throw new Error("no config"); } };
                    const vs = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
                    for (const v of vs) await v(args, () => undefined);
                    if (policy.remediateResource) await policy.remediateResource(args);
                }
            }
        }
    });

    it("stack validations, on arbitrary stacks with arbitrary dependencies", async () => {
        const resource = fc.record({ type: fc.constantFrom(...ALL_TYPES, "pulumi:pulumi:Stack"), p: props, dep: fc.nat(10), key: fc.constantFrom(...KEYS) });
        await fc.assert(fc.asyncProperty(fc.array(resource, { maxLength: 12 }), async (list) => {
            const built = list.map((r, i) => asResource(r.type, `r${i}`, r.p));
            const stack = built.map((r, i) => {
                const target = built[list[i].dep % Math.max(built.length, 1)];
                return target ? { ...r, propertyDependencies: { [list[i].key]: [target.urn] }, dependencies: [target.urn] } : r;
            });
            for (const policy of stackPolicies) {
                noInternalErrors(await validateStack(policy, stack));
                noInternalErrors(await validateStack(policy, stack, { preview: true }));
            }
        }), { numRuns: 150 });
    });

    it("stack validations with odd resource lists", async () => {
        for (const policy of stackPolicies) {
            for (const resources of [null, undefined, 3, "x", [null, 1, "a", { urn: 5 }, { urn: "u", props: null, propertyDependencies: 3, dependencies: "x" }]]) {
                const args = { ...stackArgs([]), resources: resources as never };
                await policy.validateStack(args, () => undefined);
            }
        }
    });

    it("pure functions accept anything", () => {
        const ctx = { urn: "u", name: "n", type: "t", config: {} };
        const fns = [
            rollback.checkServiceRollback, rollback.checkCircuitBreakerController, rollback.remediateServiceRollback,
            codedeploy.checkDeploymentGroupAlarms, codedeploy.checkTerminationWait,
            targetGroups.checkTargetGroupHealthCheck, targetGroups.checkDedicatedHealthPath,
            sns.checkTopicPolicyNotPublic, advisory.checkHealthCheckGracePeriod, advisory.checkRollingAlarmRollback, advisory.checkBlueGreenBakeTime,
            taskDefinitions.checkPlaintextSecrets,
        ] as ((p: unknown, c: typeof ctx) => unknown)[];
        fc.assert(fc.property(tree, (p) => { for (const f of fns) f(p, ctx); }), { numRuns: 500 });
        const stackFns = [rollback.checkCodeDeployServicesRollback, codedeploy.checkEcsAppDeploymentGroups, notifications.checkDeploymentFailureNotifications,
            sns.checkEventBridgeTopicKms, advisory.checkTestListeners, taskDefinitions.checkServicesWithoutLoadBalancerHealthCheck,
            budget.checkRollbackDetectionBudget];
        fc.assert(fc.property(fc.array(fc.record({ type: fc.constantFrom(...ALL_TYPES), p: tree }), { maxLength: 10 }), (list) => {
            const sr = toStackResources(stackArgs(list.map((r, i) => asResource(r.type, `r${i}`, r.p))).resources);
            for (const f of stackFns) f(sr, { config: {}, index: new StackIndex(sr), isExempt: () => false });
        }), { numRuns: 200 });
    });

    it("through the SDK's server (runner), arbitrary stacks never fail the run", async () => {
        await fc.assert(fc.asyncProperty(fc.array(fc.record({ type: fc.constantFrom(...ALL_TYPES), p: props }), { maxLength: 8 }), fc.boolean(), async (list, preview) => {
            const stack = [...compliantStack().build(preview), ...list.map((r, i) => asResource(r.type, `x${i}`, r.p))];
            const res = await runPolicyPack(stack, { preview });
            for (const v of res.violations) assert.ok(!/internal error|can't run policy/.test(v.message), v.message);
        }), { numRuns: 40 });
    });
});
