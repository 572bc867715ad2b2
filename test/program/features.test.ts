import { strict as assert } from "assert";
import { targetTrackingMetrics } from "../../components/autoScaling";
import { circuitBreakerThreshold } from "../../policies/lib/timing";
import { secretArnOf, secretsReadPolicy } from "../../components/policyDocuments";
import { isWorker } from "../../config";
import { planCommand } from "../../offline/plan";
import { named, ofType, parseWith, problemsOf, runStack, runWithConfig, service } from "./helpers";

const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-Ab12Cd";
const PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const HEALTH = { command: ["CMD-SHELL", "test -f /tmp/ok"] };

/** A minimal valid worker. */
const worker = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: "worker", image: `example/${name}:1`, containerHealthCheck: HEALTH, ...extra });
const expectProblem = (problems: string[], key: string, text: string | RegExp) =>
    assert.ok(problems.some((p) => p.startsWith(`ecs-deploy:${key}:`) && (typeof text === "string" ? p.includes(text) : text.test(p))), `${key} ~ ${text} in\n${problems.join("\n")}`);

describe("config: workers, scaling and secrets", () => {
    it("accepts a worker with defaults: a created queue, USE alarm thresholds, rolling", () => {
        const [svc] = parseWith({ services: [worker("jobs")] }).services;
        assert.ok(isWorker(svc));
        assert.equal(svc.deployment.mode, "rolling");
        assert.deepEqual(svc.queue, { visibilityTimeoutSeconds: 60, maxReceiveCount: 5, retentionDays: 4 });
        assert.equal(svc.queueAlarms.datapointsToAlarm, 2);
        assert.deepEqual(svc.containerHealthCheck, { ...HEALTH, intervalSeconds: 15, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 60 });
    });

    it("refuses what a worker cannot have, naming each key and the reason", () => {
        const problems = problemsOf({
            services: [
                worker("a", { containerHealthCheck: undefined, routing: { pathPatterns: ["/a/*"] }, deployment: { mode: "bluegreen" } }),
                worker("b", { containerHealthCheck: { command: ["curl", "-f", "x"] }, queue: { arn: "arn:aws:sqs:eu-west-1:123456789012:jobs" } }),
                worker("c", { queue: { deadLetterArn: "arn:aws:sqs:eu-west-1:123456789012:dlq" } }),
                { ...worker("d"), kind: "cron" },
            ],
        });
        expectProblem(problems, "services[0].containerHealthCheck", "what the circuit breaker watches");
        expectProblem(problems, "services[0].routing", "known key");
        expectProblem(problems, "services[0].deployment.mode", "a worker has no load balancer");
        expectProblem(problems, "services[1].containerHealthCheck.command", 'start with "CMD" or "CMD-SHELL"');
        expectProblem(problems, "services[1].queue.deadLetterArn", "the errors alarm watches it");
        expectProblem(problems, "services[2].queue.arn", "with deadLetterArn");
        expectProblem(problems, "services[3].kind", "expected kind one of web | worker");
    });

    it("scaling: a range with the first count inside it, at least one target, and the target that fits the kind", () => {
        const problems = problemsOf({
            containerInsights: false,
            services: [
                service("a", { desiredCount: 9, scaling: { min: 2, max: 6, cpuTargetPercent: 60 } }),
                service("b", { scaling: { min: 5, max: 3 } }),
                service("c", { scaling: { min: 1, max: 3, backlogPerTask: 10 } }),
                worker("d", { scaling: { min: 1, max: 3, requestsPerTarget: 100 } }),
                worker("e", { scaling: { min: 1, max: 3, backlogPerTask: 100 } }),
            ],
        });
        expectProblem(problems, "services[0].desiredCount", "within scaling.min-scaling.max (2-6)");
        expectProblem(problems, "services[1].scaling.max", "at least min (5)");
        expectProblem(problems, "services[1].scaling", "at least one target");
        expectProblem(problems, "services[2].scaling.backlogPerTask", "web services have no queue");
        expectProblem(problems, "services[3].scaling.requestsPerTarget", "no load balancer requests");
        expectProblem(problems, "services[4].scaling.backlogPerTask", "containerInsights: true");
        // Every mode may scale, on any target that fits its kind.
        for (const deployment of [{ mode: "rolling" }, { mode: "bluegreen" }, { mode: "codedeploy" }])
            parseWith({ services: [service("w", { deployment, scaling: { min: 2, max: 4, cpuTargetPercent: 50, requestsPerTarget: 500 } })] });
    });

    it("secrets: full ARNs only, never a name that is also a plain variable, a KMS key ARN", () => {
        const ok = parseWith({ services: [service("a", { secrets: { DB: `${SECRET}:password::`, KEY: PARAMETER }, secretsKmsKeyArn: KEY })] }).services[0];
        assert.deepEqual(ok.secrets, { DB: `${SECRET}:password::`, KEY: PARAMETER });
        const problems = problemsOf({
            services: [
                service("a", {
                    environment: { DB: "plain" },
                    secrets: { DB: SECRET, NO_SUFFIX: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db", NAME_ONLY: "prod/api-key", "1BAD": PARAMETER },
                    secretsKmsKeyArn: "alias/aws/secretsmanager",
                }),
            ],
        });
        expectProblem(problems, "services[0].secrets.DB", "not also in environment");
        expectProblem(problems, "services[0].secrets.NO_SUFFIX", "6-character suffix");
        expectProblem(problems, "services[0].secrets.NAME_ONLY", "SSM parameter ARN");
        expectProblem(problems, "services[0].secrets.1BAD", "environment variable name");
        expectProblem(problems, "services[0].secretsKmsKeyArn", "KMS key ARN");
    });
});

describe("decisions: circuit-breaker threshold, secrets policy, scaling metrics", () => {
    it("the circuit breaker trips at half the desired count, rounded up, within 3..200", () => {
        assert.deepEqual([1, 2, 6, 7, 25, 399, 400, 401, 800].map(circuitBreakerThreshold), [3, 3, 3, 4, 13, 200, 200, 200, 200]);
    });

    it("the execution role reads exactly the secrets named, by secret ARN, with the key when given", () => {
        const doc = secretsReadPolicy({ secretArns: [`${SECRET}:password::`, `${SECRET}:user::`, PARAMETER], kmsKeyArn: KEY })!;
        assert.deepEqual(doc.Statement.map((s) => [s.Action, s.Resource]), [
            ["secretsmanager:GetSecretValue", [SECRET]],
            ["ssm:GetParameters", [PARAMETER]],
            ["kms:Decrypt", KEY],
        ]);
        assert.ok(!JSON.stringify(doc).includes("*"));
        assert.equal(secretArnOf(`${SECRET}:password:AWSCURRENT:`), SECRET);
        assert.equal(secretsReadPolicy({ secretArns: [], kmsKeyArn: KEY }), undefined);
    });

    it("requests per target sum both colours, so the policy follows production after a blue/green release", () => {
        const [m] = targetTrackingMetrics(
            { min: 1, max: 4, requestsPerTarget: 200, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 },
            { clusterName: "c", serviceName: "s", requests: { loadBalancerArnSuffix: "app/lb/1", blueArnSuffix: "targetgroup/b/1", greenArnSuffix: "targetgroup/g/2" } },
        );
        const metrics = (m.metric.customizedMetricSpecification as any).metrics;
        assert.deepEqual(metrics.map((x: any) => x.metricStat?.metric.dimensions[1].value ?? x.expression), ["targetgroup/b/1", "targetgroup/g/2", "FILL(blue, 0) + FILL(green, 0)"]);
        assert.equal(m.metric.predefinedMetricSpecification, undefined);
    });
});

describe("workers, secrets and scaling under mocks", () => {
    it("a worker: no load balancer, a container health check, its queue and USE alarms, consume-only task role", async () => {
        const r = await runWithConfig({ services: [service("web"), worker("jobs", { containerHealthCheck: { ...HEALTH, startPeriodSeconds: 20 }, queue: { maxReceiveCount: 3 } })] });
        assert.equal(r.error, undefined, r.error?.stack);
        assert.deepEqual(ofType(r, "aws:lb/targetGroup:TargetGroup").filter((t) => t.name.startsWith("jobs")), []);
        assert.deepEqual(ofType(r, "aws:lb/listenerRule:ListenerRule").filter((t) => t.name.startsWith("jobs")), []);
        const svc = named(r, "aws:ecs/service:Service", "jobs").inputs;
        assert.deepEqual(svc.loadBalancers ?? [], []);
        assert.equal(svc.healthCheckGracePeriodSeconds, undefined);
        assert.deepEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.deepEqual(svc.alarms.alarmNames, ["oldest-message-age", "visible-messages", "dead-letter"].map((s) => `ecs-deploy-test-jobs-queue-${s}`));
        const [container] = JSON.parse(named(r, "aws:ecs/taskDefinition:TaskDefinition", "jobs").inputs.containerDefinitions);
        assert.deepEqual(container.healthCheck, { command: HEALTH.command, interval: 15, timeout: 5, retries: 3, startPeriod: 20 });
        assert.equal(container.portMappings, undefined);
        assert.deepEqual(named(r, "aws:ec2/securityGroup:SecurityGroup", "jobs").inputs.ingress, []);

        const queue = named(r, "aws:sqs/queue:Queue", "jobs-queue");
        const dlq = named(r, "aws:sqs/queue:Queue", "jobs-queue-dlq");
        assert.deepEqual(JSON.parse(queue.inputs.redrivePolicy), { deadLetterTargetArn: dlq.outputs.arn, maxReceiveCount: 3 });
        const policy = JSON.parse(named(r, "aws:iam/rolePolicy:RolePolicy", "jobs-queue").inputs.policy);
        assert.deepEqual(policy.Statement[0].Resource, queue.outputs.arn);
        assert.deepEqual(policy.Statement[0].Action, ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]);

        const alarms = new Map(ofType(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.name, a.inputs]));
        const arrived = alarms.get("ecs-deploy-test-jobs-queue-dead-letter")!;
        assert.equal(arrived.metricQueries[1].expression, "DIFF(visible)");
        assert.equal(arrived.metricQueries[0].metric.dimensions.QueueName, dlq.outputs.name);
        assert.equal(alarms.get("ecs-deploy-test-jobs-queue-oldest-message-age")!.metricName, "ApproximateAgeOfOldestMessage");
        // Its failures reach the team like a web service's.
        const rules = ofType(r, "aws:cloudwatch/eventRule:EventRule").map((x) => JSON.parse(x.inputs.eventPattern));
        assert.ok(rules.some((p) => p.detail?.eventName?.includes("SERVICE_DEPLOYMENT_FAILED") && p.resources?.includes(named(r, "aws:ecs/service:Service", "jobs").outputs.arn)));
        assert.ok(rules.some((p) => JSON.stringify(p).includes("ecs-deploy-test-jobs-queue-dead-letter")));
    });

    it("an existing queue: nothing created, the task role may consume exactly it", async () => {
        const arn = "arn:aws:sqs:eu-west-1:123456789012:orders";
        const r = await runWithConfig({ services: [service("web"), worker("jobs", { queue: { arn, deadLetterArn: `${arn}-dlq` } })] });
        assert.equal(r.error, undefined, r.error?.stack);
        assert.deepEqual(ofType(r, "aws:sqs/queue:Queue").filter((q) => q.name.startsWith("jobs")), []);
        assert.equal(JSON.parse(named(r, "aws:iam/rolePolicy:RolePolicy", "jobs-queue").inputs.policy).Statement[0].Resource, arn);
    });

    it("secrets: the container reads them at start; the execution role may read exactly those, before the revision exists", async () => {
        const r = await runWithConfig({ services: [service("web", { secrets: { DB_PASSWORD: `${SECRET}:password::`, API_KEY: PARAMETER }, secretsKmsKeyArn: KEY })] });
        assert.equal(r.error, undefined, r.error?.stack);
        const td = named(r, "aws:ecs/taskDefinition:TaskDefinition", "web");
        assert.deepEqual(JSON.parse(td.inputs.containerDefinitions)[0].secrets, [
            { name: "DB_PASSWORD", valueFrom: `${SECRET}:password::` },
            { name: "API_KEY", valueFrom: PARAMETER },
        ]);
        const policy = named(r, "aws:iam/rolePolicy:RolePolicy", "web-secrets");
        assert.equal(policy.inputs.role, named(r, "aws:iam/role:Role", "web-execution").outputs.name);
        assert.deepEqual(JSON.parse(policy.inputs.policy), secretsReadPolicy({ secretArns: [`${SECRET}:password::`, PARAMETER], kmsKeyArn: KEY }));
        assert.ok(td.dependencies.includes(policy.urn), "the task definition waits for the permission");
    });

    it("scaling: the target's range, a policy per target, the task count left to the scaler after the first up", async () => {
        const r = await runWithConfig({ services: [service("web", { desiredCount: 3, scaling: { min: 2, max: 8, cpuTargetPercent: 55, requestsPerTarget: 300 } })] });
        assert.equal(r.error, undefined, r.error?.stack);
        const svc = named(r, "aws:ecs/service:Service", "web");
        assert.equal(svc.inputs.desiredCount, 3);
        assert.ok(svc.options.ignoreChanges.includes("desiredCount"));
        const [target] = ofType(r, "aws:appautoscaling/target:Target");
        assert.deepEqual([target.inputs.minCapacity, target.inputs.maxCapacity, target.inputs.resourceId], [2, 8, "service/ecs-deploy-test/test-web"]);
        const policies = ofType(r, "aws:appautoscaling/policy:Policy").map((p) => p.inputs.targetTrackingScalingPolicyConfiguration);
        assert.deepEqual(policies.map((p) => p.targetValue).sort(), [300, 55]);
        const requests = policies.find((p) => p.targetValue === 300)!;
        const groups = ["web-blue", "web-green"].map((n) => named(r, "aws:lb/targetGroup:TargetGroup", n).outputs.arnSuffix);
        assert.deepEqual(requests.customizedMetricSpecification.metrics.slice(0, 2).map((m: any) => m.metricStat.metric.dimensions[1].value), groups);
    });

    it("prod: scaling on both web services, a worker with secrets scaling on its backlog; the plan shows the circuit-breaker threshold at min and max", async () => {
        const prod = await runStack("prod");
        assert.equal(ofType(prod, "aws:appautoscaling/target:Target").length, 3);
        const backlog = ofType(prod, "aws:appautoscaling/policy:Policy").find((p) => p.name === "jobs-scaling-backlog")!;
        const spec = backlog.inputs.targetTrackingScalingPolicyConfiguration;
        assert.equal(spec.targetValue, 100);
        assert.match(JSON.stringify(spec.customizedMetricSpecification), /RunningTaskCount.*IF\(tasks > 0, waiting \/ tasks, waiting\)/);
        let text = "";
        assert.equal(await planCommand(["prod"], { out: (t) => (text += t) }), 0, text);
        assert.match(text, /prod-jobs {2}worker mode=rolling controller=ECS health=container: CMD-SHELL/);
        assert.match(text, /scaling: 2-20 tasks \(circuit breaker trips after 3 failed tasks at 2, 10 at 20\)/);
        assert.match(text, /prod-api .*\n.*\n {4}scaling: 3-10 tasks \(circuit breaker trips after 3 failed tasks at 3, 5 at 10\)/);
    });
});
