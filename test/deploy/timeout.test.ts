import { strict as assert } from "node:assert";
import { DEFAULT_TIMEOUT_MINUTES, DEPLOYMENT_MARGIN_MINUTES, decideTimeout, expectedDeploymentMinutes } from "../../deploy/timeout";

describe("deploy/timeout", () => {
    describe("expectedDeploymentMinutes", () => {
        it("adds traffic shift, termination wait and the margin for task start and health checks", () => {
            assert.equal(DEPLOYMENT_MARGIN_MINUTES, 20);
            // prod: linear 10% every minute (9 min between first and last shift), 30 min termination wait.
            assert.equal(expectedDeploymentMinutes({ trafficShiftMinutes: 9, terminationWaitMinutes: 30 }), 59);
            // canary 10% then 90% after 5 min, 10 min wait.
            assert.equal(expectedDeploymentMinutes({ trafficShiftMinutes: 5, terminationWaitMinutes: 10 }), 35);
            // all at once, blue tasks terminated at once: the margin alone.
            assert.equal(expectedDeploymentMinutes({ trafficShiftMinutes: 0, terminationWaitMinutes: 0 }), 20);
        });

        it("is unknown when either figure is missing", () => {
            assert.equal(expectedDeploymentMinutes({}), undefined);
            assert.equal(expectedDeploymentMinutes({ trafficShiftMinutes: 9 }), undefined);
            assert.equal(expectedDeploymentMinutes({ terminationWaitMinutes: 30 }), undefined);
        });
    });

    describe("decideTimeout", () => {
        it("defaults to what the stack's deployment settings imply, and explains the sum", () => {
            const decision = decideTimeout(undefined, { trafficShiftMinutes: 9, terminationWaitMinutes: 30 });
            assert.equal(decision.minutes, 59);
            assert.equal(decision.warning, undefined);
            assert.equal(
                decision.explanation,
                "Timeout: 59 min = 9 min traffic shifting + 30 min termination wait + 20 min for task start and health checks (--timeout-minutes overrides).",
            );
        });

        it("keeps the 60-minute default when the outputs lack the figures, and says so", () => {
            const decision = decideTimeout(undefined, { terminationWaitMinutes: 30 });
            assert.equal(decision.minutes, DEFAULT_TIMEOUT_MINUTES);
            assert.equal(DEFAULT_TIMEOUT_MINUTES, 60);
            assert.match(decision.explanation, /^Timeout: 60 min, the default: the stack outputs do not give codeDeploy\.trafficShiftMinutes and terminationWaitMinutes \(run `pulumi up` to export them\)/);
            assert.equal(decision.warning, undefined);
        });

        it("takes an explicit --timeout-minutes, warning when it is shorter than the deployment can take", () => {
            const short = decideTimeout(30, { trafficShiftMinutes: 9, terminationWaitMinutes: 30 });
            assert.equal(short.minutes, 30);
            assert.equal(
                short.warning,
                "Warning: --timeout-minutes 30 is less than the 59 min this deployment can take (9 min traffic shifting + 30 min termination wait + " +
                    "20 min for task start and health checks): the command will stop watching before the deployment can finish (the deployment itself goes on).",
            );
            assert.equal(decideTimeout(59, { trafficShiftMinutes: 9, terminationWaitMinutes: 30 }).warning, undefined);
            assert.equal(decideTimeout(120, { trafficShiftMinutes: 9, terminationWaitMinutes: 30 }).minutes, 120);
        });

        it("does not warn about an explicit timeout when the stack does not say how long a deployment takes", () => {
            const decision = decideTimeout(5, {});
            assert.equal(decision.minutes, 5);
            assert.equal(decision.warning, undefined);
            assert.equal(decision.explanation, "Timeout: 5 min (--timeout-minutes).");
        });
    });
});
