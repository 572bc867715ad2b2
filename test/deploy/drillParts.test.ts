/** The rollback drill's pure parts: the failing revision, the production guard, the timing budget, the notification queue, the report, the clean-up. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { DrillCleanup } from "../../deploy/drill/cleanup";
import { drillQueueArn, drillQueueName, drillQueuePolicy, notificationText } from "../../deploy/drill/notifications";
import { isProductionStack, judgeProduction, policyConfigStackName } from "../../deploy/drill/production";
import { renderDrillTable } from "../../deploy/drill/report";
import { badRevision, drillStamp, imageWithMissingTag } from "../../deploy/drill/revision";
import { classifyEcs, pickAlarm } from "../../deploy/drill/run";
import { requireTopicArn, selectDrillTarget, type DrillTarget } from "../../deploy/drill/target";
import { allowance, drillBudget, drillTimingInputs, projectDefaults } from "../../deploy/drill/timing";
import { UsageError } from "../../deploy/errors";
import { parseStackOutputs } from "../../deploy/outputs";
import { PROJECT_DIR } from "../../offline/paths";
import { recordingReporter } from "./helpers";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:ecs-deploy-dev-deployments";

const target = (over: Partial<DrillTarget> = {}): DrillTarget => ({
    name: "web",
    mode: "rolling",
    clusterName: "c",
    serviceName: "s",
    containerName: "web",
    alarmNames: [],
    ...over,
});

describe("deploy/drill parts", () => {
    describe("the failing revision", () => {
        it("replaces the tag (and a digest) with one that cannot exist, keeping registry and port", () => {
            assert.equal(imageWithMissingTag("public.ecr.aws/example/web:1.4.2", "20250601100000"), "public.ecr.aws/example/web:drill-20250601100000-does-not-exist");
            assert.equal(imageWithMissingTag("registry:5000/team/web:1.0@sha256:abc", "1"), "registry:5000/team/web:drill-1-does-not-exist");
            assert.equal(imageWithMissingTag("registry:5000/team/web", "1"), "registry:5000/team/web:drill-1-does-not-exist");
            assert.equal(imageWithMissingTag("nginx", "1"), "nginx:drill-1-does-not-exist");
            assert.throws(() => imageWithMissingTag("@sha256:abc", "1"), UsageError);
        });

        it("stamps with UTC digits only (valid in tags and queue names)", () => {
            assert.equal(drillStamp(Date.UTC(2025, 5, 1, 10, 2, 3)), "20250601100203");
        });

        it("leaves the source revision untouched and refuses the health kind on a worker without a container health check", () => {
            const source = { taskDefinition: { family: "jobs", containerDefinitions: [{ name: "jobs", image: "jobs:1" }] } };
            const before = JSON.stringify(source);
            assert.throws(() => badRevision(source, { kind: "health", containerName: "jobs", worker: true, stamp: "1" }), /--kind health does not apply/);
            const start = badRevision(source, { kind: "start", containerName: "jobs", worker: true, stamp: "1" });
            assert.equal(start.request.containerDefinitions![0].image, "jobs:drill-1-does-not-exist");
            assert.equal(JSON.stringify(source), before);
        });
    });

    describe("the production guard", () => {
        it("reads the repository's configs: prod is production, dev is not", async () => {
            assert.equal((await isProductionStack("prod")).production, true);
            assert.equal((await isProductionStack("acme/prod")).production, true);
            assert.equal((await isProductionStack("dev")).production, false);
            assert.equal((await isProductionStack("acme/ecs-deploy/dev")).production, false);
        });

        it("recognizes the rule's string and object forms, and treats an unknown stack as production", () => {
            assert.equal(judgeProduction('{"test-listener-not-public": "mandatory"}', "x.json").production, true);
            assert.equal(judgeProduction('{"test-listener-not-public": {"enforcementLevel": "mandatory"}}', "x.json").production, true);
            assert.equal(judgeProduction('{"test-listener-not-public": {"enforcementLevel": "advisory"}}', "x.json").production, false);
            assert.equal(judgeProduction("{}", "x.json").production, false);
            assert.equal(judgeProduction(undefined, "staging.json").production, true);
            assert.equal(judgeProduction("not json", "x.json").production, true);
            assert.equal(policyConfigStackName("org/project/staging"), "staging");
        });
    });

    describe("what the plan predicts", () => {
        it("takes the project defaults from the config schema itself", () => {
            const d = projectDefaults();
            assert.deepEqual(d.healthCheck, { intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2 });
            assert.equal(d.deregistrationDelaySeconds, 30);
            assert.deepEqual(d.webAlarm, { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 });
            assert.deepEqual(d.workerAlarm, { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 });
        });

        it("builds the model's inputs from what ECS says, and states what it assumed", () => {
            const { inputs, assumptions } = drillTimingInputs({
                target: target({ mode: "bluegreen" }),
                worker: false,
                service: {
                    desiredCount: 4,
                    healthCheckGracePeriodSeconds: 90,
                    deploymentConfiguration: { bakeTimeInMinutes: 7, deploymentCircuitBreaker: { enable: true, rollback: true } },
                },
                hasRollbackAlarms: true,
            });
            assert.equal(inputs.desiredCount, 4);
            assert.equal(inputs.gracePeriodSeconds, 90);
            assert.equal(inputs.bakeTimeMinutes, 7);
            assert.equal(inputs.circuitBreaker, true);
            assert.deepEqual(inputs.alarm, projectDefaults().webAlarm);
            assert.equal(assumptions.length, 2);
            assert.match(assumptions[0], /target group health check not readable through ECS/);
            assert.match(assumptions[1], /not read from CloudWatch/);
        });

        it("a worker's container health check comes from its task definition, with ECS's defaults for unset fields", () => {
            const { inputs, assumptions } = drillTimingInputs({
                target: target({ name: "jobs" }),
                worker: true,
                service: { desiredCount: 1, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } },
                containerHealthCheck: { command: ["CMD", "true"], interval: 10 },
                hasRollbackAlarms: false,
            });
            assert.equal(inputs.mode, "worker");
            assert.equal(inputs.healthCheck, undefined);
            assert.deepEqual(inputs.containerHealthCheck, { intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 });
            assert.match(assumptions.join("\n"), /timeout, retries, startPeriod unset/);
        });

        it("budgets model × (1 + percent) + minutes, per kind", () => {
            const { inputs } = drillTimingInputs({
                target: target(),
                worker: false,
                service: { desiredCount: 2, healthCheckGracePeriodSeconds: 60, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } },
                hasRollbackAlarms: true,
                alarm: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
            });
            const start = drillBudget("start", inputs);
            assert.equal(start.mechanism, "circuit breaker");
            assert.equal(start.detectSeconds, 120);
            assert.equal(start.totalAllowance, 300);
            const health = drillBudget("health", inputs);
            assert.equal(health.detectSeconds, 220);
            assert.equal(health.totalAllowance, 450);
            const alarm = drillBudget("alarm", inputs, { percent: 0, minutes: 0 });
            assert.equal(alarm.mechanism, "deployment alarm");
            assert.equal(alarm.detectSeconds, 320);
            assert.equal(alarm.recoverSeconds, 80);
            assert.equal(alarm.totalAllowance, 400);
            assert.equal(allowance(100, { percent: 50, minutes: 2 }), 270);
        });

        it("predicts no way back without a circuit breaker, and none for alarms without an alarm", () => {
            const base = { target: target(), worker: false, hasRollbackAlarms: false } as const;
            const noBreaker = drillTimingInputs({ ...base, service: { desiredCount: 2 } });
            assert.match(drillBudget("start", noBreaker.inputs).noMechanism!, /no deployment circuit breaker/);
            assert.equal(drillBudget("start", noBreaker.inputs).mechanism, undefined);
            assert.match(drillBudget("alarm", noBreaker.inputs).noMechanism!, /no rollback alarm/);
            const codeDeploy = drillTimingInputs({ ...base, target: target({ mode: "codedeploy" }), service: { desiredCount: 2 } });
            assert.equal(drillBudget("health", codeDeploy.inputs).mechanism, "CodeDeploy auto-rollback");
            assert.equal(drillBudget("health", codeDeploy.inputs).detectSeconds, 3600);
        });
    });

    describe("the notification queue", () => {
        it("lets only the stack's topic send, from the topic's account and region", () => {
            const arn = drillQueueArn(TOPIC, "q");
            assert.equal(arn, "arn:aws:sqs:eu-west-1:111122223333:q");
            assert.deepEqual(drillQueuePolicy(arn, TOPIC), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "TheStacksDeploymentTopicMaySend",
                        Effect: "Allow",
                        Principal: { Service: "sns.amazonaws.com" },
                        Action: "sqs:SendMessage",
                        Resource: arn,
                        Condition: { ArnEquals: { "aws:SourceArn": TOPIC } },
                    },
                ],
            });
        });

        it("names the queue within SQS's limits, keeping the stamp", () => {
            const name = drillQueueName("a".repeat(100), "20250601100000");
            assert.ok(name.length <= 80);
            assert.match(name, /^rollback-drill-a+-20250601100000$/);
            assert.equal(drillQueueName("we.b", "1"), "rollback-drill-we-b-1");
        });

        it("reads the text out of SNS's envelope, quoted or not, and raw bodies as they are", () => {
            assert.equal(notificationText(JSON.stringify({ Type: "Notification", Message: '"[dev] hello"' })), "[dev] hello");
            assert.equal(notificationText(JSON.stringify({ Type: "Notification", Message: "[dev] plain" })), "[dev] plain");
            assert.equal(notificationText("raw text"), "raw text");
            assert.equal(notificationText(undefined), "");
        });
    });

    describe("the stack outputs", () => {
        it("the topic ARN is read from `pulumi stack output --json`", () => {
            assert.equal(parseStackOutputs({ services: {}, topicArn: TOPIC }).topicArn, TOPIC);
            assert.equal("topicArn" in parseStackOutputs({ services: {} }), false);
        });

        it("requires a topic ARN and the fields the drill needs", () => {
            assert.throws(() => requireTopicArn({ services: {} }, "stack dev"), /no topicArn/);
            assert.throws(() => requireTopicArn({ services: {}, topicArn: "ecs-deploy-dev" }, "stack dev"), /not an SNS topic ARN/);
            assert.equal(requireTopicArn({ services: {}, topicArn: TOPIC }, "stack dev"), TOPIC);
            assert.throws(() => selectDrillTarget({ services: { web: { mode: "rolling", clusterName: "c", serviceName: "s" } } }, "web", "stack dev"), /lacks containerName/);
            assert.throws(() => selectDrillTarget({ services: { api: { mode: "codedeploy", clusterName: "c", serviceName: "s", containerName: "api" } } }, "api", "stack dev"), UsageError);
        });
    });

    describe("judging and reporting", () => {
        it("names the mechanism from the service deployment, else from the rollout reason", () => {
            const followed = { triggeredAlarms: [], details: [], summary: "" };
            assert.deepEqual(classifyEcs({ deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 } }, followed).mechanisms, ["circuit breaker"]);
            const alarm = classifyEcs({ alarms: { status: "TRIGGERED", triggeredAlarmNames: ["web-5xx"] } }, followed);
            assert.deepEqual([alarm.mechanisms, alarm.alarms], [["deployment alarm"], ["web-5xx"]]);
            assert.deepEqual(classifyEcs(undefined, { ...followed, details: ["  reason: ECS deployment circuit breaker: tasks failed to start."] }).mechanisms, ["circuit breaker"]);
            const unknown = classifyEcs(undefined, followed);
            assert.deepEqual(unknown.mechanisms, []);
            assert.match(unknown.text, /ecs:DescribeServiceDeployments/);
        });

        it("forces a 5xx alarm for web services and the backlog-age alarm for workers", () => {
            assert.equal(pickAlarm(["x-blue-p99-latency", "x-blue-5xx"], false, []), "x-blue-5xx");
            assert.equal(pickAlarm(["j-visible-messages", "j-oldest-message-age"], true, []), "j-oldest-message-age");
            assert.equal(pickAlarm(["other-5xx", "x-green-5xx"], false, ["x-green-5xx"]), "x-green-5xx", "one the stack outputs list");
        });

        it("renders an aligned table whose cells never hold the separator", () => {
            const lines = renderDrillTable([
                { step: "release", expected: "a | b", observed: "ok", atMs: 65_000, ok: true },
                { step: "notified", expected: "x", observed: "none", ok: false },
            ]);
            assert.equal(lines[0].length, lines[2].length);
            assert.equal(lines[1].replace(/[^|]/g, "").length, 6);
            assert.match(lines[2], /^\| release +\| a; b +\| ok +\| 01:05 \| ok +\|$/);
            assert.match(lines[3], /\| - +\| FAIL +\|$/);
        });

        it("cleans up in reverse order, goes on after a failed step, and names the manual command", async () => {
            const order: string[] = [];
            const cleanup = new DrillCleanup();
            let id = "?";
            cleanup.add({ name: "queue", run: async () => (order.push("queue"), "deleted"), manual: "aws sqs delete-queue" });
            cleanup.add({ name: "restore", run: async () => { throw new Error("AccessDenied"); }, manual: () => `aws deploy stop-deployment --deployment-id ${id}` });
            cleanup.add({ name: "alarm", run: async () => (order.push("alarm"), "ok"), manual: "aws cloudwatch set-alarm-state" });
            id = "d-1";
            assert.deepEqual(cleanup.pendingCommands(), ["aws cloudwatch set-alarm-state", "aws deploy stop-deployment --deployment-id d-1", "aws sqs delete-queue"]);
            const reporter = recordingReporter();
            const outcome = await cleanup.runAll(reporter);
            assert.deepEqual(order, ["alarm", "queue"]);
            assert.deepEqual(outcome.failed, [{ name: "restore", error: "AccessDenied", manual: "aws deploy stop-deployment --deployment-id d-1" }]);
            assert.match(reporter.errors.join("\n"), /restore FAILED \(AccessDenied\)\. Do it by hand: aws deploy stop-deployment/);
            assert.deepEqual((await cleanup.runAll(reporter)).done, [], "runs once");
            assert.deepEqual(cleanup.pendingCommands(), []);
        });
    });

    describe("the weekly workflow (.github/workflows/drill.yml)", () => {
        const workflow = parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "drill.yml"), "utf8"));
        const job = workflow.jobs.drill;

        it("runs weekly and on demand, on dev, never overlapping an update of dev", () => {
            assert.match(workflow.on.schedule[0].cron, /^\S+ \S+ \* \* \d$/);
            assert.ok("workflow_dispatch" in workflow.on);
            assert.equal(job.environment, "dev");
            const stackJob = parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "stack.yml"), "utf8")).jobs.release;
            assert.equal(job.concurrency.group, stackJob.concurrency.group.replace("${{ inputs.stack }}", "dev"));
            assert.equal(job.concurrency["cancel-in-progress"], false);
            assert.equal(job.env.STACK, "${{ vars.PULUMI_ORG }}/dev");
        });

        it("drills every service of the outputs with each kind, with fresh OIDC credentials before each kind", () => {
            const steps = job.steps as { name?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }[];
            const drills = steps.filter((s) => s.run?.includes("npm run -s drill"));
            assert.deepEqual(drills.map((s) => s.env!.KIND), ["start", "health", "alarm"]);
            for (const step of drills) {
                assert.match(step.run!, /jq -r '\.services \| keys\[\]' outputs\.json/);
                assert.match(step.run!, /npm run -s drill -- "\$STACK" "\$svc" --kind "\$KIND" --outputs-file outputs\.json/);
                const before = steps[steps.indexOf(step) - 1];
                assert.match(before.uses!, /^aws-actions\/configure-aws-credentials@/);
                assert.equal(before.with!["role-to-assume"], "${{ vars.AWS_DEPLOY_ROLE_ARN }}");
            }
            assert.doesNotMatch(JSON.stringify(workflow), /prod|i-understand-this-is-production/);
        });
    });
});
