import { strict as assert } from "assert";
import fc from "fast-check";
import { alarmName, codeDeployName, eventRuleName, LIMITS, loadBalancerName, roleName, targetGroupName } from "../../components/naming";

/** Service names the schema accepts, stack names the Pulumi CLI accepts. */
const serviceName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/);
const stackName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/);
const ELB_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

let checked = 0;
describe("names (property-based)", () => {
    after(() => console.log(`      names: ${checked} generated cases checked`));

    it("stay within AWS limits, valid and unique within a stack for any service and stack names", () => {
        fc.assert(
            fc.property(stackName, fc.uniqueArray(serviceName, { minLength: 1, maxLength: 20 }), (stack, services) => {
                checked++;
                const tgs = new Set<string>();
                const alarms = new Set<string>();
                const roles = new Set<string>();
                for (const svc of services) {
                    for (const colour of ["blue", "green"] as const) {
                        const tg = targetGroupName(stack, svc, colour, "8080/HTTP");
                        assert.ok(tg.length <= LIMITS.targetGroup && ELB_NAME.test(tg), tg);
                        assert.ok(!tgs.has(tg), `duplicate target group ${tg}`);
                        tgs.add(tg);
                        for (const signal of ["5xx", "p99-latency", "unhealthy-hosts"] as const) {
                            const a = alarmName("ecs-deploy", stack, svc, colour, signal);
                            assert.ok(a.length <= LIMITS.alarm && !alarms.has(a), a);
                            alarms.add(a);
                        }
                    }
                    for (const purpose of ["execution", "task", "infrastructure", "codedeploy"]) {
                        const r = roleName("ecs-deploy", stack, `${svc}-${purpose}`);
                        assert.ok(r.length <= LIMITS.iamRole && !roles.has(r), r);
                        roles.add(r);
                    }
                    assert.ok(codeDeployName("ecs-deploy", stack, svc).length <= LIMITS.codeDeployName);
                    assert.ok(eventRuleName("ecs-deploy", stack, `${svc}-deployment-failed`).length <= LIMITS.eventRule);
                    const lb = loadBalancerName(stack, svc);
                    assert.ok(lb.length <= LIMITS.loadBalancer && ELB_NAME.test(lb), lb);
                }
                assert.notEqual(loadBalancerName(stack, "shared"), "");
            }),
            { numRuns: 300 },
        );
    });
});
