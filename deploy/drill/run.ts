/**
 * The rollback drill (`npm run drill`): proves, in the account, that a service's way back works
 * and that the team hears about it.
 *
 *   1. Reads only: the service (ECS; no other deployment in progress, or active in its CodeDeploy
 *      group), the revision it runs, and what the plan's timing model predicts from what AWS says.
 *   2. Listens: a temporary SQS queue subscribed to the stack's notification topic.
 *   3. Suspends the service's auto scaling (services with `scaling`), as the deploy command does.
 *   4. Registers a copy of the running revision that fails the drill's way (revision.ts).
 *   5. Releases it the way the service's mode releases: UpdateService (rolling, bluegreen, workers)
 *      or a CodeDeploy deployment with the stack's AppSpec (codedeploy, deploy/run.ts), and for the
 *      alarm kind forces one of the service's rollback alarms into ALARM once the revision runs.
 *   6. Follows it as `npm run verify` does (deploy/ecsDeployment.ts, deploy/follow.ts) and judges:
 *      the predicted mechanism rolled it back, within the model's time plus the tolerance, the
 *      service is back on its previous revision and steady, and the failure notification arrived.
 *   7. Cleans up whatever happened (cleanup.ts): alarm back to OK, the service restored if it still
 *      runs the drill's revision, scaling resumed, the revision deregistered, subscription and queue
 *      deleted.
 */
import { DescribeAlarmsCommand, SetAlarmStateCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GetDeploymentCommand, StopDeploymentCommand, type CodeDeployClient, type DeploymentInfo } from "@aws-sdk/client-codedeploy";
import {
    DeregisterTaskDefinitionCommand,
    DescribeServiceDeploymentsCommand,
    UpdateServiceCommand,
    type ECSClient,
    type Service,
    type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { formatSeconds } from "../../policies/lib/timing";
import { ACTIVE_STATUSES, awaitRollbackInfo, describeActive, describeDeployment, listActiveDeployments } from "../active";
import type { Clock, Reporter } from "../console";
import {
    describeEcsProgress,
    describeEcsService,
    ecsDeploymentTimeout,
    followEcsDeployment,
    primaryDeployment,
    serviceDeploymentTrigger,
    shortTaskDefinition,
    type EcsFollowResult,
    type EcsSnapshot,
} from "../ecsDeployment";
import { DeployError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SUCCESS, UsageError, errorText } from "../errors";
import { followDeployment } from "../follow";
import type { StackOutputs } from "../outputs";
import { consoleUrl, describeProgress, isTerminal, type DeploymentSnapshot } from "../progress";
import { createDeployment } from "../run";
import { resumeCommand, resumeScaling, suspendScaling } from "../scalingPause";
import { describeTaskDefinition, registerTaskDefinition, type DescribedTaskDefinition } from "../taskDefinition";
import { DrillCleanup } from "./cleanup";
import { NotificationListener, drillQueueName } from "./notifications";
import { drillVerdictLine, renderDrillTable, type DrillReport, type DrillStep } from "./report";
import { badRevision, drillStamp } from "./revision";
import { requireTopicArn, selectDrillTarget, type DrillKind, type DrillTarget } from "./target";
import {
    DEFAULT_TOLERANCE,
    describeAllowance,
    drillBudget,
    drillTimingInputs,
    type AlarmSettings,
    type DrillBudget,
    type Mechanism,
    type Tolerance,
} from "./timing";

/** Minutes the drill keeps watching past the allowance, to tell a slow rollback from none. */
export const WATCH_MARGIN_MINUTES = 15;
/** Default minutes to wait for the notification after the failure was detected. */
export const DEFAULT_NOTIFICATION_MINUTES = 5;
/** How often a forced alarm is set again while the drill's revision deploys (CloudWatch re-evaluates it every period). */
export const ALARM_REASSERT_MS = 60_000;

export interface DrillRequest {
    stack: string;
    outputs: StackOutputs;
    /** Key of the service in the `services` stack output. */
    service: string;
    kind: DrillKind;
    region: string;
    pollSeconds: number;
    /** Stop watching after this many minutes; default: the allowance + 15 (at least ECS's own deployment timeout). */
    timeoutMinutes?: number;
    notificationMinutes?: number;
    tolerance?: Tolerance;
    /** How the outputs were read, for messages (default `stack <stack>`). */
    where?: string;
}

export interface DrillClients {
    ecs: ECSClient;
    codeDeploy: CodeDeployClient;
    sqs: SQSClient;
    sns: SNSClient;
    cloudWatch: CloudWatchClient;
    autoScaling?: ApplicationAutoScalingClient;
}

export interface DrillDeps extends DrillClients {
    reporter: Reporter;
    clock: Clock;
    /** Aborted on Ctrl-C (or SIGTERM): the drill stops, restores the service and cleans up. */
    signal?: AbortSignal;
    /** Receives the commands that would undo what is still pending (for a clean-up that is abandoned). */
    onCleanupPending?: (pending: () => string[]) => void;
}

/** Thrown inside the drill when the signal aborts: unwinds to the clean-up. */
class Interrupted extends Error {
    constructor() {
        super("interrupted");
        this.name = "Interrupted";
    }
}

interface Preflight {
    service: Service;
    worker: boolean;
    previousArn: string;
    described: DescribedTaskDefinition;
    budget: DrillBudget;
    assumptions: string[];
    alarmName?: string;
}

/** Runs the drill; never throws for what it can report (refusals, AWS errors): see the report's exitCode. */
export async function runDrill(request: DrillRequest, deps: DrillDeps): Promise<DrillReport> {
    return new Drill(request, deps).run();
}

export function printDrillReport(report: DrillReport, reporter: Reporter): void {
    reporter.progressDone();
    reporter.info("");
    for (const line of renderDrillTable(report.steps)) reporter.info(line);
    reporter.info("");
    if (report.passed) reporter.info(drillVerdictLine(report));
    else reporter.error(drillVerdictLine(report));
}

class Drill {
    private readonly report: DrillReport;
    private readonly started: number;
    private readonly tolerance: Tolerance;
    private target!: DrillTarget;
    private topicArn!: string;
    private forcer?: AlarmForcer;

    constructor(
        private readonly request: DrillRequest,
        private readonly deps: DrillDeps,
    ) {
        this.started = deps.clock.now();
        this.tolerance = request.tolerance ?? DEFAULT_TOLERANCE;
        this.report = {
            stack: request.stack,
            service: request.service,
            kind: request.kind,
            passed: false,
            interrupted: false,
            exitCode: EXIT_FAILURE,
            assumptions: [],
            notes: [],
            steps: [],
        };
    }

    private get where(): string {
        return this.request.where ?? `stack ${this.request.stack}`;
    }

    private at(): number {
        return this.deps.clock.now() - this.started;
    }

    private row(step: DrillStep): void {
        this.report.steps.push(step);
    }

    private checkAbort(): void {
        if (this.deps.signal?.aborted) throw new Interrupted();
    }

    async run(): Promise<DrillReport> {
        const { reporter } = this.deps;
        let pre: Preflight;
        try {
            this.target = selectDrillTarget(this.request.outputs, this.request.service, this.where);
            this.topicArn = requireTopicArn(this.request.outputs, this.where);
            this.report.mode = this.target.mode;
            this.report.ecsService = this.target.serviceName;
            this.report.clusterName = this.target.clusterName;
            pre = await this.preflight();
        } catch (e) {
            return this.stoppedBeforeAnyChange(e);
        }
        this.announce(pre);
        if (!pre.budget.mechanism) {
            this.row({
                step: "way back",
                expected: `a mechanism that rolls a ${this.request.kind} failure back`,
                observed: `none: ${pre.budget.noMechanism}. Nothing was released.`,
                atMs: this.at(),
                ok: false,
            });
            return this.finish();
        }
        if (this.deps.signal?.aborted) return this.stoppedBeforeAnyChange(new Interrupted());

        const cleanup = new DrillCleanup();
        this.deps.onCleanupPending?.(() => cleanup.pendingCommands());
        try {
            await this.execute(pre, cleanup);
        } catch (e) {
            if (e instanceof Interrupted || this.deps.signal?.aborted) {
                this.report.interrupted = true;
                reporter.progressDone();
                reporter.error("Interrupted: restoring the service and cleaning up (Ctrl-C twice more abandons the clean-up).");
            } else {
                reporter.progressDone();
                const message = errorText(e);
                this.report.error = message;
                reporter.error(`Error: ${message}`);
                this.row({ step: "error", expected: "every AWS call succeeds", observed: message, atMs: this.at(), ok: false });
            }
        } finally {
            this.forcer?.stop();
            const outcome = await cleanup.runAll(reporter);
            this.report.cleanup = outcome;
            if (cleanup.size > 0) {
                this.row({
                    step: "clean-up",
                    expected: "alarm reset, service restored if needed, scaling resumed, revision deregistered, queue and subscription deleted",
                    observed:
                        outcome.failed.length === 0
                            ? `done (${outcome.done.length} step${outcome.done.length === 1 ? "" : "s"})`
                            : `FAILED: ${outcome.failed.map((f) => `${f.name} (${f.error}); by hand: ${f.manual}`).join("; ")}`,
                    atMs: this.at(),
                    ok: outcome.failed.length === 0,
                });
            }
        }
        return this.finish();
    }

    private finish(): DrillReport {
        const r = this.report;
        r.passed = !r.interrupted && r.error === undefined && r.steps.length > 0 && r.steps.every((s) => s.ok !== false);
        r.exitCode = r.interrupted ? EXIT_INTERRUPTED : r.passed ? EXIT_SUCCESS : EXIT_FAILURE;
        return r;
    }

    private stoppedBeforeAnyChange(e: unknown): DrillReport {
        const { reporter } = this.deps;
        reporter.progressDone();
        if (e instanceof Interrupted || (this.deps.signal?.aborted && !(e instanceof DeployError))) {
            this.report.interrupted = true;
            this.report.exitCode = EXIT_INTERRUPTED;
            reporter.error("Interrupted before anything was changed.");
            return this.report;
        }
        const message = errorText(e);
        this.report.error = message;
        this.report.exitCode = e instanceof DeployError ? e.exitCode : EXIT_FAILURE;
        reporter.error(`Error: ${message}`);
        if (this.report.exitCode === EXIT_FAILURE) reporter.error("Nothing was changed.");
        return this.report;
    }

    // ------------------------------------------------------------------------------------------
    // 1. Reads only

    private async preflight(): Promise<Preflight> {
        const { ecs, codeDeploy, signal } = this.deps;
        const t = this.target;
        const kind = this.request.kind;
        const service = await describeService(ecs, t.clusterName, t.serviceName, signal);
        const controller = service.deploymentController?.type ?? "ECS";
        const expectedController = t.mode === "codedeploy" ? "CODE_DEPLOY" : "ECS";
        if (controller !== expectedController) {
            throw new UsageError(
                `ECS service ${t.serviceName} uses the ${controller} deployment controller, but the outputs of ${this.where} say "${t.mode}". ` +
                    "Is the stack up to date (run `pulumi up`)?",
            );
        }
        const worker = t.kind ? t.kind === "worker" : (service.loadBalancers ?? []).length === 0;
        this.report.worker = worker;

        let previousArn: string | undefined;
        if (t.mode === "codedeploy") {
            const group = t.codeDeploy!.codeDeploy;
            const active = await listActiveDeployments(codeDeploy, group, signal);
            if (active.length > 0) {
                const info = await describeDeployment(codeDeploy, active[0]);
                throw new DeployError(
                    `Deployment group ${group.applicationName}/${group.deploymentGroupName} has an active deployment, ${describeActive(active[0], info)}: ` +
                        `the drill needs the group to itself (CodeDeploy runs one deployment at a time). Nothing was changed. ` +
                        `Follow it: ${consoleUrl(this.request.region, active[0])}, and drill once it has ended.`,
                );
            }
            const sets = service.taskSets ?? [];
            if (sets.length > 1) {
                throw new DeployError(
                    `ECS service ${t.serviceName} has ${sets.length} task sets (${sets.map((s) => `${s.status} ${shortTaskDefinition(s.taskDefinition)}`).join(", ")}): ` +
                        "a deployment is still in progress. Nothing was changed; drill once it has ended.",
                );
            }
            previousArn = sets.find((s) => s.status === "PRIMARY")?.taskDefinition ?? service.taskDefinition;
        } else {
            const deployments = service.deployments ?? [];
            const primary = primaryDeployment(service);
            if (deployments.length > 1 || (primary?.rolloutState && primary.rolloutState !== "COMPLETED")) {
                throw new DeployError(
                    `ECS service ${t.serviceName} has a deployment in progress (${deployments
                        .map((d) => `${d.id} ${shortTaskDefinition(d.taskDefinition)} ${d.status}/${d.rolloutState ?? "?"}`)
                        .join(", ")}): the drill would fight it, and a rollback would go to a revision that never completed. ` +
                        "Nothing was changed; drill once it has ended (npm run verify follows it).",
                );
            }
            previousArn = primary?.taskDefinition ?? service.taskDefinition;
        }
        if (!previousArn) throw new DeployError(`ECS service ${t.serviceName} runs no task definition: there is no revision to go back to.`);
        this.report.previousTaskDefinitionArn = previousArn;
        const described = await describeTaskDefinition(ecs, previousArn);
        this.checkAbort();
        const container = described.taskDefinition.containerDefinitions?.find((c) => c.name === t.containerName);
        if (!container) {
            throw new UsageError(
                `${shortTaskDefinition(previousArn)} has no container "${t.containerName}" (the outputs' containerName); its containers: ` +
                    `${(described.taskDefinition.containerDefinitions ?? []).map((c) => c.name).join(", ") || "(none)"}.`,
            );
        }
        if (kind === "health" && worker && !container.healthCheck?.command?.length) {
            throw new UsageError(`--kind health does not apply to ${t.name}: it is a worker without a container health check, so nothing would detect it.`);
        }

        // Rollback alarms: ECS deployment alarms (ECS controller) or the deployment group's (the outputs list them).
        const ecsAlarms = service.deploymentConfiguration?.alarms;
        const ecsAlarmNames = ecsAlarms?.enable ? (ecsAlarms.alarmNames ?? []) : [];
        const candidates = t.mode === "codedeploy" ? t.alarmNames : ecsAlarmNames;
        const hasRollbackAlarms = t.mode === "codedeploy" ? candidates.length > 0 : candidates.length > 0 && !!ecsAlarms?.rollback;
        if (kind === "alarm" && candidates.length === 0) {
            throw new UsageError(
                `--kind alarm does not apply to ${t.name}: it has no ${t.mode === "codedeploy" ? "CodeDeploy alarms (output alarmNames)" : "deployment alarms on the ECS service"}.`,
            );
        }
        let alarmName: string | undefined;
        let alarm: AlarmSettings | undefined;
        const assumptions: string[] = [];
        if (candidates.length > 0) {
            alarmName = pickAlarm(candidates, worker, t.alarmNames);
            const read = await readAlarm(this.deps.cloudWatch, alarmName);
            if (read === "missing" && kind === "alarm") {
                throw new UsageError(`Alarm ${alarmName} (a rollback alarm of ${t.name}) does not exist in CloudWatch: is the stack up to date (run \`pulumi up\`)?`);
            }
            if (read && read !== "missing") alarm = read;
        }
        const model = drillTimingInputs({ target: t, worker, service, containerHealthCheck: container.healthCheck, hasRollbackAlarms, alarm, alarmName });
        assumptions.push(...model.assumptions);
        if (kind === "alarm") {
            assumptions.push(
                `a 5xx (or queue) failure cannot be provoked generically: the drill sets alarm ${alarmName} to ALARM with CloudWatch SetAlarmState ` +
                    "once the new revision runs (and again every minute until the rollback starts)",
            );
        }
        if (kind === "health" && !worker) {
            assumptions.push("the health failure replaces the container's entry point with `sh -c`: an image without /bin/sh makes it a start failure");
        }
        const budget = drillBudget(kind, model.inputs, this.tolerance);
        if (kind === "alarm" && t.mode !== "codedeploy" && !ecsAlarms?.rollback) {
            budget.mechanism = undefined;
            budget.noMechanism = "the service's deployment alarms do not roll back (rollback: false)";
        }
        this.report.expectedMechanism = budget.mechanism;
        this.report.assumptions = assumptions;
        this.report.notes = [...budget.timing.notes];
        this.report.timing = {
            detectModelSeconds: budget.detectSeconds,
            recoverModelSeconds: budget.recoverSeconds,
            detectAllowanceSeconds: budget.detectAllowance,
            totalAllowanceSeconds: budget.totalAllowance,
            tolerance: this.tolerance,
        };
        return { service, worker, previousArn, described, budget, assumptions, alarmName };
    }

    private announce(pre: Preflight): void {
        const { reporter } = this.deps;
        const t = this.target;
        const b = pre.budget;
        reporter.info(
            `Rollback drill "${this.request.kind}" on ${t.name} (${pre.worker ? "worker, " : ""}${t.mode}): ECS service ${t.serviceName} in cluster ${t.clusterName}, ` +
                `stack ${this.request.stack}, ${this.request.region}.`,
        );
        reporter.info(`It runs ${shortTaskDefinition(pre.previousArn)}, desired ${pre.service.desiredCount ?? "?"}: the revision the drill must come back to.`);
        if (b.mechanism) {
            reporter.info(
                `Predicted: the ${b.mechanism} rolls it back; detection ${formatSeconds(b.detectSeconds)} + back on the old version ${formatSeconds(b.recoverSeconds)} ` +
                    `(allowed ${describeAllowance((b.detectSeconds ?? 0) + (b.recoverSeconds ?? 0), b.totalAllowance, this.tolerance)}).`,
            );
        }
        for (const a of pre.assumptions) reporter.info(`  assumption: ${a}`);
        for (const n of b.timing.notes) reporter.info(`  model note: ${n}`);
    }

    // ------------------------------------------------------------------------------------------
    // 2-7.

    private async execute(pre: Preflight, cleanup: DrillCleanup): Promise<void> {
        const { reporter, clock } = this.deps;
        const t = this.target;
        const region = this.request.region;
        const stamp = drillStamp(clock.now());

        // 2. Listen on the topic first: a notification sent before the subscription is lost.
        const listener = new NotificationListener(this.deps.sqs, this.deps.sns, { topicArn: this.topicArn, queueName: drillQueueName(t.name, stamp) });
        const queueName = listener.options.queueName;
        cleanup.add({
            name: "delete the notification queue",
            run: () => listener.deleteQueue(),
            manual: `aws sqs delete-queue --region ${region} --queue-url "$(aws sqs get-queue-url --region ${region} --queue-name ${queueName} --query QueueUrl --output text)"`,
        });
        await listener.createQueue();
        cleanup.add({
            name: "unsubscribe the queue from the topic",
            run: () => listener.unsubscribe(),
            manual: `aws sns list-subscriptions-by-topic --region ${region} --topic-arn ${this.topicArn} (unsubscribe the endpoint ending in :${queueName})`,
        });
        const subscriptionArn = await listener.subscribe();
        this.row({
            step: "listen",
            expected: `a temporary queue subscribed to ${topicName(this.topicArn)}`,
            observed: `queue ${queueName} subscribed (${subscriptionArn.split(":").pop()})`,
            atMs: this.at(),
            ok: true,
        });
        this.checkAbort();

        // 3. Scaling, as the deploy command does.
        const scaling = t.scaling && this.deps.autoScaling ? this.deps.autoScaling : undefined;
        if (scaling) {
            cleanup.add({
                name: "resume auto scaling",
                run: async () => {
                    await resumeScaling(scaling, t);
                    return `resumed auto scaling of ${t.serviceName}`;
                },
                manual: resumeCommand(region, t),
            });
            await suspendScaling(scaling, t);
            reporter.info(`Suspended auto scaling of ${t.serviceName} for the drill.`);
            this.checkAbort();
        }

        // 4. The bad revision.
        const bad = badRevision(pre.described, {
            kind: this.request.kind,
            containerName: t.containerName,
            stackImage: t.image,
            worker: pre.worker,
            stamp,
            containerPort: t.containerPort,
        });
        const badArn = await registerTaskDefinition(this.deps.ecs, bad.request);
        this.report.drillTaskDefinitionArn = badArn;
        cleanup.add({
            name: "deregister the drill's revision",
            run: async () => {
                await this.deps.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: badArn }));
                return `deregistered ${shortTaskDefinition(badArn)}`;
            },
            manual: `aws ecs deregister-task-definition --region ${region} --task-definition ${badArn}`,
        });
        this.row({
            step: "register",
            expected: `a copy of ${shortTaskDefinition(pre.previousArn)} that ${kindWords(this.request.kind)}`,
            observed: `${shortTaskDefinition(badArn)}: ${bad.change}`,
            atMs: this.at(),
            ok: true,
        });
        this.checkAbort();

        // Alarm kind: the alarm to force, reset at the end.
        if (this.request.kind === "alarm" && pre.alarmName) {
            const forcer = new AlarmForcer(this.deps.cloudWatch, pre.alarmName, clock, reporter, `${t.name} (${shortTaskDefinition(badArn)})`);
            this.forcer = forcer;
            this.report.forcedAlarm = pre.alarmName;
            cleanup.add({
                name: "reset the forced alarm",
                run: () => forcer.reset(),
                manual: `aws cloudwatch set-alarm-state --region ${region} --alarm-name ${pre.alarmName} --state-value OK --state-reason "rollback drill over"`,
            });
        }

        // 5-6. Release and follow.
        const outcome = t.mode === "codedeploy" ? await this.releaseCodeDeploy(pre, badArn, cleanup) : await this.releaseEcs(pre, badArn, cleanup);
        this.checkAbort();

        // 6. The notification.
        await this.awaitNotification(listener, outcome);
    }

    // ------------------------------------------------------------------------------------------
    // ECS controller: rolling, bluegreen, workers

    private async releaseEcs(pre: Preflight, badArn: string, cleanup: DrillCleanup): Promise<ReleaseOutcome> {
        const { ecs, clock, reporter, signal } = this.deps;
        const t = this.target;
        const region = this.request.region;
        const prev = pre.previousArn;
        cleanup.add({
            name: "restore the service",
            run: () => this.restoreEcs(prev, badArn),
            manual: `aws ecs update-service --region ${region} --cluster ${t.clusterName} --service ${t.serviceName} --task-definition ${prev}`,
        });
        const releasedAt = clock.now();
        // Not abortable: once sent, the drill must know it was.
        const response = await ecs.send(new UpdateServiceCommand({ cluster: t.clusterName, service: t.serviceName, taskDefinition: badArn }));
        const started = response?.service?.deployments?.find((d) => d.status === "PRIMARY" && d.taskDefinition === badArn);
        this.report.deploymentId = started?.id;
        this.row({
            step: "release",
            expected: `UpdateService to ${shortTaskDefinition(badArn)}, as ${t.mode === "bluegreen" ? "a native blue/green" : "a rolling"} deployment`,
            observed: `deployment ${started?.id ?? "(id not returned)"} started`,
            atMs: releasedAt - this.started,
            ok: true,
        });
        const watchMinutes = this.request.timeoutMinutes ?? Math.max(Math.ceil((pre.budget.totalAllowance ?? 0) / 60) + WATCH_MARGIN_MINUTES, ecsDeploymentTimeout(pre.service).minutes);
        reporter.info(`Watching for up to ${watchMinutes} min (the allowance + ${WATCH_MARGIN_MINUTES} min, to tell a slow rollback from none; --timeout-minutes overrides).`);
        const forcer = this.forcer;
        const followed = await followEcsDeployment(
            { clusterName: t.clusterName, serviceName: t.serviceName, declaredTaskDefinitionArn: badArn },
            {
                pollMs: this.request.pollSeconds * 1000,
                timeoutMinutes: watchMinutes,
                timeoutAnnounced: this.request.timeoutMinutes === undefined,
                signal,
                onPoll: forcer ? (snapshot) => forcer.onEcsPoll(snapshot, badArn) : undefined,
            },
            { ecs, reporter, clock },
        );
        this.report.deploymentId ??= followed.deploymentId;
        if (followed.outcome === "interrupted") throw new Interrupted();
        const detectedAt = clock.now();
        forcer?.stop();
        if (followed.outcome !== "rolledBack") {
            const why: Record<string, string> = {
                completed: `nothing rolled it back: ${shortTaskDefinition(badArn)} COMPLETED (the clean-up puts ${shortTaskDefinition(prev)} back)`,
                timedOut: `no rollback within ${watchMinutes} min: ${followed.summary}`,
                failed: `the deployment failed without a working rollback: ${followed.summary}`,
                vanished: `another deployment replaced the drill's: ${followed.summary}`,
            };
            this.failDetection(pre, why[followed.outcome] ?? followed.summary, detectedAt);
            if (forcer && !forcer.everSet) this.report.notes.push("the alarm was never forced: the drill's revision never ran a task");
            return { failureSeen: followed.outcome === "failed", detectedAt: followed.outcome === "failed" ? detectedAt : undefined, releasedAt, matcher: this.ecsMatcher() };
        }
        reporter.info(`Rollback seen after ${formatSeconds((detectedAt - releasedAt) / 1000)}: ${followed.summary}`);
        for (const line of followed.details) reporter.info(line);

        // Back on the previous revision, alone and COMPLETED.
        const deadline = releasedAt + watchMinutes * 60_000;
        const steady = await this.waitSteadyEcs(prev, badArn, deadline, followed.serviceDeploymentArn);
        const mechanism = classifyEcs(steady.serviceDeployment ?? followed.snapshot?.serviceDeployment, followed);
        this.judgeDetection(pre, mechanism, detectedAt, releasedAt);
        this.judgeBack(pre, prev, steady.at === undefined ? undefined : steady.at - releasedAt, steady.summary, releasedAt);
        return { failureSeen: true, detectedAt, releasedAt, matcher: this.ecsMatcher() };
    }

    private ecsMatcher(): (text: string) => boolean {
        const id = this.report.deploymentId;
        const t = this.target;
        if (id) return (text) => text.includes(id);
        return (text) => /FAILED/.test(text) && (text.includes(t.serviceArn ?? "\u0000") || text.includes(`service ${t.name} `));
    }

    private async waitSteadyEcs(
        prev: string,
        bad: string,
        deadline: number,
        serviceDeploymentArn: string | undefined,
    ): Promise<{ at?: number; summary: string; serviceDeployment?: ServiceDeployment }> {
        const { ecs, clock, reporter, signal } = this.deps;
        const t = this.target;
        let serviceDeployment: ServiceDeployment | undefined;
        let readDeployments = serviceDeploymentArn !== undefined;
        for (;;) {
            if (signal?.aborted) throw new Interrupted();
            let service: Service;
            try {
                service = await describeService(ecs, t.clusterName, t.serviceName, signal);
            } catch (e) {
                if (signal?.aborted) throw new Interrupted();
                throw e;
            }
            if (readDeployments) {
                try {
                    const r = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn!] }), { abortSignal: signal });
                    serviceDeployment = r?.serviceDeployments?.[0] ?? serviceDeployment;
                } catch {
                    if (signal?.aborted) throw new Interrupted();
                    readDeployments = false;
                }
            }
            const snapshot: EcsSnapshot = { service, serviceDeployment };
            reporter.progress(`rolling back: ${describeEcsProgress(snapshot)}`, clock.now() - this.started);
            const primary = primaryDeployment(service);
            const deployments = service.deployments ?? [];
            const settled =
                primary?.rolloutState === "COMPLETED" ||
                (primary?.rolloutState === undefined && primary?.runningCount === primary?.desiredCount && (primary?.pendingCount ?? 0) === 0);
            if (primary?.taskDefinition === prev && deployments.length === 1 && settled) {
                reporter.progressDone();
                return {
                    at: clock.now(),
                    summary: `${shortTaskDefinition(prev)} PRIMARY ${primary.rolloutState ?? "steady"}, ${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} tasks, the only deployment`,
                    serviceDeployment,
                };
            }
            if (primary?.taskDefinition && primary.taskDefinition !== prev && primary.taskDefinition !== bad) {
                reporter.progressDone();
                return { summary: `another revision, ${shortTaskDefinition(primary.taskDefinition)}, became PRIMARY (a deployment outside the drill)`, serviceDeployment };
            }
            if (clock.now() >= deadline) {
                reporter.progressDone();
                return { summary: `not steady on ${shortTaskDefinition(prev)} when the drill stopped watching: ${describeEcsProgress(snapshot)}`, serviceDeployment };
            }
            await clock.sleep(Math.min(this.request.pollSeconds * 1000, deadline - clock.now()), signal);
        }
    }

    /** Clean-up: the service must not be left on the drill's revision. */
    private async restoreEcs(prev: string, bad: string): Promise<string> {
        const { ecs } = this.deps;
        const t = this.target;
        // Never abortable: this runs because of a Ctrl-C.
        const service = await describeService(ecs, t.clusterName, t.serviceName);
        const primary = primaryDeployment(service);
        if (primary?.taskDefinition === bad || service.taskDefinition === bad) {
            await ecs.send(new UpdateServiceCommand({ cluster: t.clusterName, service: t.serviceName, taskDefinition: prev }));
            return `UpdateService back to ${shortTaskDefinition(prev)}: ECS replaces the drill's tasks`;
        }
        if (primary?.taskDefinition === prev) return `runs ${shortTaskDefinition(prev)} already: nothing to restore`;
        return `runs ${shortTaskDefinition(primary?.taskDefinition ?? service.taskDefinition)}, neither the drill's nor the previous revision: left alone`;
    }

    // ------------------------------------------------------------------------------------------
    // CODE_DEPLOY

    private async releaseCodeDeploy(pre: Preflight, badArn: string, cleanup: DrillCleanup): Promise<ReleaseOutcome> {
        const { codeDeploy, clock, reporter, signal } = this.deps;
        const t = this.target;
        const svc = t.codeDeploy!;
        const region = this.request.region;
        const prev = pre.previousArn;
        cleanup.add({
            name: "stop or undo the drill's deployment",
            run: () => this.restoreCodeDeploy(prev, badArn),
            manual: () => `aws deploy stop-deployment --region ${region} --auto-rollback-enabled --deployment-id ${this.report.deploymentId ?? "<the drill's deployment id>"}`,
        });
        const releasedAt = clock.now();
        const deploymentId = await createDeployment(
            codeDeploy,
            svc,
            badArn,
            `Rollback drill (${this.request.kind}) of ${t.name}, stack ${this.request.stack}: expected to fail and roll back to ${shortTaskDefinition(prev)}`,
        );
        this.report.deploymentId = deploymentId;
        this.row({
            step: "release",
            expected: `a CodeDeploy deployment of ${shortTaskDefinition(badArn)} with the stack's AppSpec`,
            observed: `deployment ${deploymentId} created`,
            atMs: releasedAt - this.started,
            ok: true,
        });
        reporter.info(`Created deployment ${deploymentId}. Console: ${consoleUrl(region, deploymentId)}`);
        const watchMinutes = this.request.timeoutMinutes ?? Math.ceil((pre.budget.totalAllowance ?? 0) / 60) + WATCH_MARGIN_MINUTES;
        const deadline = releasedAt + watchMinutes * 60_000;
        reporter.info(`Watching for up to ${watchMinutes} min (the allowance + ${WATCH_MARGIN_MINUTES} min; --timeout-minutes overrides).`);
        const forcer = this.forcer;
        const pollMs = this.request.pollSeconds * 1000;
        const followed = await followDeployment(
            deploymentId,
            { region, pollMs, timeoutMs: watchMinutes * 60_000, signal, onPoll: forcer ? (s) => forcer.onCodeDeployPoll(s) : undefined },
            { codeDeploy, reporter, clock },
        );
        if (followed.outcome === "Interrupted") throw new Interrupted();
        const detectedAt = clock.now();
        forcer?.stop();
        const matcher = (text: string) => text.includes(deploymentId);
        if (followed.outcome === "Succeeded" || followed.outcome === "TimedOut") {
            this.failDetection(
                pre,
                followed.outcome === "Succeeded"
                    ? `nothing rolled it back: deployment ${deploymentId} SUCCEEDED (the clean-up stops it or deploys ${shortTaskDefinition(prev)} again)`
                    : `no rollback within ${watchMinutes} min: ${followed.snapshot ? describeProgress(followed.snapshot) : "no status read"}`,
                detectedAt,
            );
            return { failureSeen: false, releasedAt, matcher };
        }
        const failed = followed.snapshot!.deployment;
        const rollbackInfo = await this.awaitRollbackInfo(failed);
        const rollbackId = rollbackInfo?.rollbackDeploymentId;
        this.report.rollbackDeploymentId = rollbackId;
        const code = failed.errorInformation?.code;
        const byAlarm = code === "ALARM_ACTIVE";
        const mechanism: ObservedMechanism = rollbackId
            ? {
                  mechanisms: ["CodeDeploy auto-rollback"],
                  text: `CodeDeploy auto-rollback ${rollbackId} after the deployment ${failed.status === "Stopped" ? "was stopped" : "failed"}${code ? ` (${code}${byAlarm && pre.alarmName ? `: ${pre.alarmName}` : ""})` : ""}`,
                  alarm: byAlarm,
              }
            : { mechanisms: [], text: `deployment ${failed.status}${code ? ` (${code})` : ""} and no rollback reported${rollbackInfo?.rollbackMessage ? `: ${rollbackInfo.rollbackMessage}` : ""}` };
        this.judgeDetection(pre, mechanism, detectedAt, releasedAt);
        if (!rollbackId) {
            this.judgeBack(pre, prev, undefined, "no rollback deployment to follow");
            return { failureSeen: true, detectedAt, releasedAt, matcher };
        }
        reporter.info(`CodeDeploy rolls back with ${rollbackId}; following it.`);
        const rollback = await followDeployment(rollbackId, { region, pollMs, timeoutMs: Math.max(pollMs, deadline - clock.now()), signal }, { codeDeploy, reporter, clock });
        if (rollback.outcome === "Interrupted") throw new Interrupted();
        if (rollback.outcome !== "Succeeded") {
            this.judgeBack(pre, prev, undefined, `rollback deployment ${rollbackId} ${rollback.outcome === "TimedOut" ? "still running when the drill stopped watching" : rollback.outcome}`);
            return { failureSeen: true, detectedAt, releasedAt, matcher };
        }
        const primary = await this.primaryTaskSet(deadline);
        this.judgeBack(
            pre,
            prev,
            primary.taskDefinition === prev ? primary.at - releasedAt : undefined,
            primary.taskDefinition === prev
                ? `rollback ${rollbackId} Succeeded; primary task set runs ${shortTaskDefinition(prev)}${primary.stability ? ` (${primary.stability})` : ""}`
                : `rollback ${rollbackId} Succeeded, but the primary task set runs ${shortTaskDefinition(primary.taskDefinition)}`,
            releasedAt,
        );
        return { failureSeen: true, detectedAt, releasedAt, matcher };
    }

    /** The primary task set, polled until it runs the previous revision or the deadline passes. */
    private async primaryTaskSet(deadline: number): Promise<{ taskDefinition?: string; stability?: string; at: number }> {
        const { ecs, clock, signal } = this.deps;
        const t = this.target;
        const prev = this.report.previousTaskDefinitionArn;
        for (;;) {
            if (signal?.aborted) throw new Interrupted();
            const service = await describeService(ecs, t.clusterName, t.serviceName, signal).catch((e: unknown) => {
                if (signal?.aborted) throw new Interrupted();
                throw e;
            });
            const primary = (service.taskSets ?? []).find((s) => s.status === "PRIMARY");
            const taskDefinition = primary?.taskDefinition ?? service.taskDefinition;
            if (taskDefinition === prev || clock.now() >= deadline) return { taskDefinition, stability: primary?.stabilityStatus, at: clock.now() };
            await clock.sleep(Math.min(this.request.pollSeconds * 1000, deadline - clock.now()), signal);
        }
    }

    private async awaitRollbackInfo(failed: DeploymentInfo): Promise<DeploymentInfo["rollbackInfo"]> {
        const { codeDeploy, clock, signal } = this.deps;
        const info = await awaitRollbackInfo(codeDeploy, failed, { clock, pollMs: this.request.pollSeconds * 1000, signal });
        if (signal?.aborted) throw new Interrupted();
        return info;
    }

    /** Clean-up: stop the drill's deployment if it runs, or put the previous revision back if the drill's won. */
    private async restoreCodeDeploy(prev: string, bad: string): Promise<string> {
        const { codeDeploy, ecs } = this.deps;
        const t = this.target;
        const id = this.report.deploymentId;
        if (!id) return "no deployment was created";
        const { deploymentInfo: info } = (await codeDeploy.send(new GetDeploymentCommand({ deploymentId: id }))) ?? {};
        if (info?.status && ACTIVE_STATUSES.includes(info.status)) {
            await codeDeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
            return `stopped ${id} with auto-rollback: CodeDeploy puts ${shortTaskDefinition(prev)} back`;
        }
        const rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
        if (rollbackId) {
            const rollback = await describeDeployment(codeDeploy, rollbackId);
            if (rollback?.status && ACTIVE_STATUSES.includes(rollback.status)) return `CodeDeploy's rollback ${rollbackId} is in progress: it puts ${shortTaskDefinition(prev)} back`;
        }
        const service = await describeService(ecs, t.clusterName, t.serviceName);
        const primary = (service.taskSets ?? []).find((s) => s.status === "PRIMARY")?.taskDefinition ?? service.taskDefinition;
        if (primary !== bad) return `primary task set runs ${shortTaskDefinition(primary)}: nothing to undo`;
        const restoreId = await createDeployment(codeDeploy, t.codeDeploy!, prev, `Rollback drill clean-up: ${t.name} back to ${shortTaskDefinition(prev)}`);
        return `created deployment ${restoreId} to put ${shortTaskDefinition(prev)} back: ${consoleUrl(this.request.region, restoreId)}`;
    }

    // ------------------------------------------------------------------------------------------
    // Judging

    private failDetection(pre: Preflight, observed: string, at: number): void {
        this.row({
            step: "rolled back",
            expected: this.detectionExpectation(pre),
            observed,
            atMs: at - this.started,
            ok: false,
        });
    }

    private detectionExpectation(pre: Preflight): string {
        const b = pre.budget;
        const alarm = this.request.kind === "alarm" && pre.alarmName ? ` (alarm ${pre.alarmName})` : "";
        return `the ${b.mechanism}${alarm} rolls it back within ${describeAllowance(b.detectSeconds, b.detectAllowance, this.tolerance)}`;
    }

    private judgeDetection(pre: Preflight, observed: ObservedMechanism, detectedAt: number, releasedAt: number): void {
        const afterMs = detectedAt - releasedAt;
        const b = pre.budget;
        const expected = b.mechanism!;
        let right = observed.mechanisms.includes(expected);
        if (expected === "CodeDeploy auto-rollback") right &&= this.request.kind === "alarm" ? observed.alarm === true : observed.alarm !== true;
        if (expected === "deployment alarm" && this.forcer && observed.alarms && observed.alarms.length > 0) right &&= observed.alarms.includes(this.forcer.alarmName);
        const inTime = b.detectAllowance !== undefined && afterMs <= b.detectAllowance * 1000;
        this.report.observedMechanism = observed.text;
        this.report.timing!.detectedAfterSeconds = Math.round(afterMs / 1000);
        this.row({
            step: "rolled back",
            expected: this.detectionExpectation(pre),
            observed: `${observed.text} after ${formatSeconds(afterMs / 1000)}${right ? "" : " (not the predicted mechanism)"}${inTime ? "" : " (too slow)"}`,
            atMs: detectedAt - this.started,
            ok: right && inTime,
        });
    }

    private judgeBack(pre: Preflight, prev: string, afterMs: number | undefined, summary: string, releasedAt?: number): void {
        const b = pre.budget;
        const inTime = afterMs !== undefined && b.totalAllowance !== undefined && afterMs <= b.totalAllowance * 1000;
        if (afterMs !== undefined) this.report.timing!.backAfterSeconds = Math.round(afterMs / 1000);
        this.row({
            step: "back on previous",
            expected: `${shortTaskDefinition(prev)} ${this.target.mode === "codedeploy" ? "in the primary task set, rollback Succeeded" : "PRIMARY, COMPLETED, alone"}, within ${describeAllowance(
                (b.detectSeconds ?? 0) + (b.recoverSeconds ?? 0),
                b.totalAllowance,
                this.tolerance,
            )}`,
            observed: afterMs === undefined ? summary : `${summary}, after ${formatSeconds(afterMs / 1000)}${inTime ? "" : " (too slow)"}`,
            atMs: afterMs !== undefined && releasedAt !== undefined ? releasedAt + afterMs - this.started : this.at(),
            ok: inTime,
        });
    }

    private async awaitNotification(listener: NotificationListener, outcome: ReleaseOutcome): Promise<void> {
        const { clock, reporter, signal } = this.deps;
        const minutes = this.request.notificationMinutes ?? DEFAULT_NOTIFICATION_MINUTES;
        const about = this.report.deploymentId ?? this.target.name;
        const expected = `a message about ${about} on ${topicName(this.topicArn)} within ${minutes} min of the failure`;
        if (!outcome.failureSeen) {
            // Nothing failed (or nothing was seen failing): read what is there, without waiting.
            const seen = await listener.waitFor(outcome.matcher, clock.now(), { clock, pollMs: this.request.pollSeconds * 1000, signal });
            if (seen.interrupted) throw new Interrupted();
            this.row({
                step: "notified",
                expected,
                observed: seen.found ? `received, though nothing was rolled back: ${quote(seen.found.text)}` : "not awaited: nothing was rolled back",
                atMs: this.at(),
                ok: false,
            });
            return;
        }
        const from = outcome.detectedAt ?? clock.now();
        const deadline = from + minutes * 60_000;
        reporter.info(`Waiting up to ${formatSeconds(Math.max(0, deadline - clock.now()) / 1000)} for the notification about ${about} on ${topicName(this.topicArn)}.`);
        const seen = await listener.waitFor(outcome.matcher, deadline, { clock, pollMs: this.request.pollSeconds * 1000, signal });
        if (seen.interrupted) throw new Interrupted();
        if (seen.found) {
            const afterRelease = seen.found.sentAt - outcome.releasedAt;
            this.report.timing!.notifiedAfterSeconds = Math.round(afterRelease / 1000);
            const inTime = seen.found.sentAt <= deadline;
            this.row({
                step: "notified",
                expected,
                observed: `${formatSeconds(Math.max(0, afterRelease) / 1000)} after the release${inTime ? "" : " (too late)"}, naming ${about}: ${quote(seen.found.text)}`,
                atMs: seen.found.sentAt - this.started,
                ok: inTime,
            });
        } else {
            this.row({
                step: "notified",
                expected,
                observed: `no message about ${about} (${seen.others.length} other message${seen.others.length === 1 ? "" : "s"} on the topic)`,
                atMs: this.at(),
                ok: false,
            });
        }
    }
}

interface ReleaseOutcome {
    /** A failure (and so a notification) was seen. */
    failureSeen: boolean;
    detectedAt?: number;
    releasedAt: number;
    /** Whether a notification text is about this drill's deployment. */
    matcher: (text: string) => boolean;
}

export interface ObservedMechanism {
    mechanisms: Mechanism[];
    text: string;
    /** CodeDeploy: stopped by an alarm. */
    alarm?: boolean;
    /** ECS: the alarms that fired, when known. */
    alarms?: string[];
}

/** What rolled an ECS deployment back, from the service deployment, else the rollout reason. */
export function classifyEcs(serviceDeployment: ServiceDeployment | undefined, followed: Pick<EcsFollowResult, "triggeredAlarms" | "details" | "summary">): ObservedMechanism {
    const mechanisms: Mechanism[] = [];
    const alarms = serviceDeployment?.alarms?.triggeredAlarmNames?.length ? serviceDeployment.alarms.triggeredAlarmNames : followed.triggeredAlarms;
    if (serviceDeployment?.deploymentCircuitBreaker?.status === "TRIGGERED") mechanisms.push("circuit breaker");
    if (serviceDeployment?.alarms?.status === "TRIGGERED" || alarms.length > 0) mechanisms.push("deployment alarm");
    const reasons = [followed.summary, ...followed.details].join("\n");
    if (mechanisms.length === 0 && /circuit breaker/i.test(reasons)) mechanisms.push("circuit breaker");
    const trigger = serviceDeployment ? serviceDeploymentTrigger(serviceDeployment) : undefined;
    const text =
        trigger ??
        (mechanisms.length === 0
            ? "rolled back, by a mechanism ECS did not name (the service deployment could not be read: allow ecs:DescribeServiceDeployments)"
            : mechanisms.map((m) => (m === "deployment alarm" && alarms.length ? `deployment alarm ${alarms.join(", ")}` : m)).join(" and "));
    return { mechanisms, text, alarms };
}

/**
 * Forces one rollback alarm into ALARM once the drill's revision runs, and again every minute
 * until the rollback starts (CloudWatch re-evaluates the alarm every period, and an alarm whose
 * metric is fine goes back to OK). Reset to OK by the clean-up.
 */
class AlarmForcer {
    everSet = false;
    private lastSetAt?: number;
    private stopped = false;

    constructor(
        private readonly cloudWatch: CloudWatchClient,
        readonly alarmName: string,
        private readonly clock: Clock,
        private readonly reporter: Reporter,
        private readonly what: string,
    ) {}

    stop(): void {
        this.stopped = true;
    }

    async onEcsPoll(snapshot: EcsSnapshot, badArn: string): Promise<void> {
        const primary = primaryDeployment(snapshot.service);
        if (primary?.taskDefinition !== badArn) {
            // The rollback has started (or ECS moved on): stop forcing.
            if (this.everSet) this.stop();
            return;
        }
        if ((primary.runningCount ?? 0) >= 1) await this.ensure();
    }

    async onCodeDeployPoll(snapshot: DeploymentSnapshot): Promise<void> {
        if (isTerminal(snapshot.deployment.status)) return this.stop();
        const green = snapshot.target?.taskSetsInfo?.find((s) => s.taskSetLabel === "Green");
        const installed = snapshot.target?.lifecycleEvents?.some((e) => e.lifecycleEventName === "Install" && e.status === "Succeeded");
        if ((green?.runningCount ?? 0) >= 1 || installed) await this.ensure();
    }

    private async ensure(): Promise<void> {
        if (this.stopped) return;
        const now = this.clock.now();
        if (this.lastSetAt !== undefined && now - this.lastSetAt < ALARM_REASSERT_MS) return;
        await this.cloudWatch.send(
            new SetAlarmStateCommand({
                AlarmName: this.alarmName,
                StateValue: "ALARM",
                StateReason: `Rollback drill (npm run drill): forced into ALARM while ${this.what} deploys; no real failure.`,
            }),
        );
        if (!this.everSet) this.reporter.info(`Set alarm ${this.alarmName} to ALARM with SetAlarmState (the drill's revision runs; no real 5xx was provoked).`);
        this.everSet = true;
        this.lastSetAt = now;
    }

    async reset(): Promise<string> {
        this.stop();
        if (!this.everSet) return `alarm ${this.alarmName} was never forced`;
        await this.cloudWatch.send(
            new SetAlarmStateCommand({ AlarmName: this.alarmName, StateValue: "OK", StateReason: "Rollback drill over: back to OK; CloudWatch re-evaluates it at the next period." }),
        );
        return `alarm ${this.alarmName} set back to OK`;
    }
}

// ----------------------------------------------------------------------------------------------
// Helpers

/** The drill reads the service through the followers' describe; a service that is not there is bad input (exit 2). */
function describeService(ecs: ECSClient, cluster: string, name: string, signal?: AbortSignal): Promise<Service> {
    return describeEcsService(ecs, cluster, name, { signal, notFound: (message) => new UsageError(message) });
}

/** The alarm to force: web, a 5xx alarm (the one the issue names); worker, the first queue alarm. Prefer one the outputs list too. */
export function pickAlarm(candidates: string[], worker: boolean, outputAlarms: string[]): string {
    const listed = candidates.filter((a) => outputAlarms.includes(a));
    const pool = listed.length > 0 ? listed : candidates;
    if (!worker) return pool.find((a) => /5xx/.test(a)) ?? pool[0];
    return pool.find((a) => /oldest-message-age/.test(a)) ?? pool[0];
}

/** The alarm's period and datapoints; "missing" when CloudWatch says it does not exist; undefined when it cannot be read. */
async function readAlarm(cloudWatch: CloudWatchClient, name: string): Promise<AlarmSettings | "missing" | undefined> {
    try {
        const response = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ["MetricAlarm"] }));
        if (!response) return undefined;
        const alarm = response.MetricAlarms?.[0];
        if (!alarm) return "missing";
        // A metric-math alarm has no Period of its own: its queries do.
        const period = alarm.Period ?? alarm.Metrics?.find((m) => m.ReturnData !== false && m.MetricStat)?.MetricStat?.Period ?? alarm.Metrics?.find((m) => m.Period)?.Period;
        if (!period || !alarm.EvaluationPeriods) return undefined;
        return { periodSeconds: period, evaluationPeriods: alarm.EvaluationPeriods, datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods };
    } catch {
        return undefined;
    }
}

function kindWords(kind: DrillKind): string {
    return kind === "start" ? "cannot start" : kind === "health" ? "starts but fails its health check" : "passes its health checks (the alarm is forced)";
}

function topicName(arn: string): string {
    return arn.split(":").pop() ?? arn;
}

function quote(text: string): string {
    const one = text.replace(/\s+/g, " ").trim();
    return JSON.stringify(one.length > 160 ? `${one.slice(0, 157)}...` : one);
}
