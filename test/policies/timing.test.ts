import { strict as assert } from "assert";
import { trafficShiftMinutes } from "../../components/codedeploy";
import {
    alarmDetection, circuitBreakerThreshold, deploymentConfigShiftMinutes, formatSeconds, PROVIDER_DEFAULTS, rolloutTiming, trafficRoutingShiftMinutes, withAwsDefaults,
    type TimingInputs,
} from "../../policies/lib/timing";

/** dev's web service: rolling, 1 task, the project's health-check defaults, 2 of 3 one-minute periods. */
const rolling: TimingInputs = {
    mode: "rolling",
    desiredCount: 1,
    circuitBreaker: true,
    healthCheck: { intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2 },
    gracePeriodSeconds: 60,
    deregistrationDelaySeconds: 30,
    alarm: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
};

describe("rollback timing model (hand-computed)", () => {
    it("circuit-breaker threshold: half the desired count rounded up, clamped to 3 and 200", () => {
        assert.deepEqual([1, 5, 6, 7, 399, 400, 401, 1000].map(circuitBreakerThreshold), [3, 3, 3, 4, 200, 200, 200, 200]);
    });

    it("an alarm that starts breaching fires after datapoints + 1 periods and the metric delay", () => {
        assert.equal(alarmDetection({ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 }), 60 * 3 + 60);
        assert.equal(alarmDetection({ periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }), 300 * 2 + 60);
    });

    it("rolling, 1 task: 3 waves to the minimum threshold", () => {
        const t = rolloutTiming(rolling);
        assert.equal(t.circuitBreakerThreshold, 3);
        assert.equal(t.neverStarts, 3 * 60); // three waves of one task that fails to start in 60 s
        assert.equal(t.failsHealthChecks, 3 * (Math.max(60, 60 + 1 * 15 + 5) + 30)); // 330: unhealthy at 80 s, drained 30 s
        assert.equal(t.tripsAlarm, 60 + 15 + 5 + (3 * 60 + 60)); // healthy at 80 s, then 240 s of alarm
        assert.deepEqual(t.recovery, { neverStarts: 0, failsHealthChecks: 0, tripsAlarm: 80 });
        assert.equal(t.goodRelease, 80 + 30);
        assert.equal(t.worstDetection, 330);
    });

    it("both ends of the clamp: 401 tasks need one wave at 200, 6 tasks one wave at 3, 2 tasks two waves", () => {
        assert.equal(rolloutTiming({ ...rolling, desiredCount: 401 }).neverStarts, 60);
        assert.equal(rolloutTiming({ ...rolling, desiredCount: 401 }).circuitBreakerThreshold, 200);
        assert.equal(rolloutTiming({ ...rolling, desiredCount: 6 }).neverStarts, 60);
        assert.equal(rolloutTiming({ ...rolling, desiredCount: 2 }).neverStarts, 120);
    });

    it("AWS's defaults for the same service: interval 30, grace 0, deregistration 300 make a failing version live much longer", () => {
        const t = rolloutTiming(withAwsDefaults(rolling));
        assert.equal(t.failsHealthChecks, 3 * (Math.max(0, 60 + 1 * 30 + 5) + 300)); // 1185
        assert.equal(t.goodRelease, 60 + 30 + 5 + 300);
    });

    it("blue/green: production switches once green is healthy; within the bake time a rollback is a switch back", () => {
        const t = rolloutTiming({ ...rolling, mode: "bluegreen", desiredCount: 3, bakeTimeMinutes: 15 });
        assert.equal(t.tripsAlarm, 80 + 10 + 240);
        assert.deepEqual(t.recovery, { neverStarts: 0, failsHealthChecks: 0, tripsAlarm: 10 });
        assert.equal(t.goodRelease, 80 + 10 + 15 * 60 + 30);
        assert.deepEqual(t.notes, []);
        const short = rolloutTiming({ ...rolling, mode: "bluegreen", desiredCount: 3, bakeTimeMinutes: 2 });
        assert.match(short.notes.join(), /240s of production traffic, the bake time is 120s/);
    });

    it("CodeDeploy: a replacement that never gets healthy waits up to an hour; an alarm reroutes in seconds", () => {
        const t = rolloutTiming({ ...rolling, mode: "codedeploy", desiredCount: 3, circuitBreaker: false, codeDeploy: { trafficShiftMinutes: 9, terminationWaitMinutes: 30 } });
        assert.equal(t.neverStarts, 3600);
        assert.equal(t.tripsAlarm, 80 + 240);
        assert.equal(t.recovery.tripsAlarm, 10);
        assert.equal(t.goodRelease, 80 + 9 * 60 + 30 * 60);
        assert.equal(t.circuitBreakerThreshold, undefined);
    });

    it("worker: the container health check decides; no load balancer to drain", () => {
        const t = rolloutTiming({
            mode: "worker",
            desiredCount: 2,
            circuitBreaker: true,
            containerHealthCheck: { intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 60 },
            gracePeriodSeconds: 0,
            deregistrationDelaySeconds: 0,
            alarm: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
        });
        assert.equal(t.neverStarts, 2 * 60); // threshold 3, two waves of two
        assert.equal(t.failsHealthChecks, 2 * (60 + 60 + 3 * 30 + 5 + 30)); // start, start period, three failed checks, stop
        assert.equal(t.tripsAlarm, 60 + 30 + 5 + 240);
    });

    it("without a circuit breaker, failures that never reach traffic are never detected", () => {
        const t = rolloutTiming({ ...rolling, circuitBreaker: false });
        assert.equal(t.neverStarts, undefined);
        assert.equal(t.failsHealthChecks, undefined);
        assert.match(t.notes.join(), /retried for hours/);
        assert.equal(formatSeconds(t.neverStarts), "never");
        assert.deepEqual([45, 60, 95, 3600].map(formatSeconds), ["45s", "1m", "1m35s", "60m"]);
        assert.deepEqual([119.7, 59.5, 0.4].map(formatSeconds), ["2m", "1m", "0s"]);
    });

    it("CodeDeploy shift minutes: the pack's copy of the parser agrees with the program's for every predefined ECS config", () => {
        const predefined = ["CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
            "CodeDeployDefault.ECSCanary10Percent5Minutes", "CodeDeployDefault.ECSCanary10Percent15Minutes"];
        assert.deepEqual(predefined.map(deploymentConfigShiftMinutes), [0, 9, 27, 5, 15]);
        for (const name of predefined) assert.equal(deploymentConfigShiftMinutes(name), trafficShiftMinutes(name as never), name);
        assert.equal(deploymentConfigShiftMinutes("CodeDeployDefault.OneAtATime"), undefined, "an EC2 config");
        assert.equal(deploymentConfigShiftMinutes("my-team-canary"), undefined, "a custom config: read its trafficRoutingConfig");
        assert.equal(trafficRoutingShiftMinutes("TimeBasedLinear", 25, 2), trafficShiftMinutes({ type: "linear", percent: 25, intervalMinutes: 2 } as never));
        assert.equal(trafficRoutingShiftMinutes("TimeBasedCanary", 10, 7), 7);
        assert.equal(trafficRoutingShiftMinutes("AllAtOnce", 0, 0), 0);
    });

    it("the provider's target-group defaults differ from AWS's API defaults in the thresholds (3 and 3, not 5 and 2)", () => {
        assert.deepEqual(PROVIDER_DEFAULTS.healthCheck, { intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 });
        assert.equal(PROVIDER_DEFAULTS.deregistrationDelaySeconds, 300);
    });
});
