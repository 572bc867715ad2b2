import { strict as assert } from "assert";
import fc from "fast-check";
import {
    MAX_EVALUATION_SECONDS,
    periodsTouched,
    startupUnhealthySpan,
    unhealthyHostsWindow,
    type AlarmWindow,
    type HealthCheckTiming,
} from "../../components/alarmWindows";
import { isWeb, parseStackConfig } from "../../config";
import type { RunResult } from "../../offline/engine";
import { PROJECT_DIR } from "../../offline/engine";
import { readStackConfig } from "../../offline/stackFiles";
import { ofType, runStack, runWithConfig, service } from "./helpers";

/**
 * An independent model of what the unhealthy-hosts alarm sees while one task starts: the load
 * balancer's health checks (initial → healthy on one pass, → unhealthy on U consecutive
 * failures, unhealthy → healthy on H consecutive passes), UnHealthyHostCount's Maximum per
 * period, and CloudWatch's M-of-N evaluation with missing data not breaching.
 */
interface Start {
    /** Registration time, seconds from a period boundary. */
    registeredAt: number;
    /** First health check, seconds after registration (the checks then run every interval). */
    firstCheck: number;
    /** Seconds after registration from which checks pass; undefined for a task that never gets healthy. */
    readyAfter: number | undefined;
    /** Seconds a failing / passing check takes to conclude (0 to the timeout). */
    failTakes: number;
    passTakes: number;
}

/** The [from, until) intervals in which the target counts as unhealthy, in absolute seconds. */
function unhealthyIntervals(hc: HealthCheckTiming, s: Start, horizon: number): [number, number][] {
    const out: [number, number][] = [];
    let state: "initial" | "healthy" | "unhealthy" = "initial";
    let fails = 0;
    let passes = 0;
    let since = 0;
    for (let t = s.registeredAt + s.firstCheck; t < horizon; t += hc.intervalSeconds) {
        const pass = s.readyAfter !== undefined && t >= s.registeredAt + s.readyAfter;
        const at = t + (pass ? s.passTakes : s.failTakes);
        if (pass) {
            fails = 0;
            passes++;
            if (state === "initial") state = "healthy";
            else if (state === "unhealthy" && passes >= hc.healthyThreshold) {
                state = "healthy";
                out.push([since, at]);
            }
        } else {
            passes = 0;
            fails++;
            if (state !== "unhealthy" && fails >= hc.unhealthyThreshold) {
                state = "unhealthy";
                since = at;
            }
        }
    }
    if (state === "unhealthy") out.push([since, horizon]);
    return out;
}

/** Indices of the periods whose Maximum is at least one unhealthy target. */
function breachingPeriods(intervals: [number, number][], period: number): Set<number> {
    const out = new Set<number>();
    for (const [from, until] of intervals) for (let p = Math.floor(from / period); p * period < until; p++) out.add(p);
    return out;
}

/** The first period at whose end the alarm is in ALARM, or undefined. */
function firstAlarm(breaching: Set<number>, window: AlarmWindow, periods: number): number | undefined {
    for (let end = 0; end < periods; end++) {
        let count = 0;
        for (let p = end - window.evaluationPeriods + 1; p <= end; p++) if (breaching.has(p)) count++;
        if (count >= window.datapointsToAlarm) return end;
    }
    return undefined;
}

/** Every start of a task ready by the end of its grace period, on a grid of alignments. */
function* goodStarts(hc: HealthCheckTiming, period: number, step = 1): Generator<Start> {
    const readyTimes = new Set([hc.gracePeriodSeconds, Math.floor(hc.gracePeriodSeconds / 2), 0]);
    for (let registeredAt = 0; registeredAt < period; registeredAt += step)
        for (let firstCheck = 0; firstCheck < hc.intervalSeconds; firstCheck += step)
            for (const readyAfter of readyTimes)
                for (const failTakes of [0, hc.timeoutSeconds])
                    for (const passTakes of [0, hc.timeoutSeconds]) yield { registeredAt, firstCheck, readyAfter, failTakes, passTakes };
}

interface Outcome {
    /** The most breaching periods one good start produced. */
    maxBreaching: number;
    /** How many good starts tripped the alarm. */
    trips: number;
}

function simulateGood(hc: HealthCheckTiming, period: number, window: AlarmWindow, step = 1): Outcome {
    const horizon = period * 2 + hc.gracePeriodSeconds + (hc.healthyThreshold + 2) * hc.intervalSeconds + hc.timeoutSeconds;
    const periods = Math.ceil(horizon / period) + window.evaluationPeriods;
    let maxBreaching = 0;
    let trips = 0;
    for (const s of goodStarts(hc, period, step)) {
        const breaching = breachingPeriods(unhealthyIntervals(hc, s, horizon), period);
        maxBreaching = Math.max(maxBreaching, breaching.size);
        if (firstAlarm(breaching, window, periods) !== undefined) trips++;
    }
    return { maxBreaching, trips };
}

/** Seconds after registration at which a task that never gets healthy puts the alarm in ALARM. */
function detectionSeconds(hc: HealthCheckTiming, period: number, window: AlarmWindow, s: Omit<Start, "readyAfter">): number | undefined {
    const horizon = s.registeredAt + hc.unhealthyThreshold * hc.intervalSeconds + hc.timeoutSeconds + (window.datapointsToAlarm + 2) * period;
    const periods = Math.ceil(horizon / period);
    const end = firstAlarm(breachingPeriods(unhealthyIntervals(hc, { ...s, readyAfter: undefined }, horizon), period), window, periods);
    return end === undefined ? undefined : (end + 1) * period - s.registeredAt;
}

// The defaults of config/schema.ts: grace 60 s, interval 15 s, timeout 5 s, healthy 3, unhealthy 2; period 60 s, 2 of 3.
const DEFAULT_HC: HealthCheckTiming = { gracePeriodSeconds: 60, intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2 };
const DEFAULT_ALARM = { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 };

describe("unhealthy-hosts alarm window", () => {
    it("worked example: grace 60 s, interval 15 s, timeout 5 s, healthy 3, unhealthy 2, period 60 s", () => {
        // Unhealthy at the earliest after the 2nd failed check: (2 − 1) × 15 = 15 s after registration
        // (the first check may run at once). Healthy at the latest after 3 passing checks that
        // begin within one interval of the grace period's end, the last answering within 5 s:
        // 60 + 3 × 15 + 5 = 110 s. A 95 s span touches at most ceil(95 / 60) + 1 = 3 periods.
        assert.deepEqual(startupUnhealthySpan(DEFAULT_HC), { from: 15, until: 110 });
        assert.equal(periodsTouched(95, 60), 3);
        // 3 breaching datapoints trip the configured 2 of 3; the alarm needs 4, in 4 periods.
        assert.deepEqual(unhealthyHostsWindow(DEFAULT_HC, DEFAULT_ALARM), { evaluationPeriods: 4, datapointsToAlarm: 4, startupDatapoints: 3 });
    });

    it("prod's web and api (interval 10 s, other settings default): 4 of 4 instead of 2 of 3", () => {
        const prod = parseStackConfig(readStackConfig(PROJECT_DIR, "prod"));
        for (const svc of prod.services.filter(isWeb)) {
            // (2 − 1) × 10 = 10 s to 60 + 3 × 10 + 5 = 95 s: 85 s, at most ceil(85 / 60) + 1 = 3 periods.
            assert.deepEqual(startupUnhealthySpan(svc.healthCheck), { from: 10, until: 95 }, svc.name);
            assert.deepEqual(svc.alarms.unhealthyHostsWindow, { evaluationPeriods: 4, datapointsToAlarm: 4, startupDatapoints: 3 }, svc.name);
            assert.equal(svc.alarms.evaluationPeriods, 3, svc.name);
            assert.equal(svc.alarms.datapointsToAlarm, 2, svc.name);
        }
    });

    it("the configured 2 of 3 rolls back a good slow-starting release; the sized window never does", () => {
        const before = simulateGood(DEFAULT_HC, 60, { evaluationPeriods: 3, datapointsToAlarm: 2 });
        assert.ok(before.trips > 0, "the model should reproduce the false rollback");
        const window = unhealthyHostsWindow(DEFAULT_HC, DEFAULT_ALARM);
        const after = simulateGood(DEFAULT_HC, 60, window);
        assert.equal(after.trips, 0);
        // The bound is reached in some alignment: the window is no longer than it must be.
        assert.equal(after.maxBreaching, window.startupDatapoints);
    });

    it("still trips for a task that never becomes healthy, within U × I + T + D × P of its registration", () => {
        const window = unhealthyHostsWindow(DEFAULT_HC, DEFAULT_ALARM);
        let worst = 0;
        for (let registeredAt = 0; registeredAt < 60; registeredAt++)
            for (let firstCheck = 0; firstCheck < 15; firstCheck++)
                for (const failTakes of [0, 5]) {
                    const seconds = detectionSeconds(DEFAULT_HC, 60, window, { registeredAt, firstCheck, failTakes, passTakes: 0 });
                    assert.ok(seconds !== undefined, `no alarm for registration at ${registeredAt}s, first check ${firstCheck}s`);
                    worst = Math.max(worst, seconds);
                }
        // 2 × 15 + 5 + 4 × 60 = 275 s at the latest (before CloudWatch's own delay).
        assert.ok(worst <= 275, `detected after ${worst}s`);
    });

    it("leaves the window alone when a task cannot count as unhealthy, and never goes below the configured one", () => {
        // Ready before the 2nd check can fail: never unhealthy.
        assert.equal(startupUnhealthySpan({ ...DEFAULT_HC, gracePeriodSeconds: 15 }), undefined);
        assert.deepEqual(unhealthyHostsWindow({ ...DEFAULT_HC, gracePeriodSeconds: 0 }, DEFAULT_ALARM), { evaluationPeriods: 3, datapointsToAlarm: 2, startupDatapoints: 0 });
        assert.deepEqual(unhealthyHostsWindow(DEFAULT_HC, { periodSeconds: 60, evaluationPeriods: 10, datapointsToAlarm: 8 }), { evaluationPeriods: 10, datapointsToAlarm: 8, startupDatapoints: 3 });
        assert.deepEqual(unhealthyHostsWindow(DEFAULT_HC, { periodSeconds: 60, evaluationPeriods: 6, datapointsToAlarm: 1 }), { evaluationPeriods: 6, datapointsToAlarm: 4, startupDatapoints: 3 });
        // A 5-minute period swallows the span: 95 s touches at most 2 periods of 300 s.
        assert.deepEqual(unhealthyHostsWindow(DEFAULT_HC, { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 2 }), { evaluationPeriods: 3, datapointsToAlarm: 3, startupDatapoints: 2 });
    });

    it("fits CloudWatch's one-day evaluation limit for every setting the config schema allows", () => {
        let longest = 0;
        for (const gracePeriodSeconds of [0, 7200])
            for (const intervalSeconds of [5, 300])
                for (const healthyThreshold of [2, 10])
                    for (const unhealthyThreshold of [2, 10])
                        for (const periodSeconds of [60, 300]) {
                            const hc = { gracePeriodSeconds, intervalSeconds, timeoutSeconds: Math.min(120, intervalSeconds - 1), healthyThreshold, unhealthyThreshold };
                            const w = unhealthyHostsWindow(hc, { periodSeconds, evaluationPeriods: 30, datapointsToAlarm: 30 });
                            longest = Math.max(longest, w.evaluationPeriods * periodSeconds);
                        }
        assert.equal(longest, 36 * 300);
        assert.ok(longest <= MAX_EVALUATION_SECONDS);
        assert.throws(() => unhealthyHostsWindow({ ...DEFAULT_HC, gracePeriodSeconds: 90_000 }, DEFAULT_ALARM), /86400s evaluation limit/);
    });

    it("property: for any valid settings no good start trips the window and a task that never gets healthy does", () => {
        const settings = fc
            .record({
                intervalSeconds: fc.integer({ min: 5, max: 300 }),
                healthyThreshold: fc.integer({ min: 2, max: 10 }),
                unhealthyThreshold: fc.integer({ min: 2, max: 10 }),
                gracePeriodSeconds: fc.integer({ min: 0, max: 7200 }),
                periodSeconds: fc.constantFrom(60, 300),
                evaluationPeriods: fc.integer({ min: 1, max: 30 }),
                timeoutFraction: fc.double({ min: 0, max: 1, noNaN: true }),
                datapointsFraction: fc.double({ min: 0, max: 1, noNaN: true }),
                alignment: fc.record({ registeredAt: fc.double({ min: 0, max: 1, noNaN: true }), firstCheck: fc.double({ min: 0, max: 1, noNaN: true }), ready: fc.double({ min: 0, max: 1, noNaN: true }) }),
                failTakesTimeout: fc.boolean(),
                passTakesTimeout: fc.boolean(),
            })
            .map((s) => {
                const maxTimeout = Math.min(120, s.intervalSeconds - 1);
                const hc: HealthCheckTiming = {
                    gracePeriodSeconds: s.gracePeriodSeconds,
                    intervalSeconds: s.intervalSeconds,
                    timeoutSeconds: 2 + Math.floor(s.timeoutFraction * (maxTimeout - 2)),
                    healthyThreshold: s.healthyThreshold,
                    unhealthyThreshold: s.unhealthyThreshold,
                };
                const alarm = { periodSeconds: s.periodSeconds, evaluationPeriods: s.evaluationPeriods, datapointsToAlarm: 1 + Math.floor(s.datapointsFraction * (s.evaluationPeriods - 1)) };
                const start: Start = {
                    registeredAt: s.alignment.registeredAt * s.periodSeconds,
                    firstCheck: s.alignment.firstCheck * s.intervalSeconds,
                    readyAfter: s.alignment.ready * s.gracePeriodSeconds,
                    failTakes: s.failTakesTimeout ? hc.timeoutSeconds : 0,
                    passTakes: s.passTakesTimeout ? hc.timeoutSeconds : 0,
                };
                return { hc, alarm, start };
            });
        fc.assert(
            fc.property(settings, ({ hc, alarm, start }) => {
                const window = unhealthyHostsWindow(hc, alarm);
                assert.ok(window.datapointsToAlarm >= alarm.datapointsToAlarm && window.evaluationPeriods >= alarm.evaluationPeriods);
                assert.ok(window.datapointsToAlarm <= window.evaluationPeriods);
                const horizon = start.registeredAt + hc.gracePeriodSeconds + (hc.healthyThreshold + 2) * hc.intervalSeconds + hc.timeoutSeconds + 2 * alarm.periodSeconds;
                const breaching = breachingPeriods(unhealthyIntervals(hc, start, horizon), alarm.periodSeconds);
                assert.ok(breaching.size <= window.startupDatapoints, `${breaching.size} breaching periods, bound ${window.startupDatapoints}`);
                assert.equal(firstAlarm(breaching, window, Math.ceil(horizon / alarm.periodSeconds) + window.evaluationPeriods), undefined);
                const detected = detectionSeconds(hc, alarm.periodSeconds, window, start);
                assert.ok(detected !== undefined && detected <= hc.unhealthyThreshold * hc.intervalSeconds + hc.timeoutSeconds + window.datapointsToAlarm * alarm.periodSeconds);
            }),
            { numRuns: 300 },
        );
    });
});

describe("unhealthy-hosts alarms as registered", () => {
    const alarmsOf = (r: RunResult) => ofType(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
    const signal = (name: string) => name.replace(/^.*-(blue|green)-/, "");

    it("use the sized window while the 5xx and latency alarms keep the configured one (defaults)", async () => {
        const result = await runWithConfig({ services: [service("web")] });
        assert.equal(result.error, undefined, result.error?.stack);
        const alarms = alarmsOf(result);
        assert.equal(alarms.length, 6);
        for (const a of alarms) {
            const expected = signal(a.name) === "unhealthy-hosts" ? [4, 4] : [3, 2];
            assert.deepEqual([a.evaluationPeriods, a.datapointsToAlarm], expected, a.name);
        }
    });

    it("in prod: 4 of 4 for unhealthy hosts, 2 of 3 for the rest", async () => {
        const result = await runStack("prod");
        assert.equal(result.error, undefined, result.error?.stack);
        // The worker's queue alarms are not target-group alarms.
        const alarms = alarmsOf(result).filter((a) => !a.name.includes("-queue-"));
        assert.equal(alarms.length, 12);
        for (const a of alarms) {
            const expected = signal(a.name) === "unhealthy-hosts" ? [4, 4] : [3, 2];
            assert.deepEqual([a.evaluationPeriods, a.datapointsToAlarm], expected, a.name);
        }
    });
});
