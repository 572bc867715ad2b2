import { strict as assert } from "node:assert";
import {
    DescribeServiceDeploymentsCommand,
    DescribeServicesCommand,
    ECSClient,
    ListServiceDeploymentsCommand,
    type Deployment,
    type Service,
    type ServiceDeployment,
    type ServiceEvent,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import {
    ALARM_BAKE_MINUTES,
    TASK_START_AND_HEALTH_MINUTES,
    assessEcsDeployment,
    describeEcsProgress,
    ecsDeploymentTimeout,
    followEcsDeployment,
    rollingBatches,
    shortTaskDefinition,
    unseenEvents,
    type EcsServiceRef,
} from "../../deploy/ecsDeployment";
import { fakeClock, recordingReporter, type FakeClock, type RecordingReporter } from "./helpers";

const TD6 = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:6";
const TD7 = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:7";
const SD_ARN = "arn:aws:ecs:eu-west-1:111122223333:service-deployment/main/web-svc/Abc123";
const CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start.";
const ALARMS = ["ecs-deploy-prod-web-blue-5xx", "ecs-deploy-prod-web-blue-p99-latency"];

function at(second: number): Date {
    return new Date(Date.UTC(2025, 0, 1, 10, 0, second));
}

function dep(id: string, status: "PRIMARY" | "ACTIVE", taskDefinition: string, rolloutState: Deployment["rolloutState"], extra: Partial<Deployment> = {}): Deployment {
    return { id, status, taskDefinition, rolloutState, desiredCount: 2, runningCount: 2, pendingCount: 0, failedTasks: 0, createdAt: at(0), ...extra };
}

function event(second: number, message: string): ServiceEvent {
    return { id: `ev-${second}`, createdAt: at(second), message };
}

/** A rolling service as this stack declares it: circuit breaker and alarms with rollback, 100/200, grace 60 s. */
function service(deployments: Deployment[], extra: Partial<Service> = {}): Service {
    return {
        serviceName: "web-svc",
        status: "ACTIVE",
        desiredCount: 2,
        healthCheckGracePeriodSeconds: 60,
        deploymentConfiguration: {
            strategy: "ROLLING",
            minimumHealthyPercent: 100,
            maximumPercent: 200,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            alarms: { alarmNames: ALARMS, enable: true, rollback: true },
        },
        deployments,
        events: [],
        ...extra,
    };
}

function serviceDeployment(status: ServiceDeployment["status"], extra: Partial<ServiceDeployment> = {}): ServiceDeployment {
    return { serviceDeploymentArn: SD_ARN, status, ...extra };
}

describe("deploy/ecsDeployment", () => {
    describe("ecsDeploymentTimeout (the formula)", () => {
        it("rolling: one batch of grace period + task start and health checks, plus the alarm bake time", () => {
            assert.equal(TASK_START_AND_HEALTH_MINUTES, 10);
            assert.equal(ALARM_BAKE_MINUTES, 10);
            const decision = ecsDeploymentTimeout(service([]));
            assert.equal(decision.minutes, 1 + 10 + 10);
            assert.equal(
                decision.explanation,
                "Timeout: 21 min = 1 min health-check grace period + 10 min for task start and health checks + 10 min deployment-alarm bake time (--timeout-minutes overrides).",
            );
        });

        it("rounds the grace period up to whole minutes and leaves the alarm bake out without alarms", () => {
            const decision = ecsDeploymentTimeout({ healthCheckGracePeriodSeconds: 90, desiredCount: 4, deploymentConfiguration: { strategy: "ROLLING" } });
            assert.equal(decision.minutes, 2 + 10);
        });

        it("rolling with less headroom replaces the tasks in several batches, each with its own grace period", () => {
            const decision = ecsDeploymentTimeout({
                healthCheckGracePeriodSeconds: 120,
                desiredCount: 4,
                deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100, alarms: { alarmNames: ALARMS, enable: true, rollback: true } },
            });
            assert.equal(decision.minutes, 2 * (2 + 10) + 10);
            assert.match(decision.explanation, /2 batches × \(2 min health-check grace period/);
        });

        it("blue/green: one set of new tasks plus the bake time, no separate alarm bake", () => {
            const decision = ecsDeploymentTimeout({
                healthCheckGracePeriodSeconds: 60,
                desiredCount: 2,
                deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 15, alarms: { alarmNames: ALARMS, enable: true, rollback: true } },
            });
            assert.equal(decision.minutes, 1 + 10 + 15);
            assert.match(decision.explanation, /15 min bake time/);
        });

        it("linear and canary add their step and canary bake times", () => {
            assert.equal(
                ecsDeploymentTimeout({ deploymentConfiguration: { strategy: "LINEAR", bakeTimeInMinutes: 5, linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } } }).minutes,
                0 + 10 + 4 * 2 + 5,
            );
            assert.equal(
                ecsDeploymentTimeout({ deploymentConfiguration: { strategy: "CANARY", bakeTimeInMinutes: 5, canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 7 } } }).minutes,
                0 + 10 + 7 + 5,
            );
        });

        it("--timeout-minutes wins, with a warning only when shorter than the formula", () => {
            const short = ecsDeploymentTimeout(service([]), 5);
            assert.equal(short.minutes, 5);
            assert.equal(short.expectedMinutes, 21);
            assert.match(short.warning!, /--timeout-minutes 5 is less than the 21 min/);
            assert.equal(ecsDeploymentTimeout(service([]), 45).warning, undefined);
        });

        it("rollingBatches: headroom decides, never more batches than tasks", () => {
            assert.equal(rollingBatches(2, 100, 200), 1);
            assert.equal(rollingBatches(4, 50, 100), 2);
            assert.equal(rollingBatches(6, 100, 125), 4);
            assert.equal(rollingBatches(2, 100, 125), 2);
            assert.equal(rollingBatches(3, 100, 100), 3);
            assert.equal(rollingBatches(undefined), 1);
        });
    });

    describe("assessEcsDeployment", () => {
        /** `declared: null` for a stack whose outputs lack taskDefinitionArn. */
        const assess = (svc: Service, sd?: ServiceDeployment, followedId = "ecs-svc/7", declared: string | null = TD7, followedLastSeen?: Deployment) =>
            assessEcsDeployment({ snapshot: { service: svc, serviceDeployment: sd }, followedId, declaredTaskDefinitionArn: declared ?? undefined, followedLastSeen });

        it("completed: PRIMARY COMPLETED on the stack's revision, alone, service deployment SUCCESSFUL", () => {
            const verdict = assess(service([dep("ecs-svc/7", "PRIMARY", TD7, "COMPLETED")]), serviceDeployment("SUCCESSFUL"));
            assert.deepEqual(verdict, { state: "completed", summary: "runs web:7 (the stack's revision), 2/2 tasks", notes: [] });
        });

        it("in progress while the old deployment still drains, or the service deployment still bakes", () => {
            const draining = service([dep("ecs-svc/7", "PRIMARY", TD7, "COMPLETED"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED", { runningCount: 1 })]);
            assert.equal(assess(draining).state, "inProgress");
            const baking = service([dep("ecs-svc/7", "PRIMARY", TD7, "COMPLETED")]);
            assert.equal(assess(baking, serviceDeployment("IN_PROGRESS", { lifecycleStage: "BAKE_TIME" })).state, "inProgress");
            assert.equal(assess(service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS")])).state, "inProgress");
        });

        it("rolled back by the circuit breaker: the failed deployment's reason, ECS back on the previous revision", () => {
            const svc = service([
                dep("ecs-svc/8", "PRIMARY", TD6, "IN_PROGRESS", { runningCount: 1 }),
                dep("ecs-svc/7", "ACTIVE", TD7, "FAILED", { rolloutStateReason: CIRCUIT_BREAKER_REASON, failedTasks: 3 }),
            ]);
            const verdict = assess(svc);
            assert.equal(verdict.state, "rolledBack");
            assert.ok(verdict.state === "rolledBack");
            assert.match(verdict.summary, /deployment ecs-svc\/7 \(web:7\) FAILED \(circuit breaker\); rolling back: ECS runs web:6/);
            assert.deepEqual(verdict.details, [`  reason: ${CIRCUIT_BREAKER_REASON}`]);
        });

        it("rolled back once it is over: the PRIMARY runs another revision than the stack declares", () => {
            const verdict = assess(service([dep("ecs-svc/8", "PRIMARY", TD6, "COMPLETED")]), undefined, "ecs-svc/8");
            assert.equal(verdict.state, "rolledBack");
            assert.ok(verdict.state === "rolledBack");
            assert.match(verdict.summary, /ECS runs web:6 \(COMPLETED\), not the stack's web:7/);
        });

        it("rolled back by an alarm, named from the service deployment", () => {
            const verdict = assess(
                service([dep("ecs-svc/8", "PRIMARY", TD6, "IN_PROGRESS")]),
                serviceDeployment("ROLLBACK_IN_PROGRESS", {
                    alarms: { status: "TRIGGERED", alarmNames: ALARMS, triggeredAlarmNames: [ALARMS[0]] },
                    deploymentCircuitBreaker: { status: "MONITORING", failureCount: 0, threshold: 3 },
                    rollback: { reason: "Service deployment rolled back because of alarm", serviceRevisionArn: "arn:rev/6" },
                }),
            );
            assert.ok(verdict.state === "rolledBack");
            assert.deepEqual(verdict.triggeredAlarms, [ALARMS[0]]);
            assert.match(verdict.summary, new RegExp(`^rolling back by the deployment alarm ${ALARMS[0]}; ECS runs web:6`));
            assert.ok(verdict.details.includes("  reason: Service deployment rolled back because of alarm"));
        });

        it("names an alarm from the legacy rolloutStateReason when service deployments are unavailable", () => {
            const reason = `ECS deployment ecs-svc/7 failed: alarm ${ALARMS[1]} is in ALARM state.`;
            const verdict = assess(
                service([dep("ecs-svc/8", "PRIMARY", TD6, "IN_PROGRESS"), dep("ecs-svc/7", "ACTIVE", TD7, "FAILED", { rolloutStateReason: reason })]),
            );
            assert.ok(verdict.state === "rolledBack");
            assert.deepEqual(verdict.triggeredAlarms, [ALARMS[1]]);
            assert.match(verdict.summary, new RegExp(`FAILED \\(deployment alarm ${ALARMS[1]}\\)`));
        });

        it("sees a rollback on the same revision (a forced deployment) only through the service deployment", () => {
            const svc = service([dep("ecs-svc/9", "PRIMARY", TD7, "COMPLETED")]);
            assert.equal(assess(svc, undefined, "ecs-svc/9").state, "completed");
            const verdict = assess(
                svc,
                serviceDeployment("ROLLBACK_SUCCESSFUL", { deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 } }),
                "ecs-svc/9",
            );
            assert.ok(verdict.state === "rolledBack");
            assert.match(verdict.summary, /^rolled back by the circuit breaker \(3 failed tasks, threshold 3\)/);
        });

        it("failed, not rolled back, when the service has no rollback configured", () => {
            const svc = service([dep("ecs-svc/7", "PRIMARY", TD7, "FAILED", { rolloutStateReason: CIRCUIT_BREAKER_REASON })], {
                deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
            });
            assert.equal(assess(svc).state, "failed");
            const rollingBack = service([dep("ecs-svc/7", "PRIMARY", TD7, "FAILED", { rolloutStateReason: CIRCUIT_BREAKER_REASON })]);
            assert.equal(assess(rollingBack).state, "rolledBack");
        });

        it("a failed rollback is a failure", () => {
            const verdict = assess(service([dep("ecs-svc/8", "PRIMARY", TD6, "IN_PROGRESS")]), serviceDeployment("ROLLBACK_FAILED"));
            assert.equal(verdict.state, "failed");
        });

        it("vanished: the followed deployment replaced by another of the same revision, with its last reason", () => {
            const verdict = assess(service([dep("ecs-svc/9", "PRIMARY", TD7, "IN_PROGRESS")]), undefined, "ecs-svc/7", TD7, dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS"));
            assert.ok(verdict.state === "vanished");
            assert.equal(verdict.summary, "deployment ecs-svc/7 is gone: replaced by ecs-svc/9 (web:7, IN_PROGRESS)");
        });

        it("without taskDefinitionArn nor service deployments, a completed service comes with a note", () => {
            const verdict = assess(service([dep("ecs-svc/8", "PRIMARY", TD6, "COMPLETED")]), undefined, "ecs-svc/8", null);
            assert.ok(verdict.state === "completed");
            assert.equal(verdict.summary, "runs web:6, 2/2 tasks");
            assert.match(verdict.notes[0], /cannot be told apart/);
        });
    });

    describe("text", () => {
        it("describes the PRIMARY deployment, tasks, failures, deployments and the service deployment stage", () => {
            const text = describeEcsProgress({
                service: service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS", { runningCount: 1, pendingCount: 1, failedTasks: 2 }), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]),
                serviceDeployment: serviceDeployment("IN_PROGRESS", { lifecycleStage: "SCALE_UP" }),
            });
            assert.equal(text, "web:7 IN_PROGRESS | running 1/2, pending 1 | failed tasks 2 | 2 deployments | service deployment IN_PROGRESS SCALE_UP");
            assert.equal(shortTaskDefinition(TD7), "web:7");
        });

        it("unseenEvents: the newest few not printed yet, oldest first, each once", () => {
            const printed = new Set<string>();
            const events = [event(5, "e5"), event(4, "e4"), event(3, "e3"), event(2, "e2"), event(1, "e1")];
            assert.deepEqual(unseenEvents(events, printed, 2), { shown: [event(4, "e4"), event(5, "e5")], omitted: 3 });
            assert.deepEqual(unseenEvents([event(6, "e6"), ...events], printed, 2), { shown: [event(6, "e6")], omitted: 0 });
            assert.deepEqual(unseenEvents([event(6, "e6"), ...events], printed, 2).shown, []);
        });
    });

    describe("followEcsDeployment", () => {
        const ecs = new ECSClient({ region: "eu-west-1" });
        const ecsMock = mockClient(ecs);
        let reporter: RecordingReporter;
        let clock: FakeClock;
        const target: EcsServiceRef = { clusterName: "main", serviceName: "web-svc", declaredTaskDefinitionArn: TD7 };
        const follow = (options: { timeoutMinutes?: number; signal?: AbortSignal } = {}, ref = target) =>
            followEcsDeployment(ref, { pollMs: 10_000, ...options }, { ecs, reporter, clock });

        function describeServices(...services: Service[]): void {
            let stub = ecsMock.on(DescribeServicesCommand, { cluster: "main", services: ["web-svc"] });
            for (const svc of services.slice(0, -1)) stub = stub.resolvesOnce({ services: [svc] });
            stub.resolves({ services: [services[services.length - 1]] });
        }

        function serviceDeployments(...deployments: ServiceDeployment[]): void {
            let stub = ecsMock.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [SD_ARN] });
            for (const sd of deployments.slice(0, -1)) stub = stub.resolvesOnce({ serviceDeployments: [sd] });
            stub.resolves({ serviceDeployments: [deployments[deployments.length - 1]] });
        }

        beforeEach(() => {
            ecsMock.reset();
            ecsMock.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
            reporter = recordingReporter();
            clock = fakeClock();
        });

        it("completed: follows the PRIMARY deployment to COMPLETED on the stack's revision, printing progress and new events once", async () => {
            const withSd = { currentServiceDeployment: SD_ARN };
            describeServices(
                service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS", { runningCount: 0, pendingCount: 2 }), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")], {
                    ...withSd,
                    events: [event(1, "(service web-svc) has started 2 tasks: (task a) (task b).")],
                }),
                service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED", { runningCount: 0 })], {
                    ...withSd,
                    events: [event(40, "(service web-svc) has stopped 2 running tasks: (task c) (task d)."), event(1, "(service web-svc) has started 2 tasks: (task a) (task b).")],
                }),
                service([dep("ecs-svc/7", "PRIMARY", TD7, "COMPLETED")], {
                    ...withSd,
                    events: [event(70, "(service web-svc) has reached a steady state."), event(40, "(service web-svc) has stopped 2 running tasks: (task c) (task d)."), event(1, "(service web-svc) has started 2 tasks: (task a) (task b).")],
                }),
            );
            serviceDeployments(serviceDeployment("IN_PROGRESS"), serviceDeployment("IN_PROGRESS"), serviceDeployment("SUCCESSFUL"));
            const result = await follow();
            assert.equal(result.outcome, "completed");
            assert.equal(result.summary, "runs web:7 (the stack's revision), 2/2 tasks");
            assert.equal(result.deploymentId, "ecs-svc/7");
            assert.equal(result.timeoutMinutes, 21);
            assert.deepEqual(clock.sleeps, [10_000, 10_000]);
            assert.deepEqual(reporter.states, [
                "web:7 IN_PROGRESS | running 0/2, pending 2 | failed tasks 0 | 2 deployments | service deployment IN_PROGRESS",
                "web:7 IN_PROGRESS | running 2/2, pending 0 | failed tasks 0 | 2 deployments | service deployment IN_PROGRESS",
                "web:7 COMPLETED | running 2/2, pending 0 | failed tasks 0 | 1 deployment | service deployment SUCCESSFUL",
            ]);
            const events = reporter.infos.filter((line) => line.startsWith("  event "));
            assert.deepEqual(events, [
                "  event 10:00:01Z (service web-svc) has started 2 tasks: (task a) (task b).",
                "  event 10:00:40Z (service web-svc) has stopped 2 running tasks: (task c) (task d).",
                "  event 10:01:10Z (service web-svc) has reached a steady state.",
            ]);
            assert.match(reporter.infos[0], /^Following deployment ecs-svc\/7 \(web:7, IN_PROGRESS, created 2025-01-01 10:00 UTC\); the stack declares web:7\.$/);
            assert.ok(reporter.infos.includes("Timeout: 21 min = 1 min health-check grace period + 10 min for task start and health checks + 10 min deployment-alarm bake time (--timeout-minutes overrides)."));
            assert.equal(ecsMock.commandCalls(DescribeServiceDeploymentsCommand).length, 3);
        });

        it("rolled back by the circuit breaker: the PRIMARY becomes the previous revision, the followed one FAILED", async () => {
            describeServices(
                service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS", { failedTasks: 2, runningCount: 0 }), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]),
                service([dep("ecs-svc/8", "PRIMARY", TD6, "IN_PROGRESS"), dep("ecs-svc/7", "ACTIVE", TD7, "FAILED", { rolloutStateReason: CIRCUIT_BREAKER_REASON, failedTasks: 3 })], {
                    events: [event(30, "(service web-svc) rolling back to deployment ecs-svc/6."), event(20, "(service web-svc) deployment ecs-svc/7 deployment failed: tasks failed to start.")],
                }),
            );
            const result = await follow();
            assert.equal(result.outcome, "rolledBack");
            assert.match(result.summary, /deployment ecs-svc\/7 \(web:7\) FAILED \(circuit breaker\); rolling back: ECS runs web:6 \(IN_PROGRESS\); the stack declares web:7/);
            assert.deepEqual(result.details, [`  reason: ${CIRCUIT_BREAKER_REASON}`]);
            assert.deepEqual(result.lastEvents.map((e) => e.message), [
                "(service web-svc) deployment ecs-svc/7 deployment failed: tasks failed to start.",
                "(service web-svc) rolling back to deployment ecs-svc/6.",
            ]);
            assert.deepEqual(clock.sleeps, [10_000]);
        });

        it("rolled back by an alarm: the service deployment names the alarm that fired", async () => {
            const withSd = { currentServiceDeployment: SD_ARN };
            describeServices(
                service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED", { runningCount: 0 })], withSd),
                service([dep("ecs-svc/8", "PRIMARY", TD6, "IN_PROGRESS", { runningCount: 0 }), dep("ecs-svc/7", "ACTIVE", TD7, "FAILED", { rolloutStateReason: "ECS deployment ecs-svc/7 failed: alarm triggered." })], withSd),
            );
            serviceDeployments(
                serviceDeployment("IN_PROGRESS", { alarms: { status: "MONITORING", alarmNames: ALARMS } }),
                serviceDeployment("ROLLBACK_IN_PROGRESS", {
                    alarms: { status: "TRIGGERED", alarmNames: ALARMS, triggeredAlarmNames: [ALARMS[0]] },
                    rollback: { reason: "Rolling back: CloudWatch alarm in ALARM state", serviceRevisionArn: "arn:rev/6" },
                }),
            );
            const result = await follow();
            assert.equal(result.outcome, "rolledBack");
            assert.deepEqual(result.triggeredAlarms, [ALARMS[0]]);
            assert.match(result.summary, new RegExp(`^rolling back by the deployment alarm ${ALARMS[0]}; ECS runs web:6`));
            assert.ok(result.details.includes("  reason: Rolling back: CloudWatch alarm in ALARM state"), result.details.join("\n"));
            assert.equal(result.serviceDeploymentArn, SD_ARN);
        });

        it("vanished: the followed deployment is replaced by another one", async () => {
            describeServices(
                service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]),
                service([dep("ecs-svc/9", "PRIMARY", TD7, "IN_PROGRESS"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]),
            );
            const result = await follow();
            assert.equal(result.outcome, "vanished");
            assert.equal(result.summary, "deployment ecs-svc/7 is gone: replaced by ecs-svc/9 (web:7, IN_PROGRESS)");
        });

        it("timed out: gives up after the derived timeout, polling until then, and says where it stands", async () => {
            describeServices(service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS", { runningCount: 1, failedTasks: 1 }), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]));
            const result = await follow();
            assert.equal(result.outcome, "timedOut");
            assert.equal(clock.sleeps.reduce((a, b) => a + b, 0), 21 * 60_000);
            assert.ok(clock.sleeps.every((ms) => ms <= 10_000));
            assert.match(result.summary, /^still in progress after 21 min: web:7 IN_PROGRESS \| running 1\/2, pending 0 \| failed tasks 1/);
        });

        it("--timeout-minutes shorter than the formula: warns, and stops at it", async () => {
            describeServices(service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]));
            const result = await follow({ timeoutMinutes: 1 });
            assert.equal(result.outcome, "timedOut");
            assert.equal(clock.sleeps.reduce((a, b) => a + b, 0), 60_000);
            assert.match(reporter.errors.join("\n"), /--timeout-minutes 1 is less than the 21 min/);
        });

        it("Ctrl-C: stops watching at once and says what was in progress", async () => {
            describeServices(service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS", { runningCount: 1 }), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")]));
            const interrupt = new AbortController();
            clock.onSleep = (n) => n === 2 && interrupt.abort();
            const result = await follow({ signal: interrupt.signal });
            assert.equal(result.outcome, "interrupted");
            assert.equal(ecsMock.commandCalls(DescribeServicesCommand).length, 2);
            assert.match(result.summary, /^stopped watching while web:7 IN_PROGRESS \| running 1\/2/);
        });

        it("judges from DescribeServices alone, with one note, when service deployments cannot be read", async () => {
            describeServices(
                service([dep("ecs-svc/7", "PRIMARY", TD7, "IN_PROGRESS"), dep("ecs-svc/6", "ACTIVE", TD6, "COMPLETED")], { currentServiceDeployment: SD_ARN }),
                service([dep("ecs-svc/7", "PRIMARY", TD7, "COMPLETED")], { currentServiceDeployment: SD_ARN }),
            );
            ecsMock.on(DescribeServiceDeploymentsCommand).rejects(Object.assign(new Error("not authorized to perform: ecs:DescribeServiceDeployments"), { name: "AccessDeniedException" }));
            const result = await follow();
            assert.equal(result.outcome, "completed");
            assert.equal(ecsMock.commandCalls(DescribeServiceDeploymentsCommand).length, 1);
            const notes = reporter.infos.filter((line) => line.includes("service deployments cannot be read"));
            assert.equal(notes.length, 1);
            assert.match(notes[0], /AccessDeniedException/);
        });

        it("finds the service deployment with ListServiceDeployments when the service does not name it", async () => {
            describeServices(service([dep("ecs-svc/8", "PRIMARY", TD7, "COMPLETED")]));
            ecsMock.on(ListServiceDeploymentsCommand, { cluster: "main", service: "web-svc" }).resolves({
                serviceDeployments: [
                    { serviceDeploymentArn: "arn:old", createdAt: at(0), status: "SUCCESSFUL" },
                    { serviceDeploymentArn: SD_ARN, createdAt: at(50), status: "ROLLBACK_SUCCESSFUL" },
                ],
            });
            serviceDeployments(serviceDeployment("ROLLBACK_SUCCESSFUL", { deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 } }));
            const result = await follow();
            assert.equal(result.outcome, "rolledBack");
            assert.match(result.summary, /^rolled back by the circuit breaker \(3 failed tasks, threshold 3\)/);
        });

        it("refuses a service ECS does not know", async () => {
            ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: "arn:web-svc", reason: "MISSING" }] });
            await assert.rejects(follow(), /ECS service web-svc not found in cluster main \(MISSING\)/);
        });
    });
});
