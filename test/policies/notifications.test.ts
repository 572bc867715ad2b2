import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { checkDeploymentFailureNotifications, deploymentFailuresNotify } from "../../policies/rules/notifications";
import { StackIndex, toStackResources } from "../../policies/lib/graph";
import { ACCOUNT, compliantStack, mutate, REGION, single, U, urnOf, without } from "./fixtures";
import { stackArgs, validateStack } from "./helpers";

const P = "deployment-failures-notify";
async function notify(stack: RegisteredResource[], preview = false) {
    const res = await runPolicyPack(stack, { preview });
    return res.violations.filter((v) => v.policyName === P);
}
const names = (vs: { resourceName?: string; enforcementLevel: string }[], level = "mandatory") =>
    vs.filter((v) => v.enforcementLevel === level).map((v) => v.resourceName).sort();
const setPattern = (stack: RegisteredResource[], rule: string, pattern: unknown) =>
    mutate(stack, rule, (i) => { i.eventPattern = JSON.stringify(pattern); });
const WEB_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/main/web`;
const ecsPattern = (extra: Record<string, unknown> = {}) => ({
    source: ["aws.ecs"], "detail-type": ["ECS Deployment State Change"], detail: { eventName: ["SERVICE_DEPLOYMENT_FAILED"] }, ...extra,
});

describe("deployment-failures-notify", () => {
    it("passes the compliant stack on up", async () => {
        assert.deepStrictEqual(await notify(compliantStack().build(false)), []);
    });
    it("never rejects the compliant stack in preview (unknown patterns and policies: notes only)", async () => {
        const v = await notify(compliantStack().build(true), true);
        assert.deepStrictEqual(names(v), []);
        assert.deepStrictEqual(names(v, "advisory"), ["api", "web"]);
        assert.ok(v.every((x) => /undecided during preview/.test(x.message)));
    });
    it("rejects both services when there is no rule at all", async () => {
        const v = await notify(without(compliantStack().build(false), "ecs-failures", "cd-failures", "ecs-failures-to-sns", "cd-failures-to-sns"));
        assert.deepStrictEqual(names(v), ["api", "web"]);
        assert.match(v.find((x) => x.resourceName === "web")!.message, /SERVICE_DEPLOYMENT_FAILED/);
        assert.match(v.find((x) => x.resourceName === "api")!.message, /aws\.codedeploy/);
    });
    it("also rejects in preview when no rule can deliver, even with an unknown pattern", async () => {
        const v = await notify(without(compliantStack().build(true), "ecs-failures-to-sns", "cd-failures-to-sns"), true);
        assert.deepStrictEqual(names(v), ["api", "web"]);
    });
    it("rejects a CODE_DEPLOY service covered only by the ECS rule (it never sends SERVICE_DEPLOYMENT_FAILED)", async () => {
        const stack = without(compliantStack().build(false), "cd-failures", "cd-failures-to-sns");
        assert.deepStrictEqual(names(await notify(stack)), ["api"]);
    });
    describe("services that cannot fail a deployment", () => {
        const noEcsRule = () => without(compliantStack().build(false), "ecs-failures", "ecs-failures-to-sns");
        const rollbackOf = async (stack: RegisteredResource[]) =>
            (await runPolicyPack(stack)).violations.filter((v) => v.policyName === "ecs-service-requires-rollback" && v.enforcementLevel === "mandatory");
        it("says what is really missing when an ECS service has neither a circuit breaker nor deployment alarms (one finding)", async () => {
            for (const change of [
                (i: Record<string, unknown>) => { delete i.deploymentCircuitBreaker; delete i.alarms; },
                (i: Record<string, unknown>) => { i.deploymentCircuitBreaker = { enable: false, rollback: true }; i.alarms = { enable: false, rollback: true, alarmNames: ["web-5xx"] }; },
                (i: Record<string, unknown>) => { delete i.deploymentCircuitBreaker; i.alarms = { enable: true, rollback: true, alarmNames: [] }; },
            ]) {
                const stack = mutate(noEcsRule(), "web", change);
                const v = await notify(stack);
                assert.deepStrictEqual(names(v), ["web"]);
                const m = v[0].message;
                assert.match(m, /no enabled deployment circuit breaker and no deployment alarms/);
                assert.match(m, /never detects a failed deployment/);
                assert.match(m, /sends no SERVICE_DEPLOYMENT_FAILED event/);
                assert.match(m, /`ecs-service-requires-rollback`/);
                assert.match(m, /deploymentCircuitBreaker: \{ enable: true, rollback: true \}/);
                assert.match(m, /aws\.cloudwatch\.EventRule/, "still says which rule to add once failures are detected");
                assert.doesNotMatch(m, /rolls back goes unnoticed/, "no rollback to go unnoticed");
                // the rollback policy reports the missing breaker itself, on the same service
                assert.deepStrictEqual((await rollbackOf(stack)).map((x) => x.resourceName), ["web"]);
            }
        });
        it("leaves such a service to ecs-service-requires-rollback when a rule already delivers its failures", async () => {
            const stack = mutate(compliantStack().build(false), "web", (i) => { delete i.deploymentCircuitBreaker; delete i.alarms; });
            assert.deepStrictEqual(names(await notify(stack)), []);
            assert.deepStrictEqual((await rollbackOf(stack)).map((x) => x.resourceName), ["web"]);
        });
        it("names what detects the failure otherwise", async () => {
            const breaker = await notify(noEcsRule());
            assert.match(breaker[0].message, /a failed deployment the circuit breaker rolls back goes unnoticed/);
            const alarmsOnly = await notify(mutate(noEcsRule(), "web", (i) => { delete i.deploymentCircuitBreaker; }));
            assert.deepStrictEqual(names(alarmsOnly), ["web"]);
            assert.match(alarmsOnly[0].message, /a failed deployment the deployment alarms roll back goes unnoticed/);
        });
        it("does not claim the breaker is missing while it is unknown (preview)", async () => {
            const stack = mutate(without(compliantStack().build(true), "ecs-failures", "ecs-failures-to-sns"), "web", (i) => { i.deploymentCircuitBreaker = U; delete i.alarms; });
            const v = await notify(stack, true);
            assert.deepStrictEqual(names(v), ["web"]);
            assert.doesNotMatch(v[0].message, /never detects/);
        });
        it("says so when a CODE_DEPLOY service has no deployment group in the stack", async () => {
            const v = await notify(without(compliantStack().build(false), "api-dg", "cd-failures", "cd-failures-to-sns"));
            assert.deepStrictEqual(names(v), ["api"]);
            assert.match(v[0].message, /no CodeDeploy deployment group in this stack manages it/);
            assert.match(v[0].message, /`ecs-service-requires-rollback`/);
            assert.match(v[0].message, /aws\.codedeploy/);
        });
    });
    describe("event pattern matching", () => {
        const up = () => compliantStack().build(false);
        it("accepts no resources filter, a prefix or a wildcard matching the service ARN", async () => {
            for (const extra of [{}, { resources: [{ prefix: "arn:aws:ecs:" }] }, { resources: [{ wildcard: "arn:aws:ecs:*:service/main/*" }] }, { resources: ["arn:aws:ecs:x", WEB_ARN] }]) {
                const v = await notify(setPattern(up(), "ecs-failures", ecsPattern(extra)));
                assert.deepStrictEqual(names(v), [], JSON.stringify(extra));
            }
        });
        it("rejects a pattern for another service, another event or another source", async () => {
            for (const p of [
                ecsPattern({ resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/main/other`] }),
                ecsPattern({ detail: { eventName: ["SERVICE_DEPLOYMENT_COMPLETED"] } }),
                ecsPattern({ source: ["aws.codedeploy"] }),
                ecsPattern({ "detail-type": ["ECS Service Action"] }),
                ecsPattern({ detail: { eventName: [{ "anything-but": "SERVICE_DEPLOYMENT_FAILED" }] } }),
                ecsPattern({ account: ["999999999999"] }),
            ]) {
                assert.deepStrictEqual(names(await notify(setPattern(up(), "ecs-failures", p))), ["web"], JSON.stringify(p));
            }
        });
        it("accepts content filters and $or that match", async () => {
            for (const p of [
                ecsPattern({ detail: { eventName: [{ prefix: "SERVICE_DEPLOYMENT_" }] } }),
                ecsPattern({ detail: { eventName: [{ "anything-but": ["SERVICE_DEPLOYMENT_COMPLETED"] }] } }),
                ecsPattern({ account: [ACCOUNT], region: [REGION] }),
                { source: ["aws.ecs"], $or: [{ "detail-type": ["ECS Deployment State Change"] }, { "detail-type": ["ECS Service Action"] }] },
                { source: ["aws.ecs", "aws.codedeploy"] },
            ]) {
                assert.deepStrictEqual(names(await notify(setPattern(up(), "ecs-failures", p))), [], JSON.stringify(p));
            }
        });
        it("checks the CodeDeploy deployment group and application", async () => {
            const cd = (detail: Record<string, unknown>) => ({ source: ["aws.codedeploy"], "detail-type": ["CodeDeploy Deployment State-change Notification"], detail });
            assert.deepStrictEqual(names(await notify(setPattern(up(), "cd-failures", cd({ state: ["FAILURE"], application: ["api-app"] })))), []);
            assert.deepStrictEqual(names(await notify(setPattern(up(), "cd-failures", cd({ state: ["FAILURE"] })))), []);
            assert.deepStrictEqual(names(await notify(setPattern(up(), "cd-failures", cd({ state: ["FAILURE"], deploymentGroup: ["other-dg"] })))), ["api"]);
            assert.deepStrictEqual(names(await notify(setPattern(up(), "cd-failures", cd({ state: ["SUCCESS"], deploymentGroup: ["api-dg"] })))), ["api"]);
        });
    });
    describe("delivery", () => {
        it("rejects a disabled rule or one on a custom bus, saying why", async () => {
            const disabled = await notify(mutate(compliantStack().build(false), "ecs-failures", (i) => { i.state = "DISABLED"; }));
            assert.deepStrictEqual(names(disabled), ["web"]);
            assert.match(disabled[0].message, /disabled/);
            const bus = await notify(mutate(compliantStack().build(false), "ecs-failures", (i) => { i.eventBusName = "apps"; }));
            assert.match(bus[0].message, /default bus/);
        });
        it("rejects a target that is not an SNS topic, or a topic EventBridge may not publish to", async () => {
            const sqs = await notify(mutate(compliantStack().build(false), "ecs-failures-to-sns", (i) => { i.arn = "arn:aws:sqs:eu-west-1:123456789012:q"; }).map((r) =>
                r.name === "ecs-failures-to-sns" ? { ...r, propertyDependencies: { rule: r.propertyDependencies.rule } } : r));
            assert.deepStrictEqual(names(sqs), ["web"]);
            assert.match(sqs[0].message, /not an SNS topic/);
            const noPolicy = await notify(without(compliantStack().build(false), "alerts-policy"));
            assert.deepStrictEqual(names(noPolicy), ["api", "web"]);
            assert.match(noPolicy[0].message, /events\.amazonaws\.com/);
        });
        it("accepts the topic's own policy instead of a TopicPolicy", async () => {
            const policy = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: ["events.amazonaws.com"] }, Action: ["sns:Publish"], Resource: "*" }] });
            const stack = mutate(without(compliantStack().build(false), "alerts-policy"), "alerts", (i) => { i.policy = policy; });
            assert.deepStrictEqual(names(await notify(stack)), []);
        });
        it("joins targets to rules by name when there are no dependencies", async () => {
            const stack = compliantStack().build(false).map((r) => (r.type === "aws:cloudwatch/eventTarget:EventTarget" ? { ...r, dependencies: [], propertyDependencies: {} } : r));
            assert.deepStrictEqual(names(await notify(stack)), []);
            const wrong = mutate(stack, "ecs-failures-to-sns", (i) => { i.rule = "nope"; });
            assert.deepStrictEqual(names(await notify(wrong)), ["web"]);
        });
    });
    it("skips exempt and EXTERNAL services", async () => {
        const stack = without(compliantStack().build(false), "ecs-failures", "ecs-failures-to-sns");
        const rep = await validateStack(deploymentFailuresNotify, stack, { config: { exemptResources: ["web"] } });
        assert.strictEqual(rep.violations.length, 0);
        const ext = mutate(stack, "web", (i) => { i.deploymentController = { type: "EXTERNAL" }; });
        assert.deepStrictEqual(names(await notify(ext)), []);
    });
    it("is linear: 400 services and 400 rules with exact ARNs", () => {
        const rs: RegisteredResource[] = [];
        const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:t`;
        const topicInputs = { name: "t", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish" }] }) };
        rs.push(single("aws:sns/topic:Topic", "t", topicInputs, { ...topicInputs, arn: topicArn }));
        const N = 400;
        for (let i = 0; i < N; i++) {
            const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/main/s${i}`;
            const svc = { name: `s${i}`, deploymentCircuitBreaker: { enable: true, rollback: true } };
            rs.push(single("aws:ecs/service:Service", `s${i}`, svc, { ...svc, arn }));
            // every second service is covered
            if (i % 2 === 0) {
                rs.push(single("aws:cloudwatch/eventRule:EventRule", `r${i}`, { name: `r${i}`, eventPattern: JSON.stringify(ecsPattern({ resources: [arn] })) }));
                rs.push(single("aws:cloudwatch/eventTarget:EventTarget", `t${i}`, { rule: `r${i}`, arn: topicArn }));
            }
        }
        const sr = toStackResources(stackArgs(rs).resources);
        const started = process.hrtime.bigint();
        const findings = checkDeploymentFailureNotifications(sr, { config: {}, index: new StackIndex(sr), isExempt: () => false });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        assert.strictEqual(findings.length, N / 2);
        assert.ok(findings.every((f) => Number(f.urn!.slice(f.urn!.lastIndexOf("::s") + 3)) % 2 === 1));
        assert.ok(ms < 1500, `took ${ms} ms`);
    });
    it("reports on the service URN", async () => {
        const stack = without(compliantStack().build(false), "ecs-failures");
        const rep = await validateStack(deploymentFailuresNotify, stack);
        assert.deepStrictEqual(rep.violations.map((v) => v.urn), [urnOf("aws:ecs/service:Service", "web")]);
        void U;
    });
});
