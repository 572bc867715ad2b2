/**
 * The rollback drill end to end (`npm run drill`, deploy/drill/cli.ts), against a simulated AWS
 * account: ECS, CodeDeploy, SQS, SNS, CloudWatch and Application Auto Scaling answer through client
 * doubles (clientDouble in ./helpers), and their answers move with a fake clock (time passes only when the drill
 * sleeps). Each scenario says when (if ever) the rollback starts, how long until the service is
 * steady again, which mechanism AWS reports, and when (if ever) the notification reaches the topic.
 *
 * The production guard reads the repository's real policies/config/dev.json and prod.json.
 */
import { strict as assert } from "node:assert";
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import {
    CodeDeployClient,
    CreateDeploymentCommand,
    GetDeploymentCommand,
    GetDeploymentTargetCommand,
    ListDeploymentTargetsCommand,
    ListDeploymentsCommand,
    StopDeploymentCommand,
    type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import {
    DeregisterTaskDefinitionCommand,
    DescribeServiceDeploymentsCommand,
    DescribeServicesCommand,
    DescribeTaskDefinitionCommand,
    ECSClient,
    ListServiceDeploymentsCommand,
    RegisterTaskDefinitionCommand,
    UpdateServiceCommand,
    type Deployment,
    type Service,
    type ServiceDeployment,
    type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { codeDeployFailureMessage, deploymentFailedMessage } from "../../components/eventPatterns";
import { appSpecTemplate } from "../../deploy/appspec";
import { runDrillCli, type DrillCliIo } from "../../deploy/drill/cli";
import { DeployError } from "../../deploy/errors";
import type { DrillKind } from "../../deploy/drill/target";
import type { StackOutputs } from "../../deploy/outputs";
import { clientDouble, fakeClock, type FakeClock } from "./helpers";

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ecs-deploy-dev-deployments`;
const CLUSTER = "ecs-deploy-dev";
const SD_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/svc/Drill1`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/rollback-drill`;
const SUBSCRIPTION = `${TOPIC}:0b6941c3-f04d-4d3e-a68d-4c5ad9a1c1f2`;
const DRILL_DEPLOYMENT = "ecs-svc/9000000000000000001";
const OLD_DEPLOYMENT = "ecs-svc/1000000000000000001";
const ROLLBACK_DEPLOYMENT = "ecs-svc/9000000000000000002";
const RESTORE_DEPLOYMENT = "ecs-svc/9000000000000000003";

type Mode = "rolling" | "bluegreen" | "worker" | "codedeploy";
const MODES: Mode[] = ["rolling", "bluegreen", "worker", "codedeploy"];
const KINDS: DrillKind[] = ["start", "health", "alarm"];

/** The stack-output key, ECS name and family of the service each mode drills. */
const SERVICE: Record<Mode, { key: string; family: string; container: string }> = {
    rolling: { key: "web", family: "web", container: "web" },
    bluegreen: { key: "shop", family: "shop", container: "shop" },
    worker: { key: "jobs", family: "jobs", container: "jobs" },
    codedeploy: { key: "api", family: "api", container: "api" },
};
const tdArn = (family: string, revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;
const ecsName = (mode: Mode) => `${CLUSTER}-${SERVICE[mode].key}`;
const webAlarms = (key: string) => ["blue", "green"].flatMap((c) => ["5xx", "p99-latency", "unhealthy-hosts"].map((s) => `ecs-deploy-dev-${key}-${c}-${s}`));
const WORKER_ALARMS = ["ecs-deploy-dev-jobs-oldest-message-age", "ecs-deploy-dev-jobs-visible-messages", "ecs-deploy-dev-jobs-dead-letter"];
const alarmsOf = (mode: Mode) => (mode === "worker" ? WORKER_ALARMS : webAlarms(SERVICE[mode].key));
const forcedAlarm = (mode: Mode) => (mode === "worker" ? WORKER_ALARMS[0] : `ecs-deploy-dev-${SERVICE[mode].key}-blue-5xx`);

/**
 * The allowances the drill must derive for the simulated services (desired 2, grace 60 s for web
 * services and none for the worker, the worker's container check 30 s / 5 s / 3 retries / 30 s start,
 * alarms 2 of 3 minutes, bake 10 min, CodeDeploy all-at-once with a 5-minute termination wait), with
 * the default tolerance (model × 1.5 + 2 min), worked out by hand from policies/lib/timing.ts:
 *   start, ECS:   threshold 3 → 2 waves × 60 s = 120 s → 300 s
 *   health, web:  2 × (max(60, 60 + 15 + 5) + 30) = 220 s → 450 s
 *   health, worker: 2 × (60 + 30 + 3 × 30 + 5 + 30) = 430 s → 765 s
 *   alarm, rolling: detect 80 + 240 = 320 s → 600 s; + recovery 80 s → 720 s
 *   alarm, bluegreen: detect 90 + 240 = 330 s → 615 s; + switch 10 s → 630 s
 *   alarm, worker: detect 95 + 240 = 335 s → 623 s; + recovery 95 s → 765 s
 *   start/health, codedeploy: CodeDeploy's hour for a task set that never becomes ready: 3600 s → 5520 s
 *   alarm, codedeploy: 320 s → 600 s; + switch 10 s → 615 s
 */
const ALLOWANCE: Record<Mode, Record<DrillKind, { detect: number; total: number }>> = {
    rolling: { start: { detect: 300, total: 300 }, health: { detect: 450, total: 450 }, alarm: { detect: 600, total: 720 } },
    bluegreen: { start: { detect: 300, total: 300 }, health: { detect: 450, total: 450 }, alarm: { detect: 615, total: 630 } },
    worker: { start: { detect: 300, total: 300 }, health: { detect: 765, total: 765 }, alarm: { detect: 623, total: 765 } },
    codedeploy: { start: { detect: 5520, total: 5520 }, health: { detect: 5520, total: 5520 }, alarm: { detect: 600, total: 615 } },
};

interface Scenario {
    mode: Mode;
    kind: DrillKind;
    /** Seconds after the release (alarm kind: after the alarm was forced) when the rollback starts; undefined: never. */
    rollbackAfter?: number;
    /** Seconds from the rollback's start until the service is steady on the previous revision. */
    steadyAfter?: number;
    /** What AWS says rolled it back (default: what the plan predicts). */
    mechanism?: "circuit breaker" | "alarm" | "failure";
    /** Seconds after the rollback's start when SNS delivers the notification; undefined: never. */
    notifyAfter?: number;
    /** The alarm ECS says fired (default: the one the drill forced). */
    firedAlarm?: string;
    /** Only other services' failures reach the topic. */
    onlyOthersNotified?: boolean;
    /** Another deployment is in progress when the drill starts. */
    busy?: boolean;
    /** The service has no deployment alarms (and the outputs no alarm names). */
    noAlarms?: boolean;
    scaling?: boolean;
    /** The worker's container has no health check. */
    noContainerHealthCheck?: boolean;
}

// Instances, not classes, are mocked: other test files mock their own clients.
const ecs = new ECSClient({ region: REGION });
const codeDeploy = new CodeDeployClient({ region: REGION });
const sqs = new SQSClient({ region: REGION });
const sns = new SNSClient({ region: REGION });
const cloudWatch = new CloudWatchClient({ region: REGION });
const autoScaling = new ApplicationAutoScalingClient({ region: REGION });
const ecsMock = clientDouble(ecs);
const cdMock = clientDouble(codeDeploy);
const sqsMock = clientDouble(sqs);
const snsMock = clientDouble(sns);
const cwMock = clientDouble(cloudWatch);
const aasMock = clientDouble(autoScaling);
// The CLI destroys the clients it is given; these are shared by every test.
for (const client of [ecs, codeDeploy, sqs, sns, cloudWatch, autoScaling]) client.destroy = () => undefined;

function stackOutputs(scenario: Pick<Scenario, "mode" | "noAlarms" | "scaling">, withTopic = true): StackOutputs {
    const { mode } = scenario;
    const s = SERVICE[mode];
    const entry: Record<string, unknown> = {
        kind: mode === "worker" ? "worker" : "web",
        mode: mode === "worker" ? "rolling" : mode,
        clusterName: CLUSTER,
        serviceName: ecsName(mode),
        serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${ecsName(mode)}`,
        containerName: s.container,
        taskDefinitionArn: tdArn(s.family, 7),
        image: `public.ecr.aws/example/${s.family}:1.4.2`,
        alarmNames: scenario.noAlarms ? [] : alarmsOf(mode),
    };
    if (mode !== "worker") entry.containerPort = 8080;
    if (scenario.scaling) entry.scaling = { min: 2, max: 6 };
    if (mode === "codedeploy") {
        entry.codeDeploy = { applicationName: "ecs-deploy-dev-api", deploymentGroupName: "ecs-deploy-dev-api", trafficShiftMinutes: 0, terminationWaitMinutes: 5 };
        entry.appSpecTemplate = appSpecTemplate(s.container, 8080);
    }
    return { region: REGION, ...(withTopic ? { topicArn: TOPIC } : {}), services: { [s.key]: entry } };
}

function taskDefinition(mode: Mode, noContainerHealthCheck = false): TaskDefinition {
    const s = SERVICE[mode];
    return {
        taskDefinitionArn: tdArn(s.family, 7),
        family: s.family,
        revision: 7,
        status: "ACTIVE",
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        cpu: "256",
        memory: "512",
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
        containerDefinitions: [
            {
                name: s.container,
                image: `public.ecr.aws/example/${s.family}:1.4.2`,
                essential: true,
                environment: [{ name: "LOG_LEVEL", value: "debug" }],
                ...(mode === "worker"
                    ? noContainerHealthCheck
                        ? {}
                        : { healthCheck: { command: ["CMD-SHELL", "test -f /tmp/healthy || exit 1"], interval: 30, timeout: 5, retries: 3, startPeriod: 30 } }
                    : { portMappings: [{ containerPort: 8080, protocol: "tcp" as const }] }),
            },
        ],
    };
}

/** The simulated account: what each call answers depends on the scenario and the fake clock. */
class World {
    readonly clock: FakeClock = fakeClock();
    readonly s: { key: string; family: string; container: string };
    readonly prev: string;
    readonly bad: string;
    releasedAt?: number;
    alarmSetAt?: number;
    restoredAt?: number;
    stoppedAt?: number;
    notified = false;

    constructor(readonly scenario: Scenario) {
        this.s = SERVICE[scenario.mode];
        this.prev = tdArn(this.s.family, 7);
        this.bad = tdArn(this.s.family, 8);
        this.mock();
    }

    private now(): number {
        return this.clock.now();
    }

    /** When the rollback starts (clock ms), or undefined while it has not been triggered. */
    rollbackAt(): number | undefined {
        const { rollbackAfter, kind } = this.scenario;
        if (rollbackAfter === undefined || this.releasedAt === undefined) return undefined;
        const from = kind === "alarm" ? this.alarmSetAt : this.releasedAt;
        return from === undefined ? undefined : from + rollbackAfter * 1000;
    }

    private phase(): "before" | "deploying" | "rollingBack" | "steady" | "restored" {
        if (this.releasedAt === undefined) return "before";
        if (this.restoredAt !== undefined) return "restored";
        const rb = this.rollbackAt();
        if (rb === undefined || this.now() < rb) return "deploying";
        return this.now() < rb + (this.scenario.steadyAfter ?? 60) * 1000 ? "rollingBack" : "steady";
    }

    /** The drill's tasks run 20 s after the release. */
    private tasksRun(): boolean {
        return this.releasedAt !== undefined && this.now() - this.releasedAt >= 20_000;
    }

    private mechanismSaysAlarm(): boolean {
        const m = this.scenario.mechanism;
        return m ? m === "alarm" : this.scenario.kind === "alarm";
    }

    service(): Service {
        const { mode, noAlarms } = this.scenario;
        const base: Service = {
            serviceName: ecsName(mode),
            status: "ACTIVE",
            desiredCount: 2,
            healthCheckGracePeriodSeconds: mode === "worker" ? undefined : 60,
            deploymentController: { type: mode === "codedeploy" ? "CODE_DEPLOY" : "ECS" },
            loadBalancers: mode === "worker" ? [] : [{ targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/tg/1`, containerName: this.s.container, containerPort: 8080 }],
            events: [],
        };
        if (mode === "codedeploy") return { ...base, taskSets: this.taskSets(), taskDefinition: this.prev };
        base.deploymentConfiguration = {
            strategy: mode === "bluegreen" ? "BLUE_GREEN" : "ROLLING",
            ...(mode === "bluegreen" ? { bakeTimeInMinutes: 10 } : {}),
            minimumHealthyPercent: 100,
            maximumPercent: 200,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            ...(noAlarms ? {} : { alarms: { alarmNames: alarmsOf(mode), enable: true, rollback: true } }),
        };
        const dep = (id: string, status: "PRIMARY" | "ACTIVE", td: string, rolloutState: Deployment["rolloutState"], extra: Partial<Deployment> = {}): Deployment => ({
            id,
            status,
            taskDefinition: td,
            rolloutState,
            desiredCount: 2,
            runningCount: 2,
            pendingCount: 0,
            failedTasks: 0,
            ...extra,
        });
        const failure = this.mechanismSaysAlarm()
            ? `ECS deployment detected triggered alarm(s): ${forcedAlarm(mode)}.`
            : "ECS deployment circuit breaker: tasks failed to start.";
        let deployments: Deployment[];
        switch (this.phase()) {
            case "before":
                deployments = [dep(OLD_DEPLOYMENT, "PRIMARY", this.prev, "COMPLETED")];
                if (this.scenario.busy) deployments = [dep("ecs-svc/555", "PRIMARY", tdArn(this.s.family, 6), "IN_PROGRESS"), ...deployments.map((d) => ({ ...d, status: "ACTIVE" }))];
                break;
            case "deploying":
                deployments = [
                    dep(DRILL_DEPLOYMENT, "PRIMARY", this.bad, "IN_PROGRESS", { runningCount: this.tasksRun() && this.scenario.kind === "alarm" ? 2 : 0, pendingCount: 2 }),
                    dep(OLD_DEPLOYMENT, "ACTIVE", this.prev, "COMPLETED"),
                ];
                break;
            case "rollingBack":
                deployments = [
                    dep(ROLLBACK_DEPLOYMENT, "PRIMARY", this.prev, "IN_PROGRESS", { runningCount: 1, pendingCount: 1 }),
                    dep(DRILL_DEPLOYMENT, "ACTIVE", this.bad, "FAILED", { rolloutStateReason: failure, runningCount: 0 }),
                ];
                break;
            case "steady":
                deployments = [dep(ROLLBACK_DEPLOYMENT, "PRIMARY", this.prev, "COMPLETED")];
                break;
            case "restored":
                deployments = [dep(RESTORE_DEPLOYMENT, "PRIMARY", this.prev, "IN_PROGRESS"), dep(DRILL_DEPLOYMENT, "ACTIVE", this.bad, "IN_PROGRESS")];
                break;
        }
        const primary = deployments.find((d) => d.status === "PRIMARY")!;
        return { ...base, deployments, taskDefinition: primary.taskDefinition, ...(this.releasedAt !== undefined ? { currentServiceDeployment: SD_ARN } : {}) };
    }

    private taskSets(): Service["taskSets"] {
        const set = (status: string, td: string) => ({ status, taskDefinition: td, stabilityStatus: "STEADY_STATE" as const });
        if (this.releasedAt === undefined) return this.scenario.busy ? [set("PRIMARY", this.prev), set("ACTIVE", this.bad)] : [set("PRIMARY", this.prev)];
        const cd = this.codeDeployState();
        if (cd.drill === "Succeeded" && this.restoredAt === undefined) return [set("PRIMARY", this.bad)];
        if (cd.rollback === "Succeeded" || this.restoredAt !== undefined) return [set("PRIMARY", this.prev)];
        return [set("PRIMARY", this.prev), set("ACTIVE", this.bad)];
    }

    serviceDeployment(): ServiceDeployment {
        const alarm = this.mechanismSaysAlarm();
        const phase = this.phase();
        const status = phase === "rollingBack" ? "ROLLBACK_IN_PROGRESS" : phase === "steady" ? "ROLLBACK_SUCCESSFUL" : "IN_PROGRESS";
        const triggered = phase === "rollingBack" || phase === "steady";
        return {
            serviceDeploymentArn: SD_ARN,
            status,
            deploymentCircuitBreaker: { status: triggered && !alarm ? "TRIGGERED" : "MONITORING", failureCount: triggered && !alarm ? 3 : 0, threshold: 3 },
            alarms: { status: triggered && alarm ? "TRIGGERED" : "MONITORING", ...(triggered && alarm ? { triggeredAlarmNames: [this.scenario.firedAlarm ?? forcedAlarm(this.scenario.mode)] } : {}) },
        };
    }

    /** CodeDeploy: the drill's deployment and its rollback, by the clock. */
    codeDeployState(): { drill: DeploymentInfo["status"]; rollback?: DeploymentInfo["status"] } {
        if (this.stoppedAt !== undefined) return { drill: "Stopped", rollback: "InProgress" };
        const rb = this.rollbackAt();
        if (rb === undefined || this.now() < rb) return { drill: this.scenario.rollbackAfter === undefined && this.scenario.mechanism === "failure" ? "Succeeded" : "InProgress" };
        const done = this.now() >= rb + (this.scenario.steadyAfter ?? 60) * 1000;
        return { drill: this.mechanismSaysAlarm() ? "Stopped" : "Failed", rollback: done ? "Succeeded" : "InProgress" };
    }

    private deployment(id: string): DeploymentInfo {
        const state = this.codeDeployState();
        if (id === "d-OTHER") return { deploymentId: id, status: "InProgress" };
        if (id === "d-ROLLBACK") return { deploymentId: id, status: state.rollback ?? "Created", creator: "codeDeployRollback" };
        const info: DeploymentInfo = { deploymentId: id, status: state.drill, autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] } };
        if (state.rollback) {
            info.rollbackInfo = { rollbackDeploymentId: "d-ROLLBACK", rollbackMessage: "Automatic rollback triggered" };
            info.errorInformation = this.mechanismSaysAlarm()
                ? { code: "ALARM_ACTIVE", message: `One or more alarms have been activated: ${forcedAlarm("codedeploy")}` }
                : { code: "ECS_UPDATE_ERROR", message: "The ECS service cannot reach a steady state" };
        }
        return info;
    }

    /** What SNS delivered to the drill's queue: the real EventBridge message texts, rendered. */
    private messages() {
        const rb = this.rollbackAt();
        const after = this.scenario.notifyAfter;
        if (this.notified || rb === undefined || after === undefined || this.now() < rb + after * 1000) return [];
        this.notified = true;
        const sentAt = rb + after * 1000;
        const envelope = (text: string, i: number) => ({
            MessageId: `m-${i}`,
            ReceiptHandle: `r-${i}`,
            Body: JSON.stringify({ Type: "Notification", TopicArn: TOPIC, Message: text }),
            Attributes: { SentTimestamp: String(sentAt) },
        });
        const fill = (template: string, values: Record<string, string>) => template.replace(/<(\w+)>/g, (_, k: string) => values[k] ?? `<${k}>`);
        const other = fill(JSON.parse(deploymentFailedMessage({ cluster: CLUSTER, service: "other", ecsService: `${CLUSTER}-other`, stack: "dev" }).inputTemplate), {
            deployment: "ecs-svc/1234",
            reason: "unrelated",
            serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/x/other",
            time: "t",
            region: REGION,
        });
        const ours =
            this.scenario.mode === "codedeploy"
                ? fill(JSON.parse(codeDeployFailureMessage({ stack: "dev" }).inputTemplate), { state: "FAILURE", group: "ecs-deploy-dev-api", deployment: "d-DRILL", time: "t", region: REGION })
                : fill(JSON.parse(deploymentFailedMessage({ cluster: CLUSTER, service: this.s.key, ecsService: ecsName(this.scenario.mode), stack: "dev" }).inputTemplate), {
                      deployment: DRILL_DEPLOYMENT,
                      reason: "ECS deployment circuit breaker: tasks failed to start.",
                      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${ecsName(this.scenario.mode)}`,
                      time: "t",
                      region: REGION,
                  });
        return this.scenario.onlyOthersNotified ? [envelope(other, 0)] : [envelope(other, 0), envelope(JSON.stringify(ours), 1)];
    }

    private mock(): void {
        for (const m of [ecsMock, cdMock, sqsMock, snsMock, cwMock, aasMock]) m.reset();
        const { mode } = this.scenario;
        ecsMock.on(DescribeServicesCommand).callsFake(() => ({ services: [this.service()] }));
        ecsMock.on(DescribeServiceDeploymentsCommand).callsFake(() => ({ serviceDeployments: [this.serviceDeployment()] }));
        ecsMock.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: SD_ARN }] });
        ecsMock.on(DescribeTaskDefinitionCommand).callsFake(() => ({ taskDefinition: taskDefinition(mode, this.scenario.noContainerHealthCheck), tags: [{ key: "team", value: "platform" }] }));
        ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: this.bad } });
        ecsMock.on(DeregisterTaskDefinitionCommand).resolves({});
        ecsMock.on(UpdateServiceCommand).callsFake((input: { taskDefinition?: string }) => {
            if (input.taskDefinition === this.bad) this.releasedAt = this.now();
            else if (input.taskDefinition === this.prev) this.restoredAt = this.now();
            return { service: this.service() };
        });
        cdMock.on(ListDeploymentsCommand).callsFake(() => ({ deployments: this.scenario.busy ? ["d-OTHER"] : [] }));
        cdMock.on(CreateDeploymentCommand).callsFake((input: { revision?: { appSpecContent?: { content?: string } } }) => {
            const content = input.revision?.appSpecContent?.content ?? "";
            if (content.includes(this.bad)) {
                this.releasedAt = this.now();
                return { deploymentId: "d-DRILL" };
            }
            this.restoredAt = this.now();
            return { deploymentId: "d-RESTORE" };
        });
        cdMock.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => ({ deploymentInfo: this.deployment(input.deploymentId) }));
        cdMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: [`${CLUSTER}:api`] });
        cdMock.on(GetDeploymentTargetCommand).callsFake(() => ({
            deploymentTarget: {
                deploymentTargetType: "ECSTarget",
                ecsTarget: {
                    taskSetsInfo: [
                        { taskSetLabel: "Blue", trafficWeight: 100, runningCount: 2, desiredCount: 2 },
                        { taskSetLabel: "Green", trafficWeight: 0, runningCount: this.tasksRun() && this.scenario.kind === "alarm" ? 2 : 0, desiredCount: 2 },
                    ],
                },
            },
        }));
        cdMock.on(StopDeploymentCommand).callsFake(() => {
            this.stoppedAt = this.now();
            return { status: "Pending" };
        });
        sqsMock.on(CreateQueueCommand).resolves({ QueueUrl: QUEUE_URL });
        sqsMock.on(ReceiveMessageCommand).callsFake(() => ({ Messages: this.messages() }));
        sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [] });
        sqsMock.on(DeleteQueueCommand).resolves({});
        snsMock.on(SubscribeCommand).resolves({ SubscriptionArn: SUBSCRIPTION });
        snsMock.on(UnsubscribeCommand).resolves({});
        cwMock.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({
            MetricAlarms: (input.AlarmNames ?? []).map((AlarmName) => ({ AlarmName, Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2 })),
        }));
        cwMock.on(SetAlarmStateCommand).callsFake((input: { StateValue?: string }) => {
            if (input.StateValue === "ALARM" && this.alarmSetAt === undefined) this.alarmSetAt = this.now();
            return {};
        });
        aasMock.on(RegisterScalableTargetCommand).resolves({});
    }
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    world: World;
    loaded: number;
}

async function drill(scenario: Scenario, args: string[] = [], options: { stack?: string; abortAtSleep?: number; outputs?: StackOutputs } = {}): Promise<Run> {
    const world = new World(scenario);
    let stdout = "";
    let stderr = "";
    let loaded = 0;
    const controller = new AbortController();
    if (options.abortAtSleep !== undefined) {
        world.clock.onSleep = (count) => {
            if (count === options.abortAtSleep) controller.abort();
        };
    }
    const io: DrillCliIo = {
        argv: [options.stack ?? "dev", SERVICE[scenario.mode].key, "--kind", scenario.kind, ...args],
        env: {},
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        clock: world.clock,
        signal: controller.signal,
        loadOutputs: async () => {
            loaded += 1;
            return options.outputs ?? stackOutputs(scenario);
        },
        makeClients: () => ({ ecs, codeDeploy, sqs, sns, cloudWatch, autoScaling }),
    };
    const code = await runDrillCli(io);
    return { code, stdout, stderr, world, loaded };
}

const calls = <T extends object>(mock: { commandCalls: (c: never) => { args: [{ input: T }] }[] }, command: unknown): T[] =>
    mock.commandCalls(command as never).map((c) => c.args[0].input);

/** Every change the drill made was undone: queue and subscription gone, revision deregistered, no drill revision left running. */
function assertCleanedUp(run: Run): void {
    assert.deepEqual(calls<{ QueueUrl?: string }>(sqsMock as never, DeleteQueueCommand), [{ QueueUrl: QUEUE_URL }], "the queue is deleted");
    assert.deepEqual(calls<{ SubscriptionArn?: string }>(snsMock as never, UnsubscribeCommand), [{ SubscriptionArn: SUBSCRIPTION }], "the subscription is deleted");
    assert.deepEqual(calls<{ taskDefinition?: string }>(ecsMock as never, DeregisterTaskDefinitionCommand), [{ taskDefinition: run.world.bad }], "the drill's revision is deregistered");
    if (run.world.scenario.mode !== "codedeploy") assert.equal(run.world.service().taskDefinition, run.world.prev, "the service runs the previous revision");
    else assert.equal(run.world.service().taskSets!.find((s) => s.status === "PRIMARY")!.taskDefinition, run.world.prev, "the primary task set runs the previous revision");
    if (run.world.alarmSetAt !== undefined) {
        const states = calls<{ AlarmName?: string; StateValue?: string }>(cwMock as never, SetAlarmStateCommand);
        assert.equal(states[states.length - 1].StateValue, "OK", "the forced alarm is set back to OK last");
    }
}

/** The report's rows, by step name, from the table. */
function rows(stdout: string): Map<string, { expected: string; observed: string; time: string; result: string }> {
    const out = new Map<string, { expected: string; observed: string; time: string; result: string }>();
    for (const line of stdout.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| step "))) {
        const [step, expected, observed, time, result] = line.slice(2, -2).split(" | ").map((c) => c.trim());
        out.set(step, { expected, observed, time, result });
    }
    return out;
}

/** Rollback times: in time (well inside the allowance), too slow (past it, inside the watch). */
function inTime(mode: Mode, kind: DrillKind): Scenario {
    const a = ALLOWANCE[mode][kind];
    return { mode, kind, rollbackAfter: Math.round(a.detect / 3), steadyAfter: 30, notifyAfter: 20 };
}

describe("npm run drill (deploy/drill)", () => {
    for (const mode of MODES) {
        for (const kind of KINDS) {
            describe(`${mode}, kind ${kind}`, () => {
                it("passes when the predicted mechanism rolls it back in time and the notification arrives (exit 0, every row ok)", async () => {
                    const run = await drill(inTime(mode, kind));
                    assert.equal(run.code, 0, run.stderr + run.stdout);
                    const table = rows(run.stdout);
                    assert.deepEqual([...table.keys()], ["listen", "register", "release", "rolled back", "back on previous", "notified", "clean-up"]);
                    for (const [step, row] of table) assert.equal(row.result, "ok", `${step}: ${row.observed}`);
                    const expectedMechanism = mode === "codedeploy" ? "CodeDeploy auto-rollback" : kind === "alarm" ? "deployment alarm" : "circuit breaker";
                    assert.match(table.get("rolled back")!.expected, new RegExp(`the ${expectedMechanism}`));
                    assert.match(table.get("rolled back")!.expected, new RegExp(`within \\d+m(\\d+s)? \\(model`));
                    assert.match(table.get("back on previous")!.observed, new RegExp(`${SERVICE[mode].family}:7`));
                    assert.match(table.get("notified")!.observed, mode === "codedeploy" ? /d-DRILL/ : new RegExp(DRILL_DEPLOYMENT));
                    assert.match(run.stdout, /PASSED: the way back worked/);
                    if (mode !== "codedeploy") {
                        assert.match(run.stdout, /Watching for up to \d+ min/);
                        assert.doesNotMatch(run.stdout + run.stderr, /\(--timeout-minutes\)/, "no --timeout-minutes was given");
                    }
                    assertCleanedUp(run);
                    if (kind === "alarm") {
                        const states = calls<{ AlarmName?: string; StateValue?: string }>(cwMock as never, SetAlarmStateCommand);
                        assert.equal(states[0].AlarmName, forcedAlarm(mode));
                        assert.equal(states[0].StateValue, "ALARM");
                        assert.match(run.stdout, /SetAlarmState/, "the output says plainly that the alarm was set, not provoked");
                    } else {
                        assert.equal(calls(cwMock as never, SetAlarmStateCommand).length, 0, "no alarm is touched");
                    }
                    // The release went the mode's way.
                    if (mode === "codedeploy") {
                        assert.equal(calls(cdMock as never, CreateDeploymentCommand).length, 1);
                        assert.equal(calls<{ taskDefinition?: string }>(ecsMock as never, UpdateServiceCommand).length, 0, "UpdateService is never used on a CODE_DEPLOY service");
                    } else {
                        assert.deepEqual(calls<{ taskDefinition?: string }>(ecsMock as never, UpdateServiceCommand).map((c) => c.taskDefinition), [run.world.bad]);
                        assert.equal(calls(cdMock as never, CreateDeploymentCommand).length, 0);
                    }
                });

                it("fails when the rollback never happens, and puts the previous revision back itself (exit 1)", async () => {
                    const run = await drill({ ...inTime(mode, kind), rollbackAfter: undefined });
                    assert.equal(run.code, 1);
                    const table = rows(run.stdout);
                    assert.equal(table.get("rolled back")!.result, "FAIL");
                    assert.match(table.get("rolled back")!.observed, /no rollback within \d+ min/);
                    assert.equal(table.get("notified")!.result, "FAIL");
                    if (mode === "codedeploy") {
                        assert.deepEqual(calls(cdMock as never, StopDeploymentCommand), [{ deploymentId: "d-DRILL", autoRollbackEnabled: true }]);
                    } else {
                        assert.deepEqual(calls<{ taskDefinition?: string }>(ecsMock as never, UpdateServiceCommand).map((c) => c.taskDefinition), [run.world.bad, run.world.prev]);
                    }
                    assertCleanedUp(run);
                });

                it("fails when the rollback comes too late for the model plus the tolerance (exit 1)", async () => {
                    const a = ALLOWANCE[mode][kind];
                    const run = await drill({ ...inTime(mode, kind), rollbackAfter: a.detect + 120 });
                    assert.equal(run.code, 1);
                    const table = rows(run.stdout);
                    assert.equal(table.get("rolled back")!.result, "FAIL");
                    assert.match(table.get("rolled back")!.observed, /\(too slow\)/);
                    assert.equal(table.get("back on previous")!.result, "FAIL");
                    assert.equal(table.get("notified")!.result, "ok", "the notification itself was fine");
                    assertCleanedUp(run);
                });

                it("fails when the notification never reaches the topic, and still deletes queue and subscription (exit 1)", async () => {
                    const run = await drill({ ...inTime(mode, kind), notifyAfter: undefined });
                    assert.equal(run.code, 1);
                    const table = rows(run.stdout);
                    assert.equal(table.get("rolled back")!.result, "ok");
                    assert.equal(table.get("back on previous")!.result, "ok");
                    assert.equal(table.get("notified")!.result, "FAIL");
                    assert.match(table.get("notified")!.observed, /no message about/);
                    assertCleanedUp(run);
                });

                it("cleans up when interrupted half-way: service restored, queue deleted, revision deregistered (exit 130)", async () => {
                    // Interrupted at the 4th poll interval, while the drill's revision deploys (tasks run after 20 s).
                    const run = await drill({ ...inTime(mode, kind), rollbackAfter: 100_000 }, [], { abortAtSleep: 4 });
                    assert.equal(run.code, 130);
                    assert.match(run.stderr, /Interrupted: restoring the service and cleaning up/);
                    if (mode === "codedeploy") {
                        assert.deepEqual(calls(cdMock as never, StopDeploymentCommand), [{ deploymentId: "d-DRILL", autoRollbackEnabled: true }]);
                    } else {
                        assert.deepEqual(calls<{ taskDefinition?: string }>(ecsMock as never, UpdateServiceCommand).map((c) => c.taskDefinition), [run.world.bad, run.world.prev]);
                    }
                    if (kind === "alarm") assert.notEqual(run.world.alarmSetAt, undefined, "the alarm had been forced before the interruption");
                    assertCleanedUp(run);
                });
            });
        }
    }

    describe("judging", () => {
        it("fails when another mechanism than the predicted one rolled it back", async () => {
            const run = await drill({ ...inTime("rolling", "start"), mechanism: "alarm" });
            assert.equal(run.code, 1);
            const row = rows(run.stdout).get("rolled back")!;
            assert.equal(row.result, "FAIL");
            assert.match(row.observed, /deployment alarm .*not the predicted mechanism/);
        });

        it("an alarm drill rolled back by another alarm than the forced one does not pass", async () => {
            const run = await drill({ ...inTime("rolling", "alarm"), firedAlarm: "ecs-deploy-dev-web-green-p99-latency" });
            assert.equal(run.code, 1);
            assert.match(rows(run.stdout).get("rolled back")!.observed, /green-p99-latency.*not the predicted mechanism/);
        });

        it("a notification about another service's deployment does not count", async () => {
            for (const mode of ["rolling", "codedeploy"] as Mode[]) {
                const run = await drill({ ...inTime(mode, "start"), onlyOthersNotified: true });
                assert.equal(run.code, 1, mode);
                const row = rows(run.stdout).get("notified")!;
                assert.equal(row.result, "FAIL");
                assert.match(row.observed, /no message about .* \(1 other message on the topic\)/);
                assertCleanedUp(run);
            }
        });

        it("a CodeDeploy deployment stopped by an alarm does not pass a start drill", async () => {
            const run = await drill({ ...inTime("codedeploy", "start"), mechanism: "alarm" });
            assert.equal(run.code, 1);
            assert.match(rows(run.stdout).get("rolled back")!.observed, /ALARM_ACTIVE.*not the predicted mechanism/);
        });

        it("fails when the CodeDeploy deployment of the bad revision succeeds, and deploys the previous revision back", async () => {
            const run = await drill({ mode: "codedeploy", kind: "alarm", mechanism: "failure", notifyAfter: 20 });
            assert.equal(run.code, 1);
            assert.match(rows(run.stdout).get("rolled back")!.observed, /SUCCEEDED/);
            const restore = calls<{ revision?: { appSpecContent?: { content?: string } } }>(cdMock as never, CreateDeploymentCommand)[1];
            assert.ok(restore.revision!.appSpecContent!.content!.includes(tdArn("api", 7)), "a deployment of the previous revision restores the service");
            assertCleanedUp(run);
        });

        it("registers the failing revision each kind describes, as a copy of the running one", async () => {
            type Registered = {
                family?: string;
                tags?: { key?: string; value?: string }[];
                containerDefinitions?: { image?: string; entryPoint?: string[]; command?: string[]; environment?: { name?: string; value?: string }[]; healthCheck?: object }[];
            };
            const registered = () => calls<Registered>(ecsMock as never, RegisterTaskDefinitionCommand)[0];

            await drill(inTime("rolling", "start"));
            const start = registered();
            assert.match(start.containerDefinitions![0].image!, /^public\.ecr\.aws\/example\/web:drill-\d{14}-does-not-exist$/);
            assert.equal(start.family, "web");
            assert.deepEqual(start.containerDefinitions![0].environment, [{ name: "LOG_LEVEL", value: "debug" }], "everything else is copied");
            assert.deepEqual(start.tags!.map((t) => t.key), ["team", "rollback-drill"]);

            await drill(inTime("rolling", "health"));
            const web = registered().containerDefinitions![0];
            assert.deepEqual(web.entryPoint, ["sh", "-c"]);
            assert.equal(web.image, "public.ecr.aws/example/web:1.4.2", "same image: it starts");

            await drill(inTime("worker", "health"));
            assert.deepEqual(registered().containerDefinitions![0].healthCheck, { command: ["CMD-SHELL", "exit 1"], interval: 30, timeout: 5, retries: 3, startPeriod: 30 });

            await drill(inTime("bluegreen", "alarm"));
            const alarm = registered().containerDefinitions![0];
            assert.deepEqual(alarm.environment!.map((e) => e.name), ["LOG_LEVEL", "ROLLBACK_DRILL"]);
            assert.equal(alarm.image, "public.ecr.aws/example/shop:1.4.2");
        });

        it("suspends auto scaling for the drill and resumes it afterwards, also after a failure", async () => {
            const run = await drill({ ...inTime("rolling", "start"), scaling: true, notifyAfter: undefined });
            assert.equal(run.code, 1);
            const states = calls<{ ResourceId?: string; SuspendedState?: { DynamicScalingInSuspended?: boolean } }>(aasMock as never, RegisterScalableTargetCommand);
            assert.deepEqual(states.map((s) => [s.ResourceId, s.SuspendedState!.DynamicScalingInSuspended]), [
                [`service/${CLUSTER}/${ecsName("rolling")}`, true],
                [`service/${CLUSTER}/${ecsName("rolling")}`, false],
            ]);
        });

        it("--json prints the report as one JSON document on stdout, the log on stderr", async () => {
            const run = await drill(inTime("worker", "alarm"), ["--json"]);
            assert.equal(run.code, 0);
            const report = JSON.parse(run.stdout);
            assert.equal(report.passed, true);
            assert.equal(report.exitCode, 0);
            assert.equal(report.forcedAlarm, WORKER_ALARMS[0]);
            assert.equal(report.expectedMechanism, "deployment alarm");
            assert.equal(report.timing.totalAllowanceSeconds, ALLOWANCE.worker.alarm.total);
            assert.deepEqual(report.steps.map((s: { step: string }) => s.step), ["listen", "register", "release", "rolled back", "back on previous", "notified", "clean-up"]);
            assert.ok(report.steps.every((s: { ok: boolean; atSeconds: number }) => s.ok === true && typeof s.atSeconds === "number"));
            assert.match(run.stderr, /\| step/);
        });

        it("a stated tolerance changes the verdict: the same rollback passes with a wider one", async () => {
            const slow = { ...inTime("rolling", "start"), rollbackAfter: 330 };
            assert.equal((await drill(slow)).code, 1);
            assert.equal((await drill(slow, ["--tolerance-minutes", "5"])).code, 0);
        });
    });

    describe("safety", () => {
        it("refuses production (policies/config/prod.json) without the flag, before reading anything (exit 2)", async () => {
            const run = await drill(inTime("rolling", "start"), [], { stack: "prod" });
            assert.equal(run.code, 2);
            assert.match(run.stderr, /Refusing to drill stack prod: policies\/config\/prod\.json makes "test-listener-not-public" mandatory/);
            assert.match(run.stderr, /--i-understand-this-is-production/);
            assert.equal(run.loaded, 0, "the stack outputs are not even read");
            assert.equal(ecsMock.calls().length + sqsMock.calls().length, 0, "nothing is called in AWS");
        });

        it("recognizes production through an org-qualified stack name too", async () => {
            const run = await drill(inTime("rolling", "start"), [], { stack: "acme/prod" });
            assert.equal(run.code, 2);
        });

        it("drills production with --i-understand-this-is-production", async () => {
            const run = await drill(inTime("rolling", "start"), ["--i-understand-this-is-production"], { stack: "prod" });
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stderr, /Warning: stack prod is production/);
        });

        it("refuses while another ECS deployment is in progress: nothing is registered or created (exit 1)", async () => {
            const run = await drill({ ...inTime("rolling", "start"), busy: true });
            assert.equal(run.code, 1);
            assert.match(run.stderr, /has a deployment in progress.*Nothing was changed/);
            assert.equal(calls(ecsMock as never, RegisterTaskDefinitionCommand).length, 0);
            assert.equal(calls(ecsMock as never, UpdateServiceCommand).length, 0);
            assert.equal(calls(sqsMock as never, CreateQueueCommand).length, 0);
        });

        it("refuses while the CodeDeploy group has an active deployment (exit 1)", async () => {
            const run = await drill({ ...inTime("codedeploy", "start"), busy: true });
            assert.equal(run.code, 1);
            assert.match(run.stderr, /has an active deployment, d-OTHER/);
            assert.equal(calls(cdMock as never, CreateDeploymentCommand).length, 0);
            assert.equal(calls(ecsMock as never, RegisterTaskDefinitionCommand).length, 0);
            assert.equal(calls(sqsMock as never, CreateQueueCommand).length, 0);
        });
    });

    describe("bad input (exit 2, nothing changed)", () => {
        const nothingChanged = () => {
            assert.equal(calls(ecsMock as never, RegisterTaskDefinitionCommand).length, 0);
            assert.equal(calls(sqsMock as never, CreateQueueCommand).length, 0);
        };

        it("an unknown service", async () => {
            const run = await drill(inTime("rolling", "start"), [], { outputs: stackOutputs({ mode: "worker" }) });
            assert.equal(run.code, 2);
            assert.match(run.stderr, /Unknown service "web"\. Services in the outputs of stack dev: jobs/);
            nothingChanged();
        });

        it("outputs without the notification topic", async () => {
            const run = await drill(inTime("rolling", "start"), [], { outputs: stackOutputs({ mode: "rolling" }, false) });
            assert.equal(run.code, 2);
            assert.match(run.stderr, /no topicArn/);
            nothingChanged();
        });

        it("outputs lacking a field the drill needs", async () => {
            const outputs = stackOutputs({ mode: "rolling" });
            delete (outputs.services.web as Record<string, unknown>).containerName;
            const run = await drill(inTime("rolling", "start"), [], { outputs });
            assert.equal(run.code, 2);
            assert.match(run.stderr, /lacks containerName/);
        });

        it("a stack whose outputs cannot be read", async () => {
            const world = new World(inTime("rolling", "start"));
            let stderr = "";
            const code = await runDrillCli({
                argv: ["dev", "web"],
                env: {},
                stdout: { write: () => true },
                stderr: { write: (t: string) => (stderr += t) },
                clock: world.clock,
                loadOutputs: async () => {
                    throw new DeployError("`pulumi stack output` failed: no stack named 'dve' found");
                },
                makeClients: () => ({ ecs, codeDeploy, sqs, sns, cloudWatch, autoScaling }),
            });
            assert.equal(code, 2);
            assert.match(stderr, /no stack named/);
        });

        it("the alarm kind on a service without alarms", async () => {
            for (const mode of ["rolling", "codedeploy"] as Mode[]) {
                const run = await drill({ ...inTime(mode, "alarm"), noAlarms: true }, [], { outputs: stackOutputs({ mode, noAlarms: true }) });
                assert.equal(run.code, 2, mode);
                assert.match(run.stderr, /--kind alarm does not apply/);
                nothingChanged();
            }
        });

        it("the health kind on a worker without a container health check", async () => {
            const run = await drill({ ...inTime("worker", "health"), noContainerHealthCheck: true });
            assert.equal(run.code, 2);
            assert.match(run.stderr, /--kind health does not apply/);
            nothingChanged();
        });

        it("an unknown kind, a missing service, a bad number", async () => {
            for (const args of [["dev", "web", "--kind", "explode"], ["dev"], ["dev", "web", "--poll-seconds", "0"], ["dev", "web", "--tolerance-percent", "-1"]]) {
                let stderr = "";
                const code = await runDrillCli({ argv: args, env: {}, stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } });
                assert.equal(code, 2, args.join(" "));
                assert.match(stderr, /Run with --help/);
            }
        });

        it("--help prints the usage and exits 0", async () => {
            let stdout = "";
            const code = await runDrillCli({ argv: ["--help"], env: {}, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } });
            assert.equal(code, 0);
            assert.match(stdout, /Usage: npm run drill -- <stack> <service>/);
        });
    });
});
