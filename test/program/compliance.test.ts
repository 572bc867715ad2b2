import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { EXIT, planCommand, planStack } from "../../offline/plan";
import { PROGRAM } from "../../offline/engine";
import { planOf } from "./helpers";

/** index.ts, with a client-side transformation that turns a safety net off, as a careless edit would. */
function brokenProgram(type: string, change: (props: Record<string, any>) => Record<string, any>) {
    return () => {
        pulumi.runtime.registerStackTransformation((args) => (args.type === type ? { props: change(args.props), opts: args.opts } : undefined));
        delete require.cache[require.resolve(PROGRAM)];
        return require(PROGRAM);
    };
}

describe("our own stacks comply with the policy pack", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every registered resource passes, no mandatory violation`, async () => {
            const { plan, policy } = await planOf(stack);
            assert.equal(plan.error, undefined);
            assert.ok(policy, "the pack ran");
            assert.equal(policy!.mandatoryCount, 0, JSON.stringify(policy!.violations, null, 2));
            assert.ok(policy!.policies.length >= 7);
        });
    }

    it("catches a deliberately broken variant: rollback turned off (plan exits 1 and names the rule)", async () => {
        let text = "";
        const code = await planCommand(["dev"], {
            out: (t) => (text += t),
            program: brokenProgram("aws:ecs/service:Service", (p) => ({ ...p, deploymentCircuitBreaker: { enable: true, rollback: false } })),
        });
        assert.equal(code, EXIT.mandatoryViolation, text);
        assert.match(text, /\[ecs-service-requires-rollback\] aws:ecs\/service:Service web/);
        assert.match(text, /fix: /);
    });

    it("catches a target group without a health-check path", async () => {
        const { policy } = await planStack({
            stack: "prod",
            program: brokenProgram("aws:lb/targetGroup:TargetGroup", (p) => ({ ...p, healthCheck: { ...p.healthCheck, path: undefined } })),
        });
        const names = new Set(policy!.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName));
        assert.ok(names.has("target-group-health-check-path"), [...names].join(", "));
    });

    it("catches a CodeDeploy group without alarms", async () => {
        const { policy } = await planStack({
            stack: "prod",
            program: brokenProgram("aws:codedeploy/deploymentGroup:DeploymentGroup", (p) => ({ ...p, alarmConfiguration: { enabled: false, alarms: [] } })),
        });
        assert.ok(policy!.violations.some((v) => v.policyName === "codedeploy-requires-alarms" && v.enforcementLevel === "mandatory"));
    });
});
