import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { checkBlueGreenBakeTime, checkHealthCheckGracePeriod, checkRollingAlarmRollback, testListenerNotPublic } from "../../policies/rules/advisory";
import { compliantStack, mutate, single, U, urnOf } from "./fixtures";
import { validateStack } from "./helpers";

const SVC = "aws:ecs/service:Service";
const ctx = { urn: urnOf(SVC, "svc"), name: "svc", type: SVC, config: {} };
const lb = [{ targetGroupArn: "arn:tg", containerName: "app", containerPort: 80 }];

describe("ecs-health-check-grace-period", () => {
    it("wants a grace period > 0 behind a load balancer", () => {
        assert.strictEqual(checkHealthCheckGracePeriod({ loadBalancers: lb }, ctx).length, 1);
        assert.strictEqual(checkHealthCheckGracePeriod({ loadBalancers: lb, healthCheckGracePeriodSeconds: 0 }, ctx).length, 1);
        assert.deepStrictEqual(checkHealthCheckGracePeriod({ loadBalancers: lb, healthCheckGracePeriodSeconds: 60 }, ctx), []);
        assert.deepStrictEqual(checkHealthCheckGracePeriod({}, ctx), []);
        assert.deepStrictEqual(checkHealthCheckGracePeriod({ loadBalancers: [] }, ctx), []);
        assert.ok(checkHealthCheckGracePeriod({ loadBalancers: lb, healthCheckGracePeriodSeconds: U }, ctx)[0].undecided);
    });
    it("counts load balancer entries, not whatever loadBalancers holds", () => {
        for (const loadBalancers of [" ", 0, false, [42], [null, ""]]) {
            assert.deepStrictEqual(checkHealthCheckGracePeriod({ loadBalancers }, ctx), [], JSON.stringify(loadBalancers));
        }
        assert.strictEqual(checkHealthCheckGracePeriod({ loadBalancers: lb[0] }, ctx).length, 1, "a lone entry");
        assert.strictEqual(checkHealthCheckGracePeriod({ loadBalancers: [U] }, ctx).length, 1, "an unknown element is still an entry");
        assert.strictEqual(checkHealthCheckGracePeriod({ loadBalancers: lb, healthCheckGracePeriodSeconds: "0x3c" }, ctx).length, 1, "decimal only");
    });
});

describe("ecs-rolling-alarm-rollback", () => {
    it("wants alarms with enable and rollback on rolling services", () => {
        assert.strictEqual(checkRollingAlarmRollback({}, ctx).length, 1);
        assert.match(checkRollingAlarmRollback({ alarms: { alarmNames: ["a"], enable: true, rollback: false } }, ctx)[0].message, /alarms.rollback/);
        assert.match(checkRollingAlarmRollback({ alarms: { alarmNames: [], enable: true, rollback: true } }, ctx)[0].message, /alarmNames is empty/);
        assert.deepStrictEqual(checkRollingAlarmRollback({ alarms: { alarmNames: ["a"], enable: true, rollback: true } }, ctx), []);
    });
    it("wants a non-blank alarm name, and reports what is known wrong next to an unknown", () => {
        for (const alarmNames of [[null], [""], ["  "], [42]]) {
            assert.match(checkRollingAlarmRollback({ alarms: { alarmNames, enable: true, rollback: true } }, ctx)[0].message, /alarmNames is empty/, JSON.stringify(alarmNames));
        }
        assert.deepStrictEqual(checkRollingAlarmRollback({ alarms: { alarmNames: [U], enable: true, rollback: true } }, ctx), []);
        const f = checkRollingAlarmRollback({ alarms: { alarmNames: U, enable: false, rollback: true } }, ctx);
        assert.ok(f.length === 1 && !f[0].undecided && /alarms.enable is not true/.test(f[0].message), JSON.stringify(f));
    });
    it("skips blue/green and CODE_DEPLOY services", () => {
        for (const strategy of ["BLUE_GREEN", "LINEAR", "CANARY", "canary"]) {
            assert.deepStrictEqual(checkRollingAlarmRollback({ deploymentConfiguration: { strategy } }, ctx), [], strategy);
        }
        assert.deepStrictEqual(checkRollingAlarmRollback({ deploymentController: { type: "CODE_DEPLOY" } }, ctx), []);
        assert.strictEqual(checkRollingAlarmRollback({ deploymentConfiguration: { strategy: "ROLLING" } }, ctx).length, 1);
        assert.ok(checkRollingAlarmRollback({ alarms: U }, ctx)[0].undecided);
    });
});

describe("ecs-blue-green-bake-time", () => {
    const bg = (extra: Record<string, unknown>) => ({ deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" }, ...extra });
    const adv = { targetGroupArn: "arn:blue", containerName: "app", containerPort: 80, advancedConfiguration: { alternateTargetGroupArn: "arn:green", productionListenerRule: "arn:rule", roleArn: "arn:role" } };
    it("wants a bake time and an alternate target group per load balancer", () => {
        assert.deepStrictEqual(checkBlueGreenBakeTime(bg({ loadBalancers: [adv] }), ctx), []);
        assert.match(checkBlueGreenBakeTime({ deploymentConfiguration: { strategy: "BLUE_GREEN" }, loadBalancers: [adv] }, ctx)[0].message, /bake time/);
        assert.match(checkBlueGreenBakeTime(bg({ loadBalancers: [adv, lb[0]] }), ctx)[0].message, /load balancer #1/);
        assert.strictEqual(checkBlueGreenBakeTime({ deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: "0" } }, ctx).length, 1);
        assert.strictEqual(checkBlueGreenBakeTime({ deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: "0x3c" } }, ctx).length, 1, "decimal only");
    });
    it("wants a non-blank alternate target group, on load balancer entries only", () => {
        const blank = { ...adv, advancedConfiguration: { ...adv.advancedConfiguration, alternateTargetGroupArn: "  " } };
        assert.match(checkBlueGreenBakeTime(bg({ loadBalancers: [blank] }), ctx)[0].message, /alternateTargetGroupArn/);
        assert.deepStrictEqual(checkBlueGreenBakeTime(bg({ loadBalancers: [adv, 42, null, []] }), ctx), []);
    });
    it("skips rolling services; unknown ARNs count as set", () => {
        assert.deepStrictEqual(checkBlueGreenBakeTime({ loadBalancers: lb }, ctx), []);
        assert.deepStrictEqual(checkBlueGreenBakeTime(bg({ loadBalancers: [{ ...adv, advancedConfiguration: { alternateTargetGroupArn: U } }] }), ctx), []);
        assert.ok(checkBlueGreenBakeTime({ deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: U } }, ctx)[0].undecided);
    });
});

describe("test-listener-not-public", () => {
    const P = "test-listener-not-public";
    const run = async (stack: RegisteredResource[], config?: Record<string, unknown>, preview = false) =>
        (await runPolicyPack(stack, { preview, config })).violations.filter((v) => v.policyName === P);
    it("passes the compliant stack (8080 open to 10.0.0.0/8 only, 443 public)", async () => {
        assert.deepStrictEqual(await run(compliantStack().build(false)), []);
        assert.deepStrictEqual(await run(compliantStack().build(true), undefined, true), []);
    });
    it("flags 0.0.0.0/0 on the test port through each kind of rule", async () => {
        const viaIngressRule = mutate(compliantStack().build(false), "alb-test-ingress", (i) => { i.cidrIpv4 = "0.0.0.0/0"; });
        const viaInline = mutate(compliantStack().build(false), "alb-sg", (i) => { i.ingress.push({ protocol: "tcp", fromPort: 8000, toPort: 9000, cidrBlocks: [], ipv6CidrBlocks: ["::/0"] }); });
        const viaAllTraffic = mutate(compliantStack().build(false), "alb-sg", (i) => { i.ingress.push({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }); });
        const sgRule = single("aws:ec2/securityGroupRule:SecurityGroupRule", "open-8080", { type: "ingress", securityGroupId: "sg-0alb", protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] });
        const viaSgRule = [...compliantStack().build(false), sgRule];
        for (const [label, stack] of [["ingress rule", viaIngressRule], ["inline", viaInline], ["all traffic", viaAllTraffic], ["sg rule", viaSgRule]] as const) {
            const v = await run(stack);
            assert.deepStrictEqual(v.map((x) => [x.resourceName, x.enforcementLevel]), [["test", "advisory"]], label);
            assert.match(v[0].message, /port 8080/);
        }
        // joined by URN during preview, where the security group id is unknown
        const preview = mutate(compliantStack().build(true), "alb-test-ingress", (i) => { i.cidrIpv4 = "0.0.0.0/0"; });
        assert.strictEqual((await run(preview, undefined, true)).length, 1);
    });
    for (const ruleType of ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule", "aws:elasticloadbalancingv2/listenerRule:ListenerRule"]) {
        it(`counts a listener whose ${ruleType} forwards as a test listener`, async () => {
            const stack = compliantStack().build(false);
            const lbArn = stack.find((r) => r.name === "alb")!.outputs.arn;
            const listener = single("aws:alb/listener:Listener", "canary", { loadBalancerArn: lbArn, port: 9000, protocol: "HTTP",
                defaultActions: [{ type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain" } }] },
            { loadBalancerArn: lbArn, port: 9000, arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/alb/abc/9000" });
            const open = single("aws:ec2/securityGroupRule:SecurityGroupRule", "open-9000", { type: "ingress", securityGroupId: "sg-0alb", protocol: "tcp", fromPort: 9000, toPort: 9000, cidrBlocks: ["0.0.0.0/0"] });
            assert.deepStrictEqual(await run([...stack, listener, open]), [], "fixed-response only: not a test listener");
            const rule = single(ruleType, "canary-rule", { listenerArn: listener.outputs.arn, priority: 1, actions: [{ type: "forward", targetGroupArn: "arn:tg" }] });
            assert.deepStrictEqual((await run([...stack, listener, open, rule])).map((v) => v.resourceName), ["canary"]);
        });
    }

    it("treats configured ports as test listeners and production ports as not", async () => {
        const stack = mutate(compliantStack().build(false), "alb-test-ingress", (i) => { i.cidrIpv4 = "0.0.0.0/0"; });
        assert.deepStrictEqual(await run(stack, { [P]: { productionListenerPorts: [80, 443, 8080] } }), []);
        const https = await run(compliantStack().build(false), { [P]: { testListenerPorts: [443] } });
        assert.deepStrictEqual(https.map((x) => x.resourceName), ["https"]);
        const rep = await validateStack(testListenerNotPublic, stack, { config: { exemptResources: ["test"] } });
        assert.strictEqual(rep.violations.length, 0);
    });
});
