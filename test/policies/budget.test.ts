/**
 * `rollback-detection-budget`: pass, fail (with hand-computed numbers for one rolling, one native
 * blue/green, one CodeDeploy and one worker service), never, unknown during preview, resources
 * outside the stack, exemptions; and our own stacks with policies/config/{dev,prod}.json, whose
 * numbers must equal what the timing model gives from the stack config (offline/timing.ts).
 */
import * as assert from "assert";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { PROJECT_DIR } from "../../offline/engine";
import { loadPolicyPackConfig, runPolicyPack } from "../../offline/policyRunner";
import { readStackConfig } from "../../offline/stackFiles";
import { serviceTimings } from "../../offline/timing";
import type { RegisteredResource } from "../../offline/types";
import { assessService, DetectionIndex, fastestOf, worstOf, type ServiceAssessment } from "../../policies/lib/detection";
import { StackIndex, StackResource, toStackResources } from "../../policies/lib/graph";
import { AWS_DEFAULTS, PROVIDER_DEFAULTS, rolloutTiming } from "../../policies/lib/timing";
import { BUDGET_POLICY, checkRollbackDetectionBudget, rollbackDetectionBudget } from "../../policies/rules/budget";
import { compliantStack, ref, StackBuilder, U, urnOf } from "./fixtures";
import { planOf, previewStack } from "../program/helpers";
import { stackArgs, validateStack } from "./helpers";

const SVC = "aws:ecs/service:Service";
const TG = "aws:lb/targetGroup:TargetGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const DG = "aws:codedeploy/deploymentGroup:DeploymentGroup";
const tgArn = (name: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef`;

type Props = Record<string, unknown>;

function targetGroup(b: StackBuilder, name: string, healthCheck: Props, extra: Props = {}) {
    b.add(TG, name, { name, port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1", healthCheck: { path: "/health", ...healthCheck }, ...extra },
        { arn: tgArn(name), id: tgArn(name) });
}

function alarm(b: StackBuilder, name: string, settings: Props = { period: 60, evaluationPeriods: 3, datapointsToAlarm: 2 }) {
    b.add(ALARM, name, { name, namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", statistic: "Sum", threshold: 5,
        comparisonOperator: "GreaterThanOrEqualToThreshold", ...settings }, { arn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}` });
}

/**
 * A rolling service behind one target group with a 5xx rollback alarm:
 * 2 tasks, grace 60 s; interval 30 s, timeout 5 s, unhealthy threshold 5, deregistration delay 300 s.
 */
function rolling(tg: Props = {}, svc: Props = {}, tgExtra: Props = { deregistrationDelay: 300 }): StackBuilder {
    const b = new StackBuilder();
    targetGroup(b, "web-tg", { interval: 30, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 5, ...tg }, tgExtra);
    alarm(b, "web-5xx");
    b.add(SVC, "web", {
        name: "web", cluster: "main", desiredCount: 2, healthCheckGracePeriodSeconds: 60,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: [ref("web-5xx", "name")], enable: true, rollback: true },
        loadBalancers: [{ targetGroupArn: ref("web-tg", "arn"), containerName: "web", containerPort: 8080 }],
        ...svc,
    }, { arn: "arn:aws:ecs:eu-west-1:123456789012:service/main/web" });
    return b;
}

/**
 * ECS native blue/green, 3 tasks, bake 15 min: blue checks every 10 s (threshold 2, delay 30 s),
 * green every 30 s (threshold 3, delay 300 s); one slow alarm: 300 s periods, 3 of 3.
 */
function blueGreen(): StackBuilder {
    const b = new StackBuilder();
    targetGroup(b, "api-blue", { interval: 10, timeout: 5, unhealthyThreshold: 2 }, { deregistrationDelay: 30 });
    targetGroup(b, "api-green", { interval: 30, timeout: 5, unhealthyThreshold: 3 }, { deregistrationDelay: 300 });
    alarm(b, "api-5xx", { period: 300, evaluationPeriods: 3, datapointsToAlarm: 3 });
    b.add(SVC, "api", {
        name: "api", cluster: "main", desiredCount: 3, healthCheckGracePeriodSeconds: 60,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ["api-5xx"], enable: true, rollback: true },
        deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: "15" },
        loadBalancers: [{ targetGroupArn: ref("api-blue", "arn"), containerName: "api", containerPort: 8080,
            advancedConfiguration: { alternateTargetGroupArn: ref("api-green", "arn"), productionListenerRule: "arn:rule", roleArn: "arn:role" } }],
    }, { arn: "arn:aws:ecs:eu-west-1:123456789012:service/main/api" });
    return b;
}

/** CODE_DEPLOY, 3 tasks; target group every 10 s; the group's alarm 60 s, 2 of 3; linear 10 % a minute, 30 min wait. */
function codeDeploy(group: Props = {}): StackBuilder {
    const b = new StackBuilder();
    targetGroup(b, "shop-blue", { interval: 10, timeout: 5, unhealthyThreshold: 2 }, { deregistrationDelay: 30 });
    alarm(b, "shop-5xx");
    b.add(SVC, "shop", {
        name: "shop", cluster: "main", desiredCount: 3, deploymentController: { type: "CODE_DEPLOY" }, healthCheckGracePeriodSeconds: 60,
        loadBalancers: [{ targetGroupArn: ref("shop-blue", "arn"), containerName: "shop", containerPort: 8080 }],
    }, { arn: "arn:aws:ecs:eu-west-1:123456789012:service/main/shop" });
    b.add(DG, "shop-dg", {
        appName: "shop", deploymentGroupName: "shop-dg", deploymentConfigName: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        ecsService: { clusterName: "main", serviceName: ref("shop", "name") },
        alarmConfiguration: { enabled: true, alarms: [ref("shop-5xx", "name")] },
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
        blueGreenDeploymentConfig: { terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 30 } },
        ...group,
    }, { id: "dg-1" });
    return b;
}

/** A worker without a load balancer, 1 task, no grace period; its container is checked as `check` says; a queue alarm 60 s, 2 of 3. */
function worker(check: Props): StackBuilder {
    const b = new StackBuilder();
    alarm(b, "jobs-oldest-message", { period: 60, evaluationPeriods: 3, datapointsToAlarm: 2, namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage" });
    b.add(TD, "jobs-td", {
        family: "jobs", containerDefinitions: JSON.stringify([{ name: "app", image: "public.ecr.aws/x/jobs:1", essential: true,
            healthCheck: { command: ["CMD-SHELL", "test -f /tmp/healthy || exit 1"], ...check } }]),
    }, { arn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/jobs:1", revision: 1 });
    b.add(SVC, "jobs", {
        name: "jobs", cluster: "main", desiredCount: 1, taskDefinition: ref("jobs-td", "arn"),
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ["jobs-oldest-message"], enable: true, rollback: true },
    }, { arn: "arn:aws:ecs:eu-west-1:123456789012:service/main/jobs" });
    return b;
}

function resources(stack: RegisteredResource[], preview = false): StackResource[] {
    return toStackResources(stackArgs(stack, { preview }).resources);
}

function check(stack: RegisteredResource[], opts: { preview?: boolean; budget?: number; exempt?: string[] } = {}) {
    const rs = resources(stack, opts.preview);
    return checkRollbackDetectionBudget(rs, {
        config: opts.budget === undefined ? {} : { budgetSeconds: opts.budget },
        index: new StackIndex(rs),
        isExempt: (r) => (opts.exempt ?? []).includes(r.name),
    });
}

function assess(stack: RegisteredResource[], name: string, preview = false, budget = 900): ServiceAssessment {
    const rs = resources(stack, preview);
    const index = new StackIndex(rs);
    const r = assessService(index.ofKind("ecsService").find((s) => s.name === name)!, new DetectionIndex(index), budget);
    assert.strictEqual(r.kind, "assessed");
    return (r as Extract<typeof r, { kind: "assessed" }>).assessment;
}

const isViolation = (f: { undecided?: boolean; internal?: boolean }) => !f.undecided && !f.internal;
const violations = (stack: RegisteredResource[], opts: Parameters<typeof check>[1] = {}) => check(stack, opts).filter(isViolation);
const undecidedNotes = (stack: RegisteredResource[], opts: Parameters<typeof check>[1] = {}) => check(stack, opts).filter((f) => f.undecided);

/** Replaces one resource's inputs and outputs, keeping its dependencies. */
function edit(stack: RegisteredResource[], name: string, f: (p: Record<string, any>) => void): RegisteredResource[] {
    return stack.map((r) => {
        if (r.name !== name) return r;
        const inputs = structuredClone(r.inputs);
        const outputs = structuredClone(r.outputs);
        f(inputs);
        f(outputs);
        return { ...r, inputs, outputs };
    });
}

describe(BUDGET_POLICY, () => {
    describe("the verdict algebra", () => {
        it("the slowest case decides (one over the budget is enough), the fastest alarm decides (one within is enough)", () => {
            assert.strictEqual(worstOf(["fits", "unknown", "unseen"]), "unseen");
            assert.strictEqual(worstOf(["fits", "exceeds", "unknown"]), "exceeds");
            assert.strictEqual(worstOf([]), "fits");
            assert.strictEqual(fastestOf(["exceeds", "unknown", "fits"]), "fits");
            assert.strictEqual(fastestOf(["exceeds", "unseen", "unknown"]), "unknown");
            assert.strictEqual(fastestOf(["exceeds", "unseen"]), "unseen");
            assert.strictEqual(fastestOf([]), "exceeds", "no alarm never detects");
        });
    });

    describe("fail, with the numbers (hand-computed)", () => {
        it("rolling: 2 tasks need 2 waves; each costs start 60 + (5 − 1) × 30 + 5 = 185 s, then 300 s of deregistration: 16m10s", () => {
            for (const preview of [false, true]) {
                const v = violations(rolling().build(preview), { preview });
                assert.strictEqual(v.length, 1, `preview=${preview}`);
                assert.strictEqual(v[0].urn, urnOf(SVC, "web"));
                const m = v[0].message;
                assert.match(m, /^ECS service 'web' \(rolling, 2 tasks, circuit breaker with rollback\) can take 16m10s to detect a failing version, over the budget of 15m \(900 s\)\./);
                // never starts: threshold max(3, ceil(2 / 2)) = 3 failed tasks, 2 waves of 2 tasks, 60 s each
                assert.match(m, /never start: 2m \(2 waves of 2 tasks until the circuit breaker's threshold of 3 failed tasks, 60 s each\)/);
                // fails health checks: 2 × (max(60, 60 + 4 × 30 + 5) + 300) = 970 s
                assert.match(m, /fail their health checks: 16m10s \(2 waves × \(start 60 s \+ \(unhealthy threshold 5 − 1\) × interval 30 s \+ timeout 5 s = 185 s \+ deregistration delay 300 s\), target group 'web-tg'\)/);
                // trips an alarm: healthy after 60 + 30 + 5 = 95 s, then 60 × (2 + 1) + 60 = 240 s: 335 s
                assert.match(m, /trips a rollback alarm: 5m35s \(healthy after start 60 s \+ interval 30 s \+ timeout 5 s = 95 s on target group 'web-tg', then alarm 'web-5xx', the fastest, fires after period 60 s × \(datapoints to alarm 2 \+ 1\) \+ 60 s metric delay = 240 s\)/);
                assert.match(m, /What dominates \(fails its health checks: deregistration delay 300 s per wave, interval 30 s × \(unhealthy threshold 5 − 1\) per wave, 2 waves \(2 tasks, threshold 3\)\)/);
                assert.match(m, /To get within the budget: lower `deregistrationDelay` of target group 'web-tg'.*; lower `healthCheck.interval` or `healthCheck.unhealthyThreshold` of target group 'web-tg'; run at least 3 tasks/);
            }
        });

        it("native blue/green: the slower of the two target groups decides (new tasks register with each in turn): 22m45s", () => {
            const v = violations(blueGreen().build(false));
            assert.strictEqual(v.length, 1);
            const m = v[0].message;
            // 3 tasks: threshold 3, one wave
            assert.match(m, /^ECS service 'api' \(ECS native blue\/green, 3 tasks, circuit breaker with rollback\) can take 22m45s/);
            assert.match(m, /never start: 1m \(1 wave of 3 tasks/);
            // blue: max(60, 60 + 10 + 5) + 30 = 105; green: max(60, 60 + 2 × 30 + 5) + 300 = 425
            assert.match(m, /fail their health checks: 7m05s \(1 wave × \(start 60 s \+ \(unhealthy threshold 3 − 1\) × interval 30 s \+ timeout 5 s = 125 s \+ deregistration delay 300 s\), target group 'api-green'\)/);
            // green healthy after 95 s, switch 10 s, alarm 300 × (3 + 1) + 60 = 1260 s: 1365 s
            assert.match(m, /trips a rollback alarm: 22m45s \(healthy after start 60 s \+ interval 30 s \+ timeout 5 s = 95 s on target group 'api-green', production switches 10 s later, then alarm 'api-5xx', the fastest, fires after period 300 s × \(datapoints to alarm 3 \+ 1\) \+ 60 s metric delay = 1260 s\)/);
            assert.match(m, /What dominates \(trips an alarm: alarm period 300 s × \(datapoints to alarm 3 \+ 1\)\)/);
            assert.match(m, /shorten the `period` or lower `datapointsToAlarm` of alarm 'api-5xx'/);
            assert.match(m, /Also: the alarm needs 1260s of production traffic, the bake time is 900s: a bad version can outlive it and stay\./);
            const a = assess(blueGreen().build(false), "api");
            assert.deepStrictEqual([a.neverStarts.seconds, a.failsHealthChecks.seconds, a.tripsAlarm.seconds], [60, 425, 1365]);
        });

        it("CodeDeploy: a replacement task set that never becomes healthy takes an hour, and no setting shortens it", () => {
            const v = violations(codeDeploy().build(false));
            assert.strictEqual(v.length, 1);
            const m = v[0].message;
            assert.match(m, /^ECS service 'shop' \(CodeDeploy blue\/green, 3 tasks\) can take 60m to detect a failing version, over the budget of 15m \(900 s\)\./);
            assert.match(m, /never start: 60m \(CodeDeploy waits up to 60m for a replacement task set that never becomes healthy/);
            // healthy after 60 + 10 + 5 = 75 s, alarm 240 s: 315 s
            assert.match(m, /trips a rollback alarm: 5m15s \(healthy after start 60 s \+ interval 10 s \+ timeout 5 s = 75 s on target group 'shop-blue', then alarm 'shop-5xx'/);
            assert.match(m, /no setting of the stack shortens CodeDeploy's hour: release through ECS instead/);
            assert.doesNotMatch(m, /Also:/, "the alarm (315 s) fires long before the termination wait (9 + 30 min) ends");
            const a = assess(codeDeploy().build(false), "shop");
            assert.deepStrictEqual(a.codeDeploy, { trafficShiftMinutes: 9, terminationWaitMinutes: 30 });
            // a budget of an hour passes it
            assert.deepStrictEqual(check(codeDeploy().build(false), { budget: 3600 }), []);
        });

        it("CodeDeploy: an alarm that can fire after the termination wait is said so (all at once, no wait)", () => {
            const stack = codeDeploy({ deploymentConfigName: "CodeDeployDefault.ECSAllAtOnce",
                blueGreenDeploymentConfig: { terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 0 } } }).build(false);
            const v = violations(stack, { budget: 300 });
            assert.strictEqual(v.length, 1);
            assert.match(v[0].message, /Also: the alarm can fire after the termination wait: a bad version found then is not rolled back\./);
        });

        it("worker: the container health check decides: 3 waves × (60 + 60 + 5 × 60 + 5 + 30 s stop) = 22m45s", () => {
            const v = violations(worker({ interval: 60, timeout: 5, retries: 5, startPeriod: 60 }).build(false));
            assert.strictEqual(v.length, 1);
            const m = v[0].message;
            assert.match(m, /^ECS service 'jobs' \(rolling, no load balancer, 1 task, circuit breaker with rollback\) can take 22m45s/);
            assert.match(m, /never start: 3m \(3 waves of 1 task until the circuit breaker's threshold of 3 failed tasks, 60 s each\)/);
            assert.match(m, /fail their health checks: 22m45s \(3 waves × \(start 60 s \+ start period 60 s \+ retries 5 × interval 60 s \+ timeout 5 s = 425 s \+ stop timeout 30 s\), container 'app' of task definition 'jobs-td'\)/);
            // healthy after 60 + min(60, 60) + 5 = 125 s, then 240 s
            assert.match(m, /trips a rollback alarm: 6m05s \(healthy after start 60 s \+ 60 s \+ timeout 5 s = 125 s on container 'app' of task definition 'jobs-td'/);
            assert.match(m, /What dominates \(fails its health checks: retries 5 × interval 60 s per wave, start period 60 s per wave, 3 waves/);
            assert.match(m, /lower `healthCheck.interval` or `retries` of container 'app' of task definition 'jobs-td'/);
        });

        it("never: no circuit breaker, no rollback alarm, no health check at all", () => {
            const noBreaker = violations(rolling({}, { deploymentCircuitBreaker: { enable: true, rollback: false } }, { deregistrationDelay: 30 }).build(false));
            assert.strictEqual(noBreaker.length, 1);
            assert.match(noBreaker[0].message, /never detects some failing versions \(the budget is 15m \(900 s\)\)/);
            assert.match(noBreaker[0].message, /never start: never \(it has no deployment circuit breaker with rollback/);
            assert.match(noBreaker[0].message, /set `deploymentCircuitBreaker: \{ enable: true, rollback: true \}`/);

            const noAlarms = violations(rolling({}, { alarms: undefined }, { deregistrationDelay: 30 }).build(false));
            assert.strictEqual(noAlarms.length, 1);
            assert.match(noAlarms[0].message, /trips a rollback alarm: never \(no rollback alarm: it has no deployment alarms \(`alarms`\)/);
            assert.match(noAlarms[0].message, /set `alarms: \{ alarmNames: \[<5xx, latency alarms>\], enable: true, rollback: true \}`/);
            const notRollingBack = violations(rolling({}, { alarms: { alarmNames: ["web-5xx"], enable: true, rollback: false } }, { deregistrationDelay: 30 }).build(false));
            assert.match(notRollingBack[0].message, /its `alarms.rollback` is not true/);

            const group = violations(codeDeploy({ autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] } }).build(false), { budget: 3600 });
            assert.strictEqual(group.length, 1);
            assert.match(group[0].message, /does not roll back when an alarm stops the deployment/);

            const unchecked = violations(worker({}).build(false).map((r) => (r.name === "jobs-td"
                ? { ...r, inputs: { ...r.inputs, containerDefinitions: "[{\"name\":\"app\",\"essential\":true}]" }, outputs: { ...r.outputs, containerDefinitions: "[{\"name\":\"app\",\"essential\":true}]" } } : r)));
            assert.strictEqual(unchecked.length, 1);
            assert.match(unchecked[0].message, /fail their health checks: never \(no health check judges its tasks/);
        });
    });

    describe("pass", () => {
        it("the same rolling service with a 30 s deregistration delay: 2 × (185 + 30) = 7m10s", () => {
            for (const preview of [false, true]) assert.deepStrictEqual(check(rolling({}, {}, { deregistrationDelay: 30 }).build(preview), { preview }), []);
            const a = assess(rolling({}, {}, { deregistrationDelay: 30 }).build(false), "web");
            assert.deepStrictEqual([a.neverStarts.seconds, a.failsHealthChecks.seconds, a.tripsAlarm.seconds, a.verdict], [120, 430, 335, "fits"]);
        });
        it("a budget that fits: the same 16m10s under a budget of 20 minutes", () => {
            assert.deepStrictEqual(check(rolling().build(false), { budget: 1200 }), []);
            assert.strictEqual(violations(rolling().build(false), { budget: 969 }).length, 1);
            assert.deepStrictEqual(check(rolling().build(false), { budget: 970 }), [], "the budget is inclusive");
        });
        it("the worker with checks every 15 s, 3 retries, start period 60 s: 3 × (60 + 60 + 45 + 5 + 30) = 10m", () => {
            assert.deepStrictEqual(check(worker({ interval: 15, timeout: 5, retries: 3, startPeriod: 60 }).build(false)), []);
            assert.strictEqual(assess(worker({ interval: 15, timeout: 5, retries: 3, startPeriod: 60 }).build(false), "jobs").failsHealthChecks.seconds, 600);
        });
        it("the fastest rollback alarm decides: a second, faster alarm brings the blue/green service within the budget", () => {
            const b = blueGreen();
            alarm(b, "api-latency", { period: 60, evaluationPeriods: 2, datapointsToAlarm: 1 });
            const stack = edit(b.build(false), "api", (p) => { p.alarms.alarmNames = ["api-5xx", "api-latency"]; });
            // green: 95 + 10 + 60 × 2 + 60 = 285
            assert.deepStrictEqual(check(stack), []);
            assert.strictEqual(assess(stack, "api").tripsAlarm.seconds, 285);
        });
        it("provider defaults: a healthCheck block that leaves fields out gets interval 30 and thresholds 3 (the provider's), no block AWS's 5 and 2", () => {
            const block = assess(rolling({ interval: undefined, timeout: undefined, unhealthyThreshold: undefined, healthyThreshold: undefined }, {}, {}).build(false), "web");
            // 2 × (60 + 2 × 30 + 5 + 300) = 850
            assert.strictEqual(block.failsHealthChecks.seconds, 850);
            const none = assess(edit(rolling({}, {}, {}).build(false), "web-tg", (p) => { delete p.healthCheck; }), "web");
            // 2 × (60 + 1 × 30 + 5 + 300) = 790
            assert.strictEqual(none.failsHealthChecks.seconds, 790);
        });
        it("custom CodeDeploy configs and metric-math alarms are read (the longest query period counts)", () => {
            const b = codeDeploy({ deploymentConfigName: ref("shop-config", "deploymentConfigName") });
            b.add("aws:codedeploy/deploymentConfig:DeploymentConfig", "shop-config", { deploymentConfigName: "shop-canary", computePlatform: "ECS",
                trafficRoutingConfig: { type: "TimeBasedCanary", timeBasedCanary: { percentage: 10, interval: 5 } } });
            alarm(b, "shop-rate", { period: undefined, evaluationPeriods: 2, datapointsToAlarm: undefined, metricQueries: [
                { id: "errors", metric: { metricName: "HTTPCode_Target_5XX_Count", namespace: "AWS/ApplicationELB", period: 120, stat: "Sum" } },
                { id: "requests", metric: { metricName: "RequestCount", namespace: "AWS/ApplicationELB", period: 60, stat: "Sum" } },
                { id: "rate", expression: "100 * errors / requests", returnData: true }] });
            const stack = edit(b.build(false), "shop-dg", (p) => { p.alarmConfiguration.alarms = ["shop-rate"]; });
            const a = assess(stack, "shop", false, 3600);
            assert.deepStrictEqual(a.codeDeploy, { trafficShiftMinutes: 5, terminationWaitMinutes: 30 });
            // 75 + 120 × (2 + 1) + 60
            assert.strictEqual(a.tripsAlarm.seconds, 495);
        });
    });

    describe("unknown during preview: never a rejection", () => {
        it("a new stack's preview decides through dependencies (target group ARN, an alarm name unknown)", () => {
            const b = rolling({}, { alarms: { alarmNames: [ref("web-5xx", "name"), ref("web-latency", "name")], enable: true, rollback: true } }, { deregistrationDelay: 30 });
            // an alarm the provider names: its name is unknown during preview
            b.add(ALARM, "web-latency", { period: 60, evaluationPeriods: 2, datapointsToAlarm: 1, namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime" },
                { name: "web-latency-1a2b3c", arn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-latency-1a2b3c" });
            const stack = b.build(true);
            const svc = stack.find((r) => r.name === "web")!;
            assert.deepStrictEqual([svc.inputs.loadBalancers, (svc.inputs.alarms as Props).alarmNames], [[{ targetGroupArn: U, containerName: "web", containerPort: 8080 }], ["web-5xx", U]]);
            assert.deepStrictEqual(check(stack, { preview: true }), []);
            // web-latency (60 × (1 + 1) + 60 = 180 s) is faster than web-5xx (240 s), a guess that may only pass: 95 + 180
            assert.strictEqual(assess(stack, "web", true).tripsAlarm.seconds, 275);
            assert.deepStrictEqual(check(b.build(false)), []);
        });
        it("an unknown setting the verdict depends on leaves a note, and decides on `pulumi up`", () => {
            const b = rolling();
            b.add("aws:ssm/parameter:Parameter", "web-count", { name: "web-count", type: "String", value: "2" }, { version: 1 });
            const unknownCount = edit(b.build(true), "web", (p) => { p.desiredCount = U; });
            assert.deepStrictEqual(violations(unknownCount, { preview: true }), []);
            const notes = undecidedNotes(unknownCount, { preview: true });
            assert.strictEqual(notes.length, 1);
            assert.match(notes[0].message, /ECS service 'web' \(rolling, circuit breaker with rollback\): whether it detects a failing version within the budget of 15m \(900 s\) is not known yet: its desiredCount is unknown/);

            const unknownInterval = edit(rolling().build(true), "web-tg", (p) => { p.healthCheck.interval = U; });
            assert.deepStrictEqual(violations(unknownInterval, { preview: true }), []);
            assert.match(undecidedNotes(unknownInterval, { preview: true })[0].message, /the health-check interval of target group 'web-tg' is unknown/);

            const unknownController = edit(rolling().build(true), "web", (p) => { p.deploymentController = U; });
            assert.deepStrictEqual(violations(unknownController, { preview: true }), []);
            assert.match(undecidedNotes(unknownController, { preview: true })[0].message, /its deployment controller is unknown, so its time to detect a failing version cannot be computed yet/);

            const unknownAlarms = edit(rolling({}, {}, { deregistrationDelay: 30 }).build(true), "web", (p) => { p.alarms = { alarmNames: U, enable: true, rollback: true }; });
            // the names come from alarm web-5xx (property dependency): within the budget, it passes
            assert.deepStrictEqual(check(unknownAlarms, { preview: true }), []);
            const slow = edit(unknownAlarms, "web-5xx", (p) => { p.period = 600; });
            assert.deepStrictEqual(violations(slow, { preview: true }), [], "a guess never fails");
            assert.strictEqual(undecidedNotes(slow, { preview: true }).length, 1);
        });
        it("what is known to be over the budget is reported even next to an unknown", () => {
            const stack = edit(rolling().build(true), "web", (p) => { p.alarms = U; });
            const v = violations(stack, { preview: true });
            assert.strictEqual(v.length, 1);
            assert.match(v[0].message, /can take 16m10s/);
            assert.match(v[0].message, /trips a rollback alarm: not known yet \(its deployment alarms \(`alarms`\) are unknown\)/);
        });
    });

    describe("resources the stack does not declare", () => {
        it("a target group outside the stack cannot be read: a finding, with what AWS's defaults would give", () => {
            const stack = edit(rolling({}, {}, { deregistrationDelay: 30 }).build(false), "web", (p) => { p.loadBalancers[0].targetGroupArn = tgArn("legacy"); });
            for (const preview of [false, true]) {
                const v = violations(stack, { preview });
                assert.strictEqual(v.length, 1, `preview=${preview}`);
                const m = v[0].message;
                assert.match(m, /its time to detect a failing version cannot be checked against the budget of 15m \(900 s\): target group arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup\/legacy\/0123456789abcdef is not declared in this stack/);
                // 2 × (60 + 30 + 5 + 300) = 790, within
                assert.match(m, /With AWS's defaults for the target group it cannot see \(health-check interval 30 s, timeout 5 s, unhealthy threshold 2, deregistration delay 300 s\) the worst detection would be 13m10s, within the budget, but nothing says it uses them\./);
                assert.match(m, /exemptResources/);
            }
        });
        it("alarms outside the stack: fine when an alarm it can see is fast enough, a finding when none is", () => {
            const withOutside = edit(rolling({}, {}, { deregistrationDelay: 30 }).build(false), "web", (p) => { p.alarms.alarmNames = ["web-5xx", "legacy-5xx"]; });
            assert.deepStrictEqual(check(withOutside), []);
            const onlyOutside = edit(withOutside, "web", (p) => { p.alarms.alarmNames = ["legacy-5xx"]; });
            const v = violations(onlyOutside);
            assert.strictEqual(v.length, 1);
            assert.match(v[0].message, /alarm 'legacy-5xx' \(named in its `alarms`\) is not declared in this stack/);
        });
        it("a CODE_DEPLOY service with no deployment group in the stack, and the compliant fixture's services", () => {
            const stack = codeDeploy().build(false).filter((r) => r.type !== DG);
            const v = violations(stack, { budget: 3600 });
            assert.strictEqual(v.length, 1);
            assert.match(v[0].message, /a CodeDeploy deployment group that deploys it \(its rollback alarms are configured there\) is not declared in this stack/);
            // the compliant fixture names alarms it does not declare
            const fixture = violations(compliantStack().build(false));
            assert.deepStrictEqual(fixture.map((f) => f.urn).sort(), [urnOf(SVC, "api"), urnOf(SVC, "web")]);
        });
    });

    describe("exemptions and the SDK", () => {
        it("exempt services are skipped (logical name or URN pattern, through the SDK callback)", async () => {
            assert.deepStrictEqual(check(rolling().build(false), { exempt: ["web"] }), []);
            const rep = await validateStack(rollbackDetectionBudget, rolling().build(false), { config: { exemptResources: ["urn:pulumi:test::shop::aws:ecs/service:Service::w*"] } });
            assert.deepStrictEqual(rep.violations, []);
        });
        it("through the SDK callback: one violation on the service's URN; budget from the config; undecided notes only when asked", async () => {
            const rep = await validateStack(rollbackDetectionBudget, rolling().build(false));
            assert.deepStrictEqual(rep.violations.map((v) => v.urn), [urnOf(SVC, "web")]);
            assert.deepStrictEqual((await validateStack(rollbackDetectionBudget, rolling().build(false), { config: { budgetSeconds: 1000 } })).violations, []);
            const unknown = edit(rolling().build(true), "web", (p) => { p.desiredCount = U; });
            assert.deepStrictEqual(await validateStack(rollbackDetectionBudget, unknown, { preview: true }), { violations: [], notes: [] }, "advisory: no notes by default");
            const asked = await validateStack(rollbackDetectionBudget, unknown, { preview: true, config: { reportUndecided: true } });
            assert.strictEqual(asked.notes.length, 1);
            assert.match(asked.notes[0].message, /^\[rollback-detection-budget\] undecided during preview: /);
        });
        it("through the runner with the CLI's config handling: advisory by default, budgetSeconds validated", async () => {
            const res = await runPolicyPack(rolling().build(false), { config: { all: "disabled", [BUDGET_POLICY]: "advisory" } });
            assert.deepStrictEqual(res.violations.map((v) => [v.policyName, v.enforcementLevel, v.resourceName]), [[BUDGET_POLICY, "advisory", "web"]]);
            assert.strictEqual(res.policies.find((p) => p.name === BUDGET_POLICY)?.config.budgetSeconds, 900);
            await assert.rejects(runPolicyPack([], { config: { [BUDGET_POLICY]: { budgetSeconds: "15m" } } }));
            await assert.rejects(runPolicyPack([], { config: { [BUDGET_POLICY]: { budgetSeconds: 0 } } }));
        });
    });

    describe("our own stacks, with policies/config/dev.json and prod.json", () => {
        it("the budgets' rationale (policies/README.md): single-task services on AWS's and on the provider's defaults", () => {
            const single = (unhealthyThreshold: number) => rolloutTiming({
                mode: "rolling", desiredCount: 1, circuitBreaker: true, gracePeriodSeconds: 0, deregistrationDelaySeconds: 300,
                healthCheck: { intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold },
                alarm: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
            }).worstDetection;
            assert.strictEqual(single(AWS_DEFAULTS.healthCheck.unhealthyThreshold), 1185, "19m45s: over prod's 900, within dev's 1200");
            assert.strictEqual(single(PROVIDER_DEFAULTS.healthCheck.unhealthyThreshold), 1275, "21m15s: over both");
        });

        const budgets = { dev: 1200, prod: 900 };
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: the configured budget; no finding (prod exempts CodeDeploy's hour for web); the numbers equal the model's from the stack config`, async () => {
                const config = loadPolicyPackConfig(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`));
                assert.strictEqual((config[BUDGET_POLICY] as { budgetSeconds: number }).budgetSeconds, budgets[stack]);
                const { policy, run } = await planOf(stack);
                const found = policy!.violations.filter((v) => v.policyName === BUDGET_POLICY);
                // prod's web is released through CodeDeploy: an hour for a task set that never becomes healthy (see README)
                for (const f of found) {
                    assert.strictEqual(f.resourceType, SVC);
                    assert.match(f.message, /\(CodeDeploy blue\/green, .*\) can take 60m .*What dominates \(never starts: CodeDeploy's one-hour limit\)/s);
                }
                assert.deepStrictEqual(found.map((f) => f.resourceName), []);
                // Without the exemption prod.json makes, web is over: the hour is real, and accepted on purpose.
                if (stack === "prod") {
                    const strict = { ...config, [BUDGET_POLICY]: { ...(config[BUDGET_POLICY] as object), exemptResources: [] } };
                    const unexempted = (await runPolicyPack(run.resources, { config: strict })).violations.filter((v) => v.policyName === BUDGET_POLICY);
                    assert.deepStrictEqual(unexempted.map((f) => f.resourceName), ["web"]);
                }

                // The rule reads from the resources what offline/timing.ts computes from the config.
                const cfg = parseStackConfig(readStackConfig(PROJECT_DIR, stack));
                const fromConfig = serviceTimings(cfg);
                const rs = resources(run.resources);
                const index = new StackIndex(rs);
                const env = new DetectionIndex(index);
                for (const svc of index.ofKind("ecsService")) {
                    const r = assessService(svc, env, budgets[stack]);
                    assert.strictEqual(r.kind, "assessed");
                    const a = (r as Extract<typeof r, { kind: "assessed" }>).assessment;
                    const t = fromConfig[svc.name].ours;
                    assert.deepStrictEqual([a.neverStarts.seconds, a.failsHealthChecks.seconds, a.tripsAlarm.seconds], [t.neverStarts, t.failsHealthChecks, t.tripsAlarm], `${stack} ${svc.name}`);
                    assert.strictEqual(a.verdict, (t.worstDetection ?? Infinity) > budgets[stack] ? "exceeds" : "fits", `${stack} ${svc.name}`);
                }
            });
            it(`${stack}: a first preview decides it too (no undecided note)`, async () => {
                const run = await previewStack(stack);
                const config = loadPolicyPackConfig(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`));
                const res = await runPolicyPack(run.resources, { preview: true, config: { ...config, [BUDGET_POLICY]: { budgetSeconds: budgets[stack], reportUndecided: true } } });
                const mine = res.violations.filter((v) => v.policyName === BUDGET_POLICY);
                assert.deepStrictEqual(mine.filter((v) => /undecided/.test(v.message)).map((v) => v.message), []);
                assert.deepStrictEqual(mine.map((v) => v.resourceName), stack === "prod" ? ["web"] : []);
            });
        }
    });
});
