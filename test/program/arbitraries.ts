/**
 * Generated stack configurations, as a user would write them in `Pulumi.<stack>.yaml`: valid
 * ones covering every deployment mode, 1 to 20 services, HTTPS, KMS and an existing VPC, and
 * faulty ones made by breaking a valid one in known places, each fault naming the key path
 * the error message must name.
 */
import fc from "fast-check";
import { FARGATE_SIZES, LOG_RETENTION_DAYS, PREDEFINED_CODEDEPLOY_CONFIGS } from "../../config/schema";

export type RawConfig = Record<string, unknown>;
type Service = Record<string, any>;

/** A value the secret-leak check searches for in everything the run produces. */
export const SECRET_MARK = "s3cr3t-Value-9f2c";

const REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1", "us-gov-west-1", "sa-east-1"];
const SSL_POLICIES = ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"];

// Strings built from character sets: fc.stringMatching spent seconds per run checking shrinkability.
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const chars = (set: string, minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...set), minLength, maxLength });

// Service and stack names as the schema and the CLI accept them, long ones included: names are cut to fit AWS limits.
const serviceName = fc
    .tuple(chars(LOWER, 1, 1), fc.option(fc.tuple(chars(LOWER + DIGITS + "-", 0, 30), chars(LOWER + DIGITS, 1, 1)), { nil: undefined }))
    .map(([first, rest]) => (rest ? first + rest[0] + rest[1] : first));
export const stackName = chars(LOWER + LOWER.toUpperCase() + DIGITS + "_.-", 1, 40);

const hexId = (prefix: string) => chars("0123456789abcdef", 8, 17).map((h) => `${prefix}-${h}`);
const restrictedCidr = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
    .map(([a, b, bits]) => `${a}.${b}.0.0/${bits}`);
const email = fc.tuple(fc.constantFrom("ops", "platform", "oncall", "dev"), fc.constantFrom("example.com", "example.org"))
    .map(([user, domain]) => `${user}@${domain}`);

const cpuMemory = fc.constantFrom(...Object.entries(FARGATE_SIZES).flatMap(([cpu, mems]) => mems.map((m) => [Number(cpu), m] as const)));

// The schema wants timeoutSeconds below intervalSeconds (default 15); left out, it adapts.
const healthCheck = fc.option(fc.integer({ min: 5, max: 300 }), { nil: undefined }).chain((interval) =>
    fc.record(
        {
            path: chars(LOWER + DIGITS + "/_.-", 0, 30).map((p) => `/${p}`),
            intervalSeconds: interval === undefined ? fc.constant(undefined) : fc.constant(interval),
            timeoutSeconds: fc.integer({ min: 2, max: Math.min(120, (interval ?? 15) - 1) }),
            healthyThreshold: fc.integer({ min: 2, max: 10 }),
            unhealthyThreshold: fc.integer({ min: 2, max: 10 }),
            matcher: fc.constantFrom("200", "200-299", "200,204"),
            gracePeriodSeconds: fc.integer({ min: 0, max: 7200 }),
        },
        { requiredKeys: ["path", "intervalSeconds"] },
    ).map(({ intervalSeconds, ...rest }) => (intervalSeconds === undefined ? rest : { intervalSeconds, ...rest })),
);

// datapointsToAlarm may not exceed evaluationPeriods (default 3); left out, it adapts.
const alarms = fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }).chain((evaluationPeriods) =>
    fc.record(
        {
            http5xxCount: fc.integer({ min: 1, max: 1_000_000 }),
            http5xxRatePercent: fc.double({ min: 0.1, max: 100, noNaN: true }),
            p99LatencySeconds: fc.double({ min: 0.01, max: 4000, noNaN: true }),
            unhealthyHosts: fc.integer({ min: 1, max: 1000 }),
            periodSeconds: fc.constantFrom(60, 300),
            evaluationPeriods: fc.constant(evaluationPeriods),
            datapointsToAlarm: fc.integer({ min: 1, max: evaluationPeriods ?? 3 }),
        },
        { requiredKeys: ["evaluationPeriods"] },
    ).map(({ evaluationPeriods: periods, ...rest }) => (periods === undefined ? rest : { evaluationPeriods: periods, ...rest })),
);

const deployment = fc.oneof(
    fc.constant({ mode: "rolling" }),
    fc.record(
        {
            mode: fc.constant("codedeploy"),
            config: fc.oneof(
                fc.constantFrom(...PREDEFINED_CODEDEPLOY_CONFIGS),
                fc.record({ type: fc.constantFrom("linear", "canary"), percent: fc.integer({ min: 1, max: 99 }), intervalMinutes: fc.integer({ min: 1, max: 2880 }) }),
            ),
            terminationWaitMinutes: fc.integer({ min: 0, max: 2880 }),
        },
        { requiredKeys: ["mode"] },
    ),
    fc.record({ mode: fc.constant("bluegreen"), bakeTimeMinutes: fc.integer({ min: 0, max: 1440 }) }, { requiredKeys: ["mode"] }),
);

const secretRef = fc.oneof(
    chars(LOWER + DIGITS, 3, 12).chain((n) => chars(LOWER + LOWER.toUpperCase() + DIGITS, 6, 6).map((suffix) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/${n}-${suffix}`)),
    chars(LOWER + DIGITS, 3, 12).map((n) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/${n}-Ab12Cd:password::`),
    chars(LOWER + DIGITS, 3, 12).map((n) => `arn:aws:ssm:eu-west-1:123456789012:parameter/app/${n}`),
);
// Mixed-case names never meet a generated environment name (upper case only).
const secrets = fc.dictionary(chars(LOWER.toUpperCase(), 1, 8).map((n) => `Secret_${n}`), secretRef, { minKeys: 1, maxKeys: 2 });
const kmsKey = fc.uuid().map((id) => `arn:aws:kms:eu-west-1:123456789012:key/${id}`);

/** A task-count range with a target; the service's desiredCount is then put inside it. */
const range = { min: fc.integer({ min: 1, max: 5 }), extra: fc.integer({ min: 0, max: 20 }) };
const toRange = <T extends { min: number; extra: number }>({ min, extra, ...targets }: T) => ({ min, max: min + extra, ...targets });
const webScaling = fc
    .record(
        { ...range, cpuTargetPercent: fc.integer({ min: 10, max: 95 }), memoryTargetPercent: fc.integer({ min: 10, max: 95 }), requestsPerTarget: fc.integer({ min: 1, max: 100_000 }) },
        { requiredKeys: ["min", "extra", "cpuTargetPercent"] },
    )
    .map(toRange);
const workerScaling = fc
    .record(
        { ...range, cpuTargetPercent: fc.integer({ min: 10, max: 95 }), backlogPerTask: fc.integer({ min: 1, max: 10_000 }) },
        { requiredKeys: ["min", "extra", "backlogPerTask"] },
    )
    .map(toRange);

/** What a service may vary besides its name; routing is decided per position (it must be unique). */
const serviceBody = fc.record(
    {
        size: cpuMemory,
        containerPort: fc.integer({ min: 1, max: 65535 }),
        desiredCount: fc.integer({ min: 1, max: 10 }),
        environment: fc.dictionary(fc.tuple(chars(LOWER.toUpperCase() + "_", 1, 1), chars(LOWER.toUpperCase() + DIGITS + "_", 0, 10)).map(([a, b]) => a + b), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
        secretEnvironment: fc.boolean(),
        routing: fc.constantFrom("paths", "hosts", "both", "default"),
        priority: fc.option(fc.integer({ min: 0, max: 4999 }), { nil: undefined }),
        healthCheck,
        deregistrationDelaySeconds: fc.integer({ min: 0, max: 3600 }),
        logRetentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
        deployment,
        alarms,
        scaling: webScaling,
        secrets,
        secretsKmsKeyArn: kmsKey,
    },
    { requiredKeys: ["size", "healthCheck", "deployment", "routing", "secretEnvironment"] },
).map((b) => ({ kind: "web" as const, ...b }));

/** A queue worker: no load balancer, a container health check, a created or an existing queue. */
const workerBody = fc.record(
    {
        size: cpuMemory,
        desiredCount: fc.integer({ min: 1, max: 10 }),
        environment: fc.dictionary(chars(LOWER.toUpperCase(), 1, 8), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
        secretEnvironment: fc.boolean(),
        containerHealthCheck: fc.record(
            {
                command: fc.constantFrom(["CMD-SHELL", "test -f /tmp/healthy || exit 1"], ["CMD", "/bin/healthcheck"]),
                intervalSeconds: fc.integer({ min: 5, max: 300 }),
                timeoutSeconds: fc.integer({ min: 2, max: 60 }),
                retries: fc.integer({ min: 1, max: 10 }),
                startPeriodSeconds: fc.integer({ min: 0, max: 300 }),
            },
            { requiredKeys: ["command"] },
        ),
        queue: fc.oneof(
            fc.record({ visibilityTimeoutSeconds: fc.integer({ min: 0, max: 43200 }), maxReceiveCount: fc.integer({ min: 1, max: 1000 }), retentionDays: fc.integer({ min: 1, max: 14 }) }, { requiredKeys: [] }),
            chars(LOWER + DIGITS, 3, 20).map((n) => ({ arn: `arn:aws:sqs:eu-west-1:123456789012:${n}`, deadLetterArn: `arn:aws:sqs:eu-west-1:123456789012:${n}-dlq` })),
        ),
        queueAlarms: fc.record({ oldestMessageAgeSeconds: fc.integer({ min: 1, max: 86_400 }), visibleMessages: fc.integer({ min: 1, max: 1_000_000 }), periodSeconds: fc.constantFrom(60, 300) }, { requiredKeys: [] }),
        scaling: workerScaling,
        secrets,
        logRetentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
    },
    { requiredKeys: ["size", "containerHealthCheck", "secretEnvironment"] },
).map((b) => ({ kind: "worker" as const, ...b }));

const anyServiceBody = fc.oneof({ weight: 4, arbitrary: serviceBody }, { weight: 1, arbitrary: workerBody });

const servicesBetween = (minLength: number, maxLength: number) =>
    fc.uniqueArray(fc.tuple(serviceName, anyServiceBody), { minLength, maxLength, selector: ([n]) => n, size: "max" });

/** Mostly small stacks (each run costs about half a millisecond per resource), some up to 20 services. */
const serviceList = fc.oneof(
    { weight: 12, arbitrary: servicesBetween(1, 1) },
    { weight: 5, arbitrary: servicesBetween(2, 3) },
    { weight: 2, arbitrary: servicesBetween(4, 8) },
    { weight: 1, arbitrary: servicesBetween(9, 20) },
);

function toService(name: string, body: any, index: number, usedPriorities: Set<number>): Service {
    if (body.kind === "worker") return toWorker(name, body, index);
    const { kind: _web, size, routing: kind, priority, secretEnvironment, environment, ...rest } = body;
    const svc: Service = { name, image: `registry.example.com/${name}:1.${index}`, cpu: size[0], memory: size[1], ...rest };
    withinScaling(svc);
    const routing: Record<string, unknown> = {};
    // Paths and hosts from the (unique) name keep routes distinct; only the first service may take the default `/*`.
    if (kind === "paths" || kind === "both" || (kind === "default" && index > 0)) routing.pathPatterns = [`/${name}/*`];
    if (kind === "hosts" || kind === "both") routing.hostHeaders = [`${name}.example.com`];
    // Explicit priorities end in 5 so they never meet the defaults (10, 20, …).
    if (priority !== undefined && !usedPriorities.has(priority)) {
        usedPriorities.add(priority);
        routing.priority = priority * 10 + 5;
    }
    svc.routing = routing;
    const env: Record<string, unknown> = { ...environment };
    if (secretEnvironment) env.API_TOKEN = { secure: SECRET_MARK };
    if (Object.keys(env).length > 0) svc.environment = env;
    return svc;
}

function toWorker(name: string, body: any, index: number): Service {
    const { size, secretEnvironment, environment, ...rest } = body;
    const svc: Service = { name, image: `registry.example.com/${name}:2.${index}`, cpu: size[0], memory: size[1], ...rest };
    withinScaling(svc);
    const env: Record<string, unknown> = { ...environment };
    if (secretEnvironment) env.API_TOKEN = { secure: SECRET_MARK };
    if (Object.keys(env).length > 0) svc.environment = env;
    return svc;
}

/** The first `pulumi up` starts desiredCount tasks, which must lie within the scaling range. */
function withinScaling(svc: Service): void {
    if (!svc.scaling) return;
    const { min, max } = svc.scaling;
    svc.desiredCount = Math.min(max, Math.max(min, svc.desiredCount ?? 2));
}

export interface GeneratedConfig {
    stack: string;
    /** Keys as in `Pulumi.<stack>.yaml`, without the project namespace; `aws:region` included. */
    config: RawConfig;
}

/** A configuration the schema must accept; `services` overrides how many services it has. */
export function validConfigOf(services = serviceList): fc.Arbitrary<GeneratedConfig> {
    return fc.record({
        stack: stackName,
        region: fc.constantFrom(...REGIONS),
        network: fc.oneof(
            fc.record({ availabilityZones: fc.integer({ min: 2, max: 6 }), natGateways: fc.constantFrom("none", "single", "one-per-az"), vpcCidr: fc.integer({ min: 0, max: 255 }).map((b) => `10.${b}.0.0/16`) }),
            fc.record({ vpcId: hexId("vpc"), publicSubnetIds: fc.uniqueArray(hexId("subnet"), { minLength: 2, maxLength: 3 }), privateSubnetIds: fc.uniqueArray(hexId("subnet"), { minLength: 1, maxLength: 3 }) }),
        ),
        capacity: fc.oneof(
            fc.record({ fargateWeight: fc.integer({ min: 1, max: 1000 }), fargateBase: fc.integer({ min: 0, max: 100000 }), fargateSpotWeight: fc.integer({ min: 0, max: 1000 }) }),
            fc.record({ fargateWeight: fc.constant(0), fargateBase: fc.constant(0), fargateSpotWeight: fc.integer({ min: 1, max: 1000 }) }),
        ),
        https: fc.option(fc.uuid().map((id) => `arn:aws:acm:eu-west-1:123456789012:certificate/${id}`), { nil: undefined }),
        balancer: fc.record(
            {
                internal: fc.boolean(),
                sslPolicy: fc.constantFrom(...SSL_POLICIES),
                allowedCidrs: fc.array(restrictedCidr, { minLength: 1, maxLength: 3 }),
                testListenerPort: fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 80 && p !== 443),
                testListenerCidrs: fc.array(restrictedCidr, { maxLength: 2 }),
                deletionProtection: fc.boolean(),
                idleTimeoutSeconds: fc.integer({ min: 1, max: 4000 }),
                containerInsights: fc.boolean(),
            },
            { requiredKeys: [] },
        ),
        alertEmails: fc.option(fc.uniqueArray(email, { maxLength: 3 }), { nil: undefined }),
        kmsEncryption: fc.option(fc.boolean(), { nil: undefined }),
        services,
    }).map(({ stack, region, network, capacity, https, balancer, alertEmails, kmsEncryption, services }) => {
        const used = new Set<number>();
        const config: RawConfig = { "aws:region": region, ...network, ...capacity, ...balancer };
        if (https) config.certificateArn = https;
        if (alertEmails) config.alertEmails = alertEmails;
        if (kmsEncryption !== undefined) config.kmsEncryption = kmsEncryption;
        config.services = services.map(([name, body], i) => toService(name, body, i, used));
        // Backlog per task divides by Container Insights' task count.
        if ((config.services as Service[]).some((s) => s.scaling?.backlogPerTask !== undefined)) config.containerInsights = true;
        return { stack, config };
    });
}

export const validConfig = validConfigOf();

/** The largest stack the reliability property promises to cover. */
export const largestConfig = validConfigOf(servicesBetween(20, 20));

/** One way to break a config, and the key paths the error must then name. */
interface Fault {
    describe: string;
    /** The key a global fault rewrites: two faults on one key would hide each other. */
    key?: string;
    /** Applies the fault; returns the paths it breaks, or undefined when it does not apply to this config. */
    apply(config: RawConfig, target: number): string[] | undefined;
}

const services = (c: RawConfig) => c.services as Service[];
const at = (i: number, rest: string) => `services[${i}]${rest}`;

/** A fault that only a web service can have (workers have no health path, routing, port or modes). */
const webOnly = (fault: Fault): Fault => ({ ...fault, apply: (c, i) => (services(c)[i].kind === "worker" ? undefined : fault.apply(c, i)) });
const workerOnly = (fault: Fault): Fault => ({ ...fault, apply: (c, i) => (services(c)[i].kind === "worker" ? fault.apply(c, i) : undefined) });

/** Faults on one service: `target` picks which. */
const serviceFaults: Fault[] = [
    { describe: "cpu not a Fargate size", apply: (c, i) => ((services(c)[i].cpu = 300), [at(i, ".cpu")]) },
    { describe: "memory not allowed for the cpu", apply: (c, i) => ((services(c)[i].memory = FARGATE_SIZES[services(c)[i].cpu].at(-1)! + 1024), [at(i, ".memory")]) },
    { describe: "name not DNS-like", apply: (c, i) => ((services(c)[i].name = "Web_Service"), [at(i, ".name")]) },
    webOnly({ describe: "health check removed", apply: (c, i) => (delete services(c)[i].healthCheck, [at(i, ".healthCheck")]) }),
    webOnly({ describe: "health-check path without slash", apply: (c, i) => ((services(c)[i].healthCheck.path = "health"), [at(i, ".healthCheck.path")]) }),
    webOnly({
        describe: "health-check timeout not below interval",
        apply: (c, i) => {
            const hc = services(c)[i].healthCheck;
            hc.intervalSeconds = hc.intervalSeconds ?? 15;
            hc.timeoutSeconds = hc.intervalSeconds;
            return [at(i, ".healthCheck.timeoutSeconds")];
        },
    }),
    webOnly({ describe: "typo in healthCheck key", apply: (c, i) => { const s = services(c)[i]; s.helthCheck = s.healthCheck; delete s.healthCheck; return [at(i, ".helthCheck"), at(i, ".healthCheck")]; } }),
    // Scaling ranges would also be named (the count no longer fits a range): only unscaled services.
    { describe: "desiredCount not an integer", apply: (c, i) => (services(c)[i].scaling ? undefined : ((services(c)[i].desiredCount = 1.5), [at(i, ".desiredCount")])) },
    webOnly({ describe: "containerPort out of range", apply: (c, i) => ((services(c)[i].containerPort = 70000), [at(i, ".containerPort")]) }),
    webOnly({ describe: "unknown deployment mode", apply: (c, i) => ((services(c)[i].deployment = { mode: "canary" }), [at(i, ".deployment.mode")]) }),
    webOnly({ describe: "custom CodeDeploy config at 100%", apply: (c, i) => ((services(c)[i].deployment = { mode: "codedeploy", config: { type: "linear", percent: 100, intervalMinutes: 1 } }), [at(i, ".deployment.config.percent")]) }),
    webOnly({ describe: "bake time negative", apply: (c, i) => ((services(c)[i].deployment = { mode: "bluegreen", bakeTimeMinutes: -1 }), [at(i, ".deployment.bakeTimeMinutes")]) }),
    webOnly({ describe: "alarm datapoints above evaluation periods", apply: (c, i) => ((services(c)[i].alarms = { evaluationPeriods: 2, datapointsToAlarm: 3 }), [at(i, ".alarms.datapointsToAlarm")]) }),
    { describe: "scaling max below min", apply: (c, i) => ((services(c)[i].scaling = { min: 4, max: 2, cpuTargetPercent: 50 }), (services(c)[i].desiredCount = 4), [at(i, ".scaling.max")]) },
    { describe: "first task count outside the scaling range", apply: (c, i) => ((services(c)[i].scaling = { min: 2, max: 3, cpuTargetPercent: 50 }), (services(c)[i].desiredCount = 5), [at(i, ".desiredCount")]) },
    { describe: "secret ARN without its suffix", apply: (c, i) => ((services(c)[i].secrets = { SECRET_DB: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db" }), [at(i, ".secrets.SECRET_DB")]) },
    {
        describe: "a variable both plain and secret",
        apply: (c, i) => {
            const s = services(c)[i];
            s.environment = { ...(s.environment ?? {}), SECRET_X: "plain" };
            s.secrets = { SECRET_X: "arn:aws:ssm:eu-west-1:123456789012:parameter/x" };
            return [at(i, ".secrets.SECRET_X")];
        },
    },
    workerOnly({ describe: "worker without a container health check", apply: (c, i) => (delete services(c)[i].containerHealthCheck, [at(i, ".containerHealthCheck")]) }),
    workerOnly({ describe: "worker in blue/green mode", apply: (c, i) => ((services(c)[i].deployment = { mode: "bluegreen" }), [at(i, ".deployment.mode")]) }),
    { describe: "environment name invalid", apply: (c, i) => ((services(c)[i].environment = { "1BAD": "x" }), [at(i, ".environment.1BAD")]) },
    { describe: "environment value a number", apply: (c, i) => ((services(c)[i].environment = { PORT: 8080 }), [at(i, ".environment.PORT")]) },
    { describe: "log retention not a CloudWatch period", apply: (c, i) => ((services(c)[i].logRetentionDays = 2), [at(i, ".logRetentionDays")]) },
    {
        describe: "name taken by an earlier service",
        apply: (c, i) => (i === 0 ? undefined : ((services(c)[i].name = services(c)[i - 1].name), [at(i, ".name")])),
    },
    {
        describe: "routing identical to an earlier service",
        apply: (c, i) => {
            if (i === 0 || services(c)[i].kind === "worker" || services(c)[i - 1].kind === "worker") return undefined;
            const { priority: _, ...earlier } = services(c)[i - 1].routing;
            const own = services(c)[i].routing;
            services(c)[i].routing = { ...structuredClone(earlier), ...(own.priority !== undefined ? { priority: own.priority } : {}) };
            return [at(i, ".routing")];
        },
    },
];

/** Faults on project-wide keys. */
const globalFaults: Fault[] = [
    { describe: "region unknown", apply: (c) => ((c["aws:region"] = "mars-north-1"), ["aws:region"]) },
    { describe: "too many AZs", key: "availabilityZones", apply: (c) => (c.vpcId ? undefined : ((c.availabilityZones = 9), ["availabilityZones"])) },
    { describe: "AZs as text", key: "availabilityZones", apply: (c) => (c.vpcId ? undefined : ((c.availabilityZones = "two"), ["availabilityZones"])) },
    { describe: "NAT mode unknown", apply: (c) => (c.vpcId ? undefined : ((c.natGateways = "many"), ["natGateways"])) },
    { describe: "VPC CIDR invalid", apply: (c) => (c.vpcId ? undefined : ((c.vpcCidr = "10.0.0.0/33"), ["vpcCidr"])) },
    { describe: "existing VPC without public subnets", apply: (c) => (c.vpcId ? (delete c.publicSubnetIds, ["publicSubnetIds"]) : undefined) },
    { describe: "test listener on the production port", apply: (c) => ((c.testListenerPort = 443), ["testListenerPort"]) },
    { describe: "test listener open to the world", apply: (c) => ((c.testListenerCidrs = ["0.0.0.0/0"]), ["testListenerCidrs[0]"]) },
    { describe: "alert email invalid", key: "alertEmails", apply: (c) => ((c.alertEmails = ["ops@example.com", "not-an-email"]), ["alertEmails[1]"]) },
    { describe: "alert email twice", key: "alertEmails", apply: (c) => ((c.alertEmails = ["ops@example.com", "OPS@example.com"]), ["alertEmails[1]"]) },
    { describe: "allowed CIDR twice", apply: (c) => ((c.allowedCidrs = ["10.1.0.0/16", "10.1.0.0/16"]), ["allowedCidrs[1]"]) },
    { describe: "certificate not an ACM ARN", apply: (c) => ((c.certificateArn = "arn:aws:iam::123456789012:server-certificate/x"), ["certificateArn"]) },
    { describe: "no capacity weight", apply: (c) => ((c.fargateWeight = 0), (c.fargateSpotWeight = 0), (c.fargateBase = 0), ["fargateWeight"]) },
    { describe: "typo in a project key", apply: (c) => ((c.kmsEncrypton = true), ["kmsEncrypton"]) },
    { describe: "idle timeout zero", apply: (c) => ((c.idleTimeoutSeconds = 0), ["idleTimeoutSeconds"]) },
    { describe: "no services", key: "services", apply: (c) => ((c.services = []), ["services"]) },
    {
        describe: "more services than the shared load balancer takes",
        key: "services",
        apply: (c) => {
            const list = services(c);
            const names = new Set(list.map((s) => s.name));
            const shared = () => list.filter((s) => s.kind !== "worker" && (s.deployment === undefined || ["rolling", "bluegreen"].includes(s.deployment.mode))).length;
            // 53, not 51: two other faults may each take a service off the shared load balancer (codedeploy, unknown mode).
            for (let n = 0; shared() < 53; n++) {
                const name = `extra-${n}`;
                // Shaped like a generated service: the other faults may break it too.
                if (!names.has(name))
                    list.push({ name, image: `registry.example.com/${name}:1`, cpu: 256, memory: 512, healthCheck: { path: "/health" }, routing: { pathPatterns: [`/${name}/*`] }, deployment: { mode: "rolling" } });
            }
            return ["services"];
        },
    },
];

export interface FaultyConfig extends GeneratedConfig {
    /** What was broken, for a readable counterexample. */
    faults: string[];
    /** Key paths (`services[1].cpu`, `aws:region`) the error must name; project keys without namespace. */
    expectedPaths: string[];
}

/**
 * A valid config broken by one to three faults, each on a different key or service so that no
 * fault repairs or hides another.
 */
export const faultyConfig: fc.Arbitrary<FaultyConfig> = fc
    .tuple(
        validConfig,
        fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }),
    )
    .map(([{ stack, config }, picks]) => {
        const broken = structuredClone(config);
        const faults: string[] = [];
        const expectedPaths: string[] = [];
        const usedServices = new Set<number>();
        const usedGlobals = new Set<string>();
        for (const [onService, which, target] of picks) {
            const count = services(broken).length;
            if (onService && count > 0) {
                const i = target % count;
                if (usedServices.has(i) || usedServices.has(i - 1) || usedServices.has(i + 1)) continue; // duplicates look at neighbours
                const fault = serviceFaults[which % serviceFaults.length];
                const paths = fault.apply(broken, i);
                if (!paths) continue;
                usedServices.add(i);
                faults.push(`services[${i}]: ${fault.describe}`);
                expectedPaths.push(...paths);
            } else {
                const fault = globalFaults[which % globalFaults.length];
                const key = fault.key ?? fault.describe;
                if (usedGlobals.has(key) || (fault.describe === "no services" && usedServices.size > 0)) continue;
                const paths = fault.apply(broken, 0);
                if (!paths) continue;
                usedGlobals.add(key);
                faults.push(fault.describe);
                expectedPaths.push(...paths);
            }
        }
        return { stack, config: broken, faults, expectedPaths };
    })
    .filter((f) => f.faults.length > 0);
