import { z } from "zod";
import { unhealthyHostsWindow } from "../components/alarmWindows";

/**
 * The stack configuration model: every key the program reads, its type, its default and its
 * limits. Values come from `Pulumi.<stack>.yaml` under the project namespace. Scalar keys are
 * flat so that `Pulumi.yaml` can declare them with types (the CLI's project config only knows
 * string, integer, boolean and arrays of those); `services` is a structured list.
 *
 * Custom messages start with "expected": the formatter in errors.ts prints them as
 * `key path: expected …, got …`.
 */

/** Fargate task sizes: cpu units → the memory sizes (MiB) AWS accepts with it. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: range(1024, 4096, 1024),
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
}

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const PREDEFINED_CODEDEPLOY_CONFIGS = [
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
] as const;

/**
 * A whole number. zod's own `.int()` aborts the whole parse on a fraction (its issue is marked
 * `continue: false`), which would hide every cross-field problem; this check does not.
 */
const whole = (error = "expected an integer") => z.number().refine(Number.isInteger, { error }).meta({ type: "integer" });
const int = (min: number, max: number) => whole().min(min).max(max);

/**
 * Cross-field checks run even when other fields of the same object are invalid, so that one
 * `pulumi up` reports every problem. They then see the raw input for the invalid fields and
 * must only judge values of the right type.
 */
const ALWAYS = { when: () => true };
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const cidr = z
    .string()
    .regex(/^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/, { error: "expected an IPv4 CIDR such as 10.0.0.0/16" })
    .refine((v) => v.split("/")[0].split(".").every((o) => Number(o) <= 255), {
        error: "expected an IPv4 CIDR with octets 0-255",
    });

const serviceName = z
    .string()
    .regex(/^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/, {
        error: "expected lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen",
    })
    .max(32, { error: "expected at most 32 characters" });

const healthCheck = z.strictObject({
    /** Required: without a dedicated path the ALB probes `/`, which rarely checks anything. */
    path: z
        .string({ error: "expected a health-check path such as /health" })
        .regex(/^\/[\x21-\x7e]*$/, { error: "expected a path starting with / and without spaces" })
        .max(1024),
    intervalSeconds: int(5, 300).default(15),
    /** Defaults to 5, or just below intervalSeconds when that is shorter. */
    timeoutSeconds: int(2, 120).optional(),
    healthyThreshold: int(2, 10).default(3),
    unhealthyThreshold: int(2, 10).default(2),
    matcher: z
        .string()
        .regex(/^[1-5]\d\d(-[1-5]\d\d)?(,[1-5]\d\d(-[1-5]\d\d)?)*$/, {
            error: "expected HTTP codes such as 200, 200-299 or 200,204",
        })
        .default("200"),
    /** ECS ignores failing ELB health checks this long after a task starts. */
    gracePeriodSeconds: int(0, 7200).default(60),
}).superRefine((hc, ctx) => {
    if (!isRecord(hc)) return;
    if (isInt(hc.timeoutSeconds) && isInt(hc.intervalSeconds) && hc.timeoutSeconds >= hc.intervalSeconds)
        ctx.addIssue({ code: "custom", path: ["timeoutSeconds"], message: `expected less than intervalSeconds (${hc.intervalSeconds})`, input: hc.timeoutSeconds });
}, ALWAYS).transform((hc) => ({ ...hc, timeoutSeconds: hc.timeoutSeconds ?? Math.min(5, hc.intervalSeconds - 1) }));

const routing = z.strictObject({
    pathPatterns: z.array(z.string().min(1).max(128).startsWith("/", { error: "expected a path pattern starting with /" })).min(1).max(5).optional(),
    hostHeaders: z.array(z.string().min(1).max(128)).min(1).max(5).optional(),
    /** Listener-rule priority; defaults to 10 × (position in the list + 1). */
    priority: int(1, 50000).optional(),
});

/** The evaluation window of a group of alarms: period, evaluation periods, and datapoints among them. */
const alarmWindow = {
    periodSeconds: z.union([z.literal(60), z.literal(300)], { error: "expected 60 or 300" }).default(60),
    evaluationPeriods: int(1, 30).default(3),
    /** Breaching periods (of evaluationPeriods) that trip an alarm; defaults to 2, or fewer when evaluationPeriods is. */
    datapointsToAlarm: int(1, 30).optional(),
};

/** Datapoints may not exceed the evaluation periods; left out, they default below them. */
function checkAlarmWindow(a: unknown, ctx: z.RefinementCtx): void {
    if (!isRecord(a)) return;
    if (isInt(a.datapointsToAlarm) && isInt(a.evaluationPeriods) && a.datapointsToAlarm > a.evaluationPeriods)
        ctx.addIssue({ code: "custom", path: ["datapointsToAlarm"], message: `expected at most evaluationPeriods (${a.evaluationPeriods})`, input: a.datapointsToAlarm });
}
const withDatapoints = <T extends { evaluationPeriods: number; datapointsToAlarm?: number }>(a: T) => ({ ...a, datapointsToAlarm: a.datapointsToAlarm ?? Math.min(2, a.evaluationPeriods) });

const alarms = z.strictObject({
    /** Target 5xx responses per period that trip the alarm (ignored when http5xxRatePercent is set). */
    http5xxCount: int(1, 1_000_000).default(10),
    /** Alternative to the count: 5xx responses as a percentage of requests. */
    http5xxRatePercent: z.number().gt(0).max(100).optional(),
    p99LatencySeconds: z.number().gt(0).max(4000).default(2),
    /** Alarm when this many targets or more are unhealthy (its window is longer: unhealthyHostsWindow, below). */
    unhealthyHosts: int(1, 1000).default(1),
    ...alarmWindow,
}).superRefine(checkAlarmWindow, ALWAYS).transform(withDatapoints);

const rollingDeployment = z.strictObject({ mode: z.literal("rolling") });

const customCodeDeployConfig = z.strictObject({
    type: z.enum(["linear", "canary"]),
    percent: int(1, 99),
    intervalMinutes: int(1, 2880),
});

const codeDeployDeployment = z.strictObject({
    mode: z.literal("codedeploy"),
    /** A predefined CodeDeploy config name, or custom linear/canary steps. */
    config: z
        .union([z.enum(PREDEFINED_CODEDEPLOY_CONFIGS), customCodeDeployConfig], {
            error: `expected one of ${PREDEFINED_CODEDEPLOY_CONFIGS.join(", ")} or {type: linear|canary, percent, intervalMinutes}`,
        })
        .default("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
    /** Minutes the old (blue) tasks are kept after success: the manual-rollback window. */
    terminationWaitMinutes: int(0, 2880).default(15),
});

const blueGreenDeployment = z.strictObject({
    mode: z.literal("bluegreen"),
    /** Minutes both colours run after the production switch, watched by the alarms. */
    bakeTimeMinutes: whole("expected whole minutes").min(0, { error: "expected a bake time of 0-1440 minutes" }).max(1440, { error: "expected a bake time of 0-1440 minutes" }).default(10),
});

export const DEPLOYMENT_MODES = ["rolling", "codedeploy", "bluegreen"] as const;

const deployment = z
    .discriminatedUnion("mode", [rollingDeployment, codeDeployDeployment, blueGreenDeployment], {
        error: `expected mode one of ${DEPLOYMENT_MODES.join(" | ")}`,
    })
    .default({ mode: "rolling" });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)" });

/**
 * A secret reference ECS resolves at task start: a Secrets Manager secret's full ARN (with its
 * six-character suffix, so the execution role can be granted exactly that secret), optionally
 * with `:json-key:version-stage:version-id`, or a Systems Manager parameter ARN.
 */
export const SECRET_ARN = {
    secretsManager: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}(:[^:\s]*:[^:\s]*:[^:\s]*)?$/,
    ssmParameter: /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+$/,
};
const secretRef = z.string().refine((v) => SECRET_ARN.secretsManager.test(v) || SECRET_ARN.ssmParameter.test(v), {
    error:
        "expected a Secrets Manager secret ARN with its 6-character suffix (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf, optionally :<json-key>:<stage>:<version>) or an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)",
});
const kmsKeyArn = z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, {
    error: "expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
});
const sqsArn = z.string().regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/, {
    error: "expected an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)",
});

/**
 * Application Auto Scaling of the task count. Once on, the scaler owns `desiredCount` (which
 * then only sets the count of the first `pulumi up`). Which targets each kind and mode may use
 * is checked with the service (serviceChecks).
 */
const scaling = z.strictObject({
    min: int(1, 1000),
    max: int(1, 1000),
    /** Target average CPU utilisation of the service's tasks. */
    cpuTargetPercent: int(10, 95).optional(),
    memoryTargetPercent: int(10, 95).optional(),
    /** Web services: target load-balancer requests per task (both colours summed, so blue/green releases do not mislead it). */
    requestsPerTarget: int(1, 1_000_000).optional(),
    /** Workers: target queue messages per running task. */
    backlogPerTask: int(1, 1_000_000).optional(),
    scaleInCooldownSeconds: int(0, 3600).default(300),
    scaleOutCooldownSeconds: int(0, 3600).default(60),
}).superRefine((sc, ctx) => {
    if (!isRecord(sc)) return;
    if (isInt(sc.min) && isInt(sc.max) && sc.min > sc.max) ctx.addIssue({ code: "custom", path: ["max"], message: `expected at least min (${sc.min})`, input: sc.max });
    if (["cpuTargetPercent", "memoryTargetPercent", "requestsPerTarget", "backlogPerTask"].every((k) => (sc as Record<string, unknown>)[k] === undefined))
        ctx.addIssue({ code: "custom", path: [], message: "expected at least one target: cpuTargetPercent, memoryTargetPercent, requestsPerTarget (web) or backlogPerTask (worker)", input: sc });
}, ALWAYS);

/** A container health check: what tells ECS a worker's task is healthy (no load balancer does). */
const containerHealthCheck = z.strictObject({
    /** As in the task definition: ["CMD-SHELL", "…"] or ["CMD", "executable", "arg"]. */
    command: z
        .array(z.string().min(1))
        .min(2, { error: 'expected a command such as ["CMD-SHELL", "test -f /tmp/healthy || exit 1"]' })
        .refine((c) => c[0] === "CMD" || c[0] === "CMD-SHELL", { error: 'expected the command to start with "CMD" or "CMD-SHELL"' }),
    // Every 15 s (AWS's default is 30): a version whose container turns unhealthy is replaced, and
    // counted by the circuit breaker, half a minute sooner per wave; three failures still ride out a blip.
    intervalSeconds: int(5, 300).default(15),
    timeoutSeconds: int(2, 60).default(5),
    retries: int(1, 10).default(3),
    /** Failed checks do not count this long after the container starts. */
    startPeriodSeconds: int(0, 300).default(60),
}, {
    error: (iss) =>
        iss.input === undefined
            ? 'expected a container health check such as {command: ["CMD-SHELL", "test -f /tmp/healthy || exit 1"]}: without a load balancer, it is what the circuit breaker watches'
            : undefined,
});

/** The worker's queue: created with a dead-letter queue, or an existing one (with its dead-letter queue). */
const queue = z.strictObject({
    arn: sqsArn.optional(),
    /** The existing queue's dead-letter queue: the errors alarm watches it. */
    deadLetterArn: sqsArn.optional(),
    visibilityTimeoutSeconds: int(0, 43200).default(60),
    /** Receives before a message goes to the dead-letter queue. */
    maxReceiveCount: int(1, 1000).default(5),
    retentionDays: int(1, 14).default(4),
}).superRefine((q, ctx) => {
    if (!isRecord(q)) return;
    if (q.arn !== undefined && q.deadLetterArn === undefined)
        ctx.addIssue({ code: "custom", path: ["deadLetterArn"], message: "expected the existing queue's dead-letter queue ARN (the errors alarm watches it)", input: q.deadLetterArn });
    if (q.arn === undefined && q.deadLetterArn !== undefined)
        ctx.addIssue({ code: "custom", path: ["arn"], message: "expected the queue's ARN with deadLetterArn (without both, the queues are created)", input: q.arn });
}, ALWAYS);

/** USE alarms of a worker: saturation (backlog age and depth) and errors (messages arriving in the dead-letter queue). */
const queueAlarms = z.strictObject({
    oldestMessageAgeSeconds: int(1, 1_209_600).default(300),
    visibleMessages: int(1, 100_000_000).default(1000),
    /** New dead-letter messages per period that trip the errors alarm. */
    deadLetterMessages: int(1, 100_000).default(1),
    ...alarmWindow,
}).superRefine(checkAlarmWindow, ALWAYS).transform(withDatapoints);

/** Fields every service has, web or worker. */
const commonFields = {
    name: serviceName,
    image: z.string({ error: "expected a container image reference" }).min(1, { error: "expected a container image reference" }),
    cpu: whole().refine((v) => v in FARGATE_SIZES, {
        error: `expected a Fargate cpu size (${Object.keys(FARGATE_SIZES).join(", ")})`,
    }).default(256),
    memory: whole().default(512),
    desiredCount: int(1, 1000).default(2),
    environment: z.record(envName, z.string({ error: "expected a string value (quote numbers and booleans)" })).default({}),
    /** Variables ECS fills from Secrets Manager or SSM at task start: name → ARN. */
    secrets: z.record(envName, secretRef).default({}),
    /** The customer-managed KMS key those secrets are encrypted with (kms:Decrypt for the execution role). */
    secretsKmsKeyArn: kmsKeyArn.optional(),
    logRetentionDays: z
        .number()
        .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
            error: `expected one of ${LOG_RETENTION_DAYS.join(", ")}`,
        })
        .default(30),
    scaling: scaling.optional(),
};

/** A service behind the load balancer, watched with RED signals (rate, errors, duration). */
const webService = z.strictObject({
    ...commonFields,
    kind: z.literal("web"),
    containerPort: int(1, 65535).default(8080),
    routing: routing.prefault({}),
    healthCheck: healthCheck,
    deregistrationDelaySeconds: int(0, 3600).default(30),
    deployment,
    alarms: alarms.prefault({}),
}).superRefine(serviceChecks, ALWAYS).transform((svc) => ({
    ...svc,
    // The unhealthy-hosts alarm gets its own window, long enough for the tasks' start (see alarmWindows.ts).
    alarms: { ...svc.alarms, unhealthyHostsWindow: unhealthyHostsWindow(svc.healthCheck, svc.alarms) },
}));

/**
 * A queue worker: no load balancer, so no target group or health path. It is watched with USE
 * signals (utilisation, saturation, errors) and needs a container health check, which the
 * circuit breaker's second stage relies on when there is no load balancer.
 */
const workerService = z.strictObject({
    ...commonFields,
    kind: z.literal("worker"),
    containerHealthCheck: containerHealthCheck,
    queue: queue.prefault({}),
    queueAlarms: queueAlarms.prefault({}),
    /** Rolling only: both blue/green modes shift load-balancer traffic, which a worker has none of. */
    deployment: z
        .strictObject({ mode: z.literal("rolling", { error: "expected mode rolling: blue/green modes shift load-balancer traffic, and a worker has no load balancer" }) })
        .default({ mode: "rolling" }),
}).superRefine(serviceChecks, ALWAYS);

export const SERVICE_KINDS = ["web", "worker"] as const;

/** `kind` defaults to web, so existing configs stay valid. */
const service = z.preprocess(
    (v) => (isRecord(v) && v.kind === undefined ? { ...v, kind: "web" } : v),
    z.discriminatedUnion("kind", [webService, workerService], { error: `expected kind one of ${SERVICE_KINDS.join(" | ")}` }),
);

/** Rules within one service, on the partly parsed input (see ALWAYS). */
function serviceChecks(svc: unknown, ctx: z.RefinementCtx): void {
    if (!isRecord(svc)) return;
    const issue = (path: (string | number)[], message: string, input: unknown) => ctx.addIssue({ code: "custom", path, message, input });
    const allowed = isInt(svc.cpu) ? FARGATE_SIZES[svc.cpu] : undefined;
    if (allowed && isInt(svc.memory) && !allowed.includes(svc.memory)) issue(["memory"], `expected one of ${allowed.join(", ")} MiB for cpu ${svc.cpu}`, svc.memory);
    const routing: unknown = svc.routing;
    if (isRecord(routing)) {
        const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
        if (count(routing.pathPatterns) + count(routing.hostHeaders) > 5)
            issue(["routing"], "expected at most 5 path patterns and host headers in total (ALB rule limit)", svc.routing);
    }
    // A name in both would be two definitions of one variable, which ECS refuses.
    if (isRecord(svc.environment) && isRecord(svc.secrets))
        for (const name of Object.keys(svc.secrets))
            if (name in svc.environment) issue(["secrets", name], "expected a name not also in environment (a variable is either plain or a secret)", name);
    scalingChecks(svc, issue);
}

/**
 * Which scaling targets each kind and mode may use, and the task count the first `pulumi up`
 * starts with. The reasons are in the messages (sources: README, "How each mode scales").
 */
function scalingChecks(svc: Record<string, unknown>, issue: (path: (string | number)[], message: string, input: unknown) => void): void {
    const sc = svc.scaling;
    if (!isRecord(sc)) return;
    const desired = svc.desiredCount ?? 2;
    // An inverted range is reported on max; the count is judged against a valid one only.
    if (isInt(desired) && isInt(sc.min) && isInt(sc.max) && sc.min <= sc.max && (desired < sc.min || desired > sc.max))
        issue(["desiredCount"], `expected a count within scaling.min-scaling.max (${sc.min}-${sc.max}): the first pulumi up starts this many tasks`, desired);
    if (sc.requestsPerTarget !== undefined && svc.kind === "worker")
        issue(["scaling", "requestsPerTarget"], "expected backlogPerTask for a worker (it has no load balancer requests)", sc.requestsPerTarget);
    if (sc.backlogPerTask !== undefined && svc.kind !== "worker")
        issue(["scaling", "backlogPerTask"], "expected a worker (kind: worker): web services have no queue", sc.backlogPerTask);
}

/**
 * The project keys. Each has a default so the key may be left out of a stack; the ones
 * without a sensible default (`vpcId`, subnet ids, `certificateArn`) are optional.
 */
export const projectConfigShape = {
    // network
    availabilityZones: int(2, 6).default(2),
    natGateways: z.enum(["none", "single", "one-per-az"]).default("single"),
    vpcCidr: cidr.default("10.0.0.0/16"),
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, { error: "expected a VPC id such as vpc-0123abcd" }).optional(),
    publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "expected a subnet id such as subnet-0123abcd" })).optional(),
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "expected a subnet id such as subnet-0123abcd" })).optional(),
    // cluster
    containerInsights: z.boolean().default(true),
    fargateWeight: int(0, 1000).default(1),
    fargateBase: int(0, 100000).default(1),
    fargateSpotWeight: int(0, 1000).default(0),
    // load balancer
    internal: z.boolean().default(false),
    certificateArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
            error: "expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
        })
        .optional(),
    sslPolicy: z.string().min(1).default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
    allowedCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
    testListenerPort: int(1, 65535).default(8080),
    /** Who may reach the test listener besides the VPC itself. */
    testListenerCidrs: z
        .array(cidr.refine((v) => !v.endsWith("/0"), { error: "expected a restricted CIDR: the test listener serves unreleased versions and must not be open to the world" }))
        .default([]),
    deletionProtection: z.boolean().default(false),
    idleTimeoutSeconds: int(1, 4000).default(60),
    // notifications
    alertEmails: z.array(z.email({ error: "expected an email address" })).default([]),
    kmsEncryption: z.boolean().default(false),
    // services
    services: z.array(service).min(1, { error: "expected at least one service" }).max(100),
};

export const projectConfigSchema = z.strictObject(projectConfigShape).superRefine(crossFieldChecks, ALWAYS);

export type ProjectConfig = z.output<typeof projectConfigSchema>;
export type ServiceConfig = ProjectConfig["services"][number];
export type WebServiceConfig = Extract<ServiceConfig, { kind: "web" }>;
export type WorkerServiceConfig = Extract<ServiceConfig, { kind: "worker" }>;
export type DeploymentConfig = WebServiceConfig["deployment"];
export type DeploymentMode = DeploymentConfig["mode"];
export type HealthCheckConfig = WebServiceConfig["healthCheck"];
export type AlarmConfig = WebServiceConfig["alarms"];
export type ScalingConfig = NonNullable<ServiceConfig["scaling"]>;
export const isWeb = (svc: ServiceConfig): svc is WebServiceConfig => svc.kind === "web";
export const isWorker = (svc: ServiceConfig): svc is WorkerServiceConfig => svc.kind === "worker";
export type QueueAlarmConfig = WorkerServiceConfig["queueAlarms"];

/**
 * Rules that span several fields, reported with the path of the field to change. Runs on the
 * partly parsed config (see ALWAYS): a field of the wrong type is already reported and is skipped here.
 */
function crossFieldChecks(cfg: unknown, ctx: z.RefinementCtx): void {
    if (!isRecord(cfg)) return;
    const issue = (path: (string | number)[], message: string, input: unknown) =>
        ctx.addIssue({ code: "custom", path, message, input });

    const { vpcId, publicSubnetIds, privateSubnetIds } = cfg;
    if ([vpcId, publicSubnetIds, privateSubnetIds].some((v) => v !== undefined)) {
        if (vpcId === undefined) issue(["vpcId"], "expected a VPC id when subnet ids are given", vpcId);
        if (publicSubnetIds === undefined || (Array.isArray(publicSubnetIds) && publicSubnetIds.length < 2))
            issue(["publicSubnetIds"], "expected at least 2 subnet ids in different AZs for the load balancer", publicSubnetIds);
        if (privateSubnetIds === undefined || (Array.isArray(privateSubnetIds) && privateSubnetIds.length < 1))
            issue(["privateSubnetIds"], "expected at least 1 subnet id for the tasks", privateSubnetIds);
    }
    const { fargateWeight, fargateSpotWeight, fargateBase, testListenerPort } = cfg;
    if (isInt(fargateWeight) && isInt(fargateSpotWeight) && fargateWeight + fargateSpotWeight === 0)
        issue(["fargateWeight"], "expected fargateWeight or fargateSpotWeight above 0", fargateWeight);
    if (isInt(fargateBase) && isInt(fargateWeight) && fargateBase > 0 && fargateWeight === 0)
        issue(["fargateBase"], "expected fargateBase 0 when fargateWeight is 0", fargateBase);
    if (isInt(testListenerPort) && [80, 443].includes(testListenerPort))
        issue(["testListenerPort"], "expected a port other than 80 and 443 (used by the production listener)", testListenerPort);

    // A repeated entry would be a duplicate subscription URN or a duplicate security-group rule, which AWS rejects.
    for (const key of ["alertEmails", "allowedCidrs", "testListenerCidrs", "publicSubnetIds", "privateSubnetIds"]) {
        const list = cfg[key];
        if (!Array.isArray(list)) continue;
        const first = new Map<string, number>();
        list.forEach((value: unknown, i) => {
            if (typeof value !== "string") return;
            const normal = value.toLowerCase();
            if (first.has(normal)) issue([key, i], `expected no repeated entries (${key}[${first.get(normal)}] has it too)`, value);
            else first.set(normal, i);
        });
    }

    if (!Array.isArray(cfg.services)) return;
    const names = new Map<string, number>();
    const priorities = new Map<number, number>();
    const routes = new Map<string, number>();
    cfg.services.forEach((svc: unknown, i) => {
        if (!isRecord(svc)) return;
        const at = (...p: (string | number)[]) => ["services", i, ...p];
        if (typeof svc.name === "string") {
            if (names.has(svc.name)) issue(at("name"), `expected a unique service name (services[${names.get(svc.name)}] has it too)`, svc.name);
            else names.set(svc.name, i);
        }
        const routing = svc.routing;
        if (svc.kind === "worker" || !isRecord(routing)) return;
        const priority = routing.priority === undefined ? defaultPriority(i) : routing.priority;
        if (isInt(priority)) {
            if (priorities.has(priority))
                issue(at("routing", "priority"), `expected a unique listener-rule priority (services[${priorities.get(priority)}] has ${priority})`, priority);
            else priorities.set(priority, i);
        }
        const { pathPatterns, hostHeaders } = routing;
        if ((pathPatterns === undefined || isStringList(pathPatterns)) && (hostHeaders === undefined || isStringList(hostHeaders))) {
            const key = routeKey({ pathPatterns, hostHeaders });
            if (routes.has(key)) issue(at("routing"), `expected routing distinct from services[${routes.get(key)}] (same paths and hosts)`, routing);
            else routes.set(key, i);
        }
    });

    // Backlog per task divides by Container Insights' RunningTaskCount, which only exists with it on.
    cfg.services.forEach((svc: unknown, i) => {
        if (isRecord(svc) && isRecord(svc.scaling) && svc.scaling.backlogPerTask !== undefined && cfg.containerInsights === false)
            issue(["services", i, "scaling", "backlogPerTask"], "expected containerInsights: true (backlog per task divides by its RunningTaskCount metric)", svc.scaling.backlogPerTask);
    });

    // Past a quota AWS refuses a listener rule, target group or load balancer halfway through `pulumi up`.
    // Workers have no load balancer.
    const modes = cfg.services.map((svc: unknown) => (isRecord(svc) && svc.kind !== "worker" ? deploymentModeOf(svc.deployment) : undefined));
    for (const excess of loadBalancerQuotaExcesses(modes.filter((m): m is DeploymentMode => m !== undefined)))
        issue(["services"], excess.message, excess.services);
}

/**
 * Default Elastic Load Balancing quotas this layout can reach ("Quotas for your Application Load
 * Balancers"). Rules, listeners and load balancers per region are adjustable per account,
 * target groups per load balancer are not; the program checks against the defaults. Listeners
 * are 2 per load balancer (3 with HTTPS), far below theirs.
 */
export const ALB_QUOTAS = {
    /** Listener rules per load balancer, not counting default rules. */
    rulesPerLoadBalancer: 100,
    targetGroupsPerLoadBalancer: 100,
    listenersPerLoadBalancer: 50,
    loadBalancersPerRegion: 50,
} as const;

/**
 * What this config's load balancers take, counted as components/stack.ts and loadBalancer.ts
 * build them: the non-codedeploy services share one load balancer with a production and a test
 * listener rule each, a blue and a green target group each, and one unrouted target group when
 * any uses native blue/green; each codedeploy service has a load balancer of its own with its
 * two target groups and no rules.
 */
export function loadBalancerUsage(modes: readonly DeploymentMode[]): {
    sharedServices: number;
    sharedRules: number;
    sharedTargetGroups: number;
    codeDeployServices: number;
    loadBalancers: number;
} {
    const sharedServices = modes.filter((m) => m !== "codedeploy").length;
    const codeDeployServices = modes.length - sharedServices;
    const unrouted = modes.includes("bluegreen") ? 1 : 0;
    return {
        sharedServices,
        sharedRules: 2 * sharedServices,
        sharedTargetGroups: 2 * sharedServices + unrouted,
        codeDeployServices,
        loadBalancers: codeDeployServices + (sharedServices > 0 ? 1 : 0),
    };
}

/** One message per quota the config would exceed, with the number of services it concerns. */
export function loadBalancerQuotaExcesses(modes: readonly DeploymentMode[]): { message: string; services: number }[] {
    const q = ALB_QUOTAS;
    const use = loadBalancerUsage(modes);
    const unrouted = use.sharedTargetGroups - 2 * use.sharedServices;
    const out: { message: string; services: number }[] = [];
    if (use.sharedRules > q.rulesPerLoadBalancer)
        out.push({
            message: `expected at most ${Math.floor(q.rulesPerLoadBalancer / 2)} services sharing a load balancer (Application Load Balancer quota: ${q.rulesPerLoadBalancer} listener rules per load balancer; this config needs ${use.sharedRules})`,
            services: use.sharedServices,
        });
    if (use.sharedTargetGroups > q.targetGroupsPerLoadBalancer)
        out.push({
            message:
                `expected at most ${Math.floor((q.targetGroupsPerLoadBalancer - unrouted) / 2)} services sharing a load balancer${unrouted ? " when one uses bluegreen" : ""} ` +
                `(Application Load Balancer quota: ${q.targetGroupsPerLoadBalancer} target groups per load balancer; this config needs ${use.sharedTargetGroups})`,
            services: use.sharedServices,
        });
    if (use.loadBalancers > q.loadBalancersPerRegion) {
        const shared = use.sharedServices > 0 ? 1 : 0;
        out.push({
            message:
                `expected at most ${q.loadBalancersPerRegion - shared} codedeploy services${shared ? " besides the shared load balancer" : ""}, each with its own load balancer ` +
                `(Application Load Balancer quota: ${q.loadBalancersPerRegion} load balancers per region, other stacks' included; this config needs ${use.loadBalancers})`,
            services: use.codeDeployServices,
        });
    }
    return out;
}

/** The mode of a possibly invalid deployment block; undefined when it is invalid (reported on its own). */
function deploymentModeOf(deployment: unknown): DeploymentMode | undefined {
    if (deployment === undefined) return "rolling";
    const mode = isRecord(deployment) ? deployment.mode : undefined;
    return (DEPLOYMENT_MODES as readonly unknown[]).includes(mode) ? (mode as DeploymentMode) : undefined;
}

export function defaultPriority(index: number): number {
    return 10 * (index + 1);
}

/** Paths default to `/*` when a service gives neither paths nor hosts. */
export function effectivePathPatterns(r: Pick<WebServiceConfig["routing"], "pathPatterns" | "hostHeaders">): string[] | undefined {
    if (r.pathPatterns) return r.pathPatterns;
    return r.hostHeaders ? undefined : ["/*"];
}

function routeKey(r: Pick<WebServiceConfig["routing"], "pathPatterns" | "hostHeaders">): string {
    const paths = [...(effectivePathPatterns(r) ?? [])].sort().join(",");
    const hosts = [...(r.hostHeaders ?? [])].map((h) => h.toLowerCase()).sort().join(",");
    return `${paths}|${hosts}`;
}
