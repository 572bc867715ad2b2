/**
 * Issue #6, part 2: for every resource-level rule, generated resources with missing, null, wrongly
 * typed, empty, oversized, unknown and valid values in every property the rule reads. No rule
 * throws, none rejects on an unknown value, and on fully known props every rule's verdict equals
 * the plain reference check of `reference.ts`.
 *
 * Most cases call the pure check function (what the SDK callback runs); a share goes through the
 * SDK-shaped callback with the props in the SDK's unknown-checking proxy, type tokens of other kinds
 * included. The config is the policy's default one, and for the configurable rules sometimes another.
 *
 * Stack rules with a reference get generated stacks instead, and the verdict about the service is
 * compared, pure and through the SDK: for the rule that joins a service to its task definitions, a
 * service and up to three task definitions, joined through property dependencies, resource
 * dependencies or literal references (ARN, family:revision, family); for rollback-detection-budget,
 * a service with up to two target groups, three metric alarms, a task definition and a CodeDeploy
 * deployment group, joined through property and resource dependencies, ARNs and names, half of the
 * stacks fully known (as on `pulumi up`), under the default budget and three others.
 */
import * as assert from "assert";
import * as fc from "fast-check";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policies/pack";
import type { Finding, ResourceContext } from "../../policies/lib/rule";
import { UNKNOWN_SENTINELS as PACK_SENTINELS } from "../../policies/lib/safe";
import { Kind, TOKENS } from "../../policies/lib/tokens";
import * as advisory from "../../policies/rules/advisory";
import * as budget from "../../policies/rules/budget";
import * as codedeploy from "../../policies/rules/codedeploy";
import * as rollback from "../../policies/rules/rollback";
import * as sns from "../../policies/rules/sns";
import * as targetGroups from "../../policies/rules/targetGroups";
import * as taskDefinitions from "../../policies/rules/taskDefinitions";
import type { StackValidationPolicy } from "@pulumi/policy";
import type { RegisteredResource } from "../../offline/types";
import { StackIndex, StackResource } from "../../policies/lib/graph";
import { TaskDefinitionIndex } from "../../policies/lib/taskDefinitions";
import { assessService, DetectionIndex } from "../../policies/lib/detection";
import { kindOf } from "../../policies/lib/tokens";
import { single, urnOf } from "./fixtures";
import { validateResource, validateStack } from "./helpers";
import * as reference from "./reference";

/** Cases per rule through the pure check function, and through the SDK-shaped callback. */
const PURE_RUNS = 1000;
const SDK_RUNS = 120;

// ---------------------------------------------------------------------------------------------
// Values, by what a property is meant to hold
// ---------------------------------------------------------------------------------------------

type Props = Record<string, unknown>;

const unknownSentinel = fc.constantFrom(...reference.UNKNOWN_SENTINELS);

function nested(depth: number): unknown {
    let v: unknown = { leaf: true };
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { next: v };
    return v;
}

const oversized = fc.oneof(
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => "x".repeat(n)),
    fc.integer({ min: 100, max: 400 }).map((n) => Array.from({ length: n }, (_, i) => (i % 2 ? "x" : i))),
    fc.integer({ min: 20, max: 150 }).map(nested),
);

/** Missing-ish, empty and wrongly typed values, whatever the property is meant to hold. */
const wrong: fc.Arbitrary<unknown> = fc.oneof(
    { arbitrary: fc.constantFrom<unknown>(null, undefined, 0, 1, -1, 42, 1.5, NaN, Infinity, true, false, "", " ", "x", "null", "undefined"), weight: 4 },
    { arbitrary: fc.constantFrom<unknown>([], {}, [null], [""], { unrelated: 1 }, [[]]), weight: 2 },
    { arbitrary: oversized, weight: 1 },
);

/** A property: mostly meaningful values, sometimes unknown, sometimes wrong. */
function value(...meant: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
    return fc.oneof({ arbitrary: fc.oneof(...meant), weight: 6 }, { arbitrary: unknownSentinel, weight: 1 }, { arbitrary: wrong, weight: 2 });
}

/** A property deep in a document with many of them: unknown or wrong more rarely, so that whole documents are often known. */
function leaf(...meant: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
    return fc.oneof({ arbitrary: fc.oneof(...meant), weight: 16 }, { arbitrary: unknownSentinel, weight: 1 }, { arbitrary: wrong, weight: 2 });
}

/** An object whose keys may each be missing, but for `present` ones (which may still be `undefined`). */
function object(shape: Record<string, fc.Arbitrary<unknown>>, present: string[] = []): fc.Arbitrary<Props> {
    return fc.record(shape, { requiredKeys: present }) as fc.Arbitrary<Props>;
}

/** One of the values, each with its weight. */
function weighted(...choices: [fc.Arbitrary<unknown>, number][]): fc.Arbitrary<unknown> {
    return fc.oneof(...choices.map(([arbitrary, weight]) => ({ arbitrary, weight })));
}

/** A list of entries, a lone entry (a list of one to lenient readers), or a long list. */
function listOf(entry: fc.Arbitrary<unknown>, longEntry: unknown, element = value): fc.Arbitrary<unknown> {
    return fc.oneof(
        { arbitrary: fc.array(element(entry), { maxLength: 3 }), weight: 6 },
        { arbitrary: entry, weight: 1 },
        { arbitrary: fc.integer({ min: 100, max: 300 }).map((n) => Array.from({ length: n }, () => longEntry)), weight: 1 },
    );
}

const boolish = fc.oneof(
    { arbitrary: fc.constant(true), weight: 5 },
    { arbitrary: fc.constantFrom<unknown>(false, "true", "false", "TRUE", " False ", "1", "0", "yes", 1, 0), weight: 3 },
);
const name = fc.constantFrom("web", "api-5xx", "main");
const arn = fc.constantFrom("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/green/1", "arn:aws:iam::123456789012:role/x", "", "  ");

/** Properties no rule reads: unknowns and junk there must not change any verdict. */
const unrelated = object({ tags: leaf(fc.constant({ env: "prod" })), description: leaf(name) });

function withUnrelated(props: fc.Arbitrary<Props>): fc.Arbitrary<Props> {
    return fc.tuple(props, unrelated).map(([p, extra]) => ({ ...extra, ...p }));
}

// ---------------------------------------------------------------------------------------------
// Resources, one property per thing some rule reads
// ---------------------------------------------------------------------------------------------

const alarmName = fc.constantFrom("web-5xx", "web-latency", "", "  ");
const alarmNames = value(listOf(alarmName, "web-5xx"));

const service = {
    deploymentController: value(object({ type: value(fc.constantFrom("ECS", "CODE_DEPLOY", "EXTERNAL", "ecs", " code_deploy ", "", "MAGIC")) }, ["type"])),
    deploymentCircuitBreaker: value(object({ enable: value(boolish), rollback: value(boolish) }, ["enable"])),
    alarms: value(object({ alarmNames, enable: value(boolish), rollback: value(boolish) })),
    deploymentConfiguration: value(object({
        strategy: value(fc.constantFrom("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY", "rolling", " blue_green ", "", "MAGIC")),
        bakeTimeInMinutes: value(fc.constantFrom<unknown>("10", 10, "0", 0, -5, "-1", " 15 ", "6e1", "1.5", "abc", "0x3c", "", "Infinity")),
    })),
    loadBalancers: value(listOf(
        object({
            targetGroupArn: value(arn),
            containerName: fc.constant("app"),
            advancedConfiguration: value(object({ alternateTargetGroupArn: value(arn), productionListenerRule: value(arn), roleArn: value(arn) })),
        }),
        { targetGroupArn: "arn:blue", advancedConfiguration: { alternateTargetGroupArn: "arn:green" } },
    )),
    healthCheckGracePeriodSeconds: value(fc.constantFrom<unknown>(60, 0, -1, "60", " 30 ", "0", "abc", "0x3c", 1e9, 0.5)),
};

type ServiceProperty = keyof typeof service;

/** The properties a rule reads; `present` ones are there more often (they may still be `undefined`). */
function serviceProps(read: ServiceProperty[], present: ServiceProperty[] = []): fc.Arbitrary<Props> {
    return withUnrelated(object(Object.fromEntries(read.map((k) => [k, service[k]])), present));
}

const deploymentEvent = fc.constantFrom("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "deployment_stop_on_alarm", " DEPLOYMENT_STOP_ON_ALARM ",
    "DEPLOYMENT_STOP_ON_REQUEST", "");

const deploymentGroup = withUnrelated(object({
    deploymentGroupName: value(name),
    ecsService: value(object({ clusterName: value(name), serviceName: value(name) })),
    alarmConfiguration: value(object({ enabled: value(boolish), alarms: alarmNames })),
    autoRollbackConfiguration: value(object({ enabled: value(boolish), events: value(listOf(deploymentEvent, "DEPLOYMENT_STOP_ON_ALARM")) })),
    blueGreenDeploymentConfig: value(object({
        terminateBlueInstancesOnDeploymentSuccess: value(object({
            action: value(fc.constantFrom("TERMINATE", "KEEP_ALIVE", "keep_alive", "", "MAGIC")),
            terminationWaitTimeInMinutes: value(fc.constantFrom<unknown>(0, 4, 5, 15, 2880, -1, "5", " 10 ", "4.9", "abc", "0x10")),
        })),
        deploymentReadyOption: value(object({ actionOnTimeout: value(fc.constant("CONTINUE_DEPLOYMENT")) })),
    })),
}));

const targetGroup = withUnrelated(object({
    protocol: value(weighted(
        [fc.constantFrom("HTTP", "HTTPS", "http", " https "), 3],
        [fc.constantFrom("TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "", "MAGIC"), 1])),
    targetType: value(weighted([fc.constantFrom("ip", "instance"), 3], [fc.constantFrom("lambda", "LAMBDA", " Lambda ", "alb", ""), 1])),
    healthCheck: value(object({
        enabled: value(boolish),
        path: value(weighted(
            [fc.constantFrom("/health", "/healthz"), 3],
            [fc.constant("/"), 3],
            [fc.constantFrom("health", "", "  ", " /health", "/ ", "//"), 2],
            [fc.integer({ min: 1_000, max: 10_000 }).map((n) => `/${"h".repeat(n)}`), 1])),
        matcher: value(fc.constant("200")),
    }, ["path"])),
}, ["healthCheck"]));

const principalName = fc.constantFrom("*", " * ", "arn:aws:iam::123456789012:root", "events.amazonaws.com", "123456789012");
const principal = weighted(
    [fc.constantFrom("*", " * "), 3],
    [fc.constant("arn:aws:iam::123456789012:root"), 1],
    [fc.dictionary(fc.constantFrom("AWS", "Service", "Federated", "CanonicalUser"), leaf(principalName, fc.array(leaf(principalName), { maxLength: 3 })), { maxKeys: 2 }), 2],
);
const conditionValue = fc.constantFrom<unknown>("123456789012", 123456789012, "*", "12345678901?", "o-abc123", "", "  ",
    "arn:aws:events:eu-west-1:123456789012:rule/x", "arn:aws:events:*:*:rule/x", "arn:aws:events:eu-west-1::rule/x", "arn:aws:events:eu-west-1:1234567890?2:rule/x");
const condition = fc.dictionary(
    fc.constantFrom("StringEquals", "ArnEquals", "ArnLike", "StringLike", "StringNotEquals", "ArnNotLike", "StringEqualsIfExists",
        "ForAllValues:StringEquals", "ForAnyValue:StringLike", "Null", "Bool", "NumericEquals"),
    leaf(fc.dictionary(
        fc.constantFrom("aws:SourceAccount", "aws:sourcearn", "AWS:SourceOwner", "aws:PrincipalOrgID", "aws:SourceOrgID", "aws:PrincipalAccount",
            "aws:SecureTransport", "aws:username"),
        leaf(conditionValue, fc.array(leaf(conditionValue), { maxLength: 3 })),
        { maxKeys: 2 })),
    { maxKeys: 2 });
const statement = object({
    Sid: leaf(fc.constantFrom("AllowEvents", "")),
    Effect: value(weighted([fc.constantFrom("Allow", "allow", " ALLOW "), 5], [fc.constant("Deny"), 1])),
    Principal: value(principal),
    Action: leaf(fc.constantFrom("sns:Publish", "*")),
    Condition: leaf(condition),
}, ["Effect", "Principal"]);
/** NotPrincipal is rare in real documents, and grants everyone whatever it holds: seldom present. */
const statementMaybeNotPrincipal = fc.tuple(statement, fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: value(principal), weight: 1 }))
    .map(([s, notPrincipal]) => (notPrincipal === undefined ? s : { ...s, NotPrincipal: notPrincipal }));
const policyDocument = object({
    Version: fc.constant("2012-10-17"),
    Statement: value(listOf(statementMaybeNotPrincipal, { Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish" }, leaf)),
}, ["Statement"]);
const topicPolicy = fc.oneof(
    { arbitrary: policyDocument.map((d) => JSON.stringify(d)), weight: 6 },
    { arbitrary: policyDocument, weight: 2 },
    { arbitrary: unknownSentinel, weight: 1 },
    { arbitrary: fc.constantFrom<unknown>("", "  ", "{", "not json", "null", "42", "[]", "\"x\"", JSON.stringify(reference.UNKNOWN_SENTINELS[2])), weight: 1 },
    { arbitrary: wrong, weight: 1 },
);
const snsResource = withUnrelated(object({ policy: topicPolicy, arn: leaf(fc.constant("arn:aws:sns:eu-west-1:123456789012:alerts")) }, ["policy"]));

// ECS task definitions: container definitions as the JSON string the provider takes (or already parsed)

const command = weighted(
    [fc.constantFrom<unknown>(["CMD-SHELL", "test -f /tmp/healthy || exit 1"], ["CMD", "/bin/healthcheck"], [" cmd-shell ", "curl -f http://localhost/health"]), 5],
    [fc.constantFrom<unknown>(["NONE"], ["CMD-SHELL"], ["CMD", ""], ["CMD", "  "], [], "CMD-SHELL exit 0", ["exit 0"], ["CMD", 42], ["MAGIC", "x"]), 2],
    [fc.array(leaf(fc.constantFrom("CMD", "CMD-SHELL", "NONE", "/bin/check", "")), { maxLength: 3 }), 1],
);
const envName = weighted(
    [fc.constantFrom("LOG_LEVEL", "PORT", "DATABASE_HOST", "LOG_FORMAT", "PWD"), 3],
    [fc.constantFrom("API_TOKEN", "DB_PASSWORD", "db_passwd", "ApiKey", "PRIVATE-KEY", "AWS_SECRET_ACCESS_KEY", "GOOGLE_CREDENTIALS", "api_token"), 4],
    [fc.constantFrom("", "  "), 1],
);
const envValue = weighted(
    [fc.constantFrom("hunter2", "s3cr3t", "debug"), 4],
    [fc.constantFrom("", " "), 1],
    [fc.constantFrom("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Ab12Cd", " arn:aws:ssm:eu-west-1:123456789012:parameter/x", "ARN:x"), 1],
);
const envEntry = object({ name: leaf(envName), value: leaf(envValue) }, ["name", "value"]);
const container = object({
    name: leaf(fc.constantFrom("app", "sidecar", "")),
    image: fc.constant("public.ecr.aws/example/app:1"),
    essential: leaf(boolish),
    healthCheck: leaf(object({ command: leaf(command), interval: leaf(fc.constant(30)) }, ["command"])),
    environment: leaf(listOf(envEntry, { name: "LOG_LEVEL", value: "info" }, leaf)),
}, ["environment"]);
const containerList = listOf(container, { name: "app", essential: true, healthCheck: { command: ["CMD", "/bin/check"] } }, leaf);
const containerDefinitions = fc.oneof(
    { arbitrary: containerList.map((l) => JSON.stringify(l) as unknown), weight: 6 },
    { arbitrary: containerList, weight: 1 },
    { arbitrary: unknownSentinel, weight: 1 },
    { arbitrary: fc.constantFrom<unknown>("", "  ", "{", "not json", "null", "42", "[]", JSON.stringify(reference.UNKNOWN_SENTINELS[2])), weight: 1 },
    { arbitrary: wrong, weight: 1 },
);
const TD_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition";
const taskDefinition = withUnrelated(object({
    family: value(fc.constantFrom("web", "jobs")),
    revision: value(fc.constantFrom<unknown>(1, 2, "2", " 1 ")),
    arn: value(fc.constantFrom(`${TD_ARN}/web:1`, `${TD_ARN}/web:2`, `${TD_ARN}/jobs:1`, "arn:aws:ecs:eu-west-1:999999999999:task-definition/web:1")),
    arnWithoutRevision: value(fc.constantFrom(`${TD_ARN}/web`, `${TD_ARN}/jobs`)),
    containerDefinitions,
}, ["containerDefinitions"]));
/** What the advisory rule reads: the container definitions only. */
const taskDefinitionContainers = withUnrelated(object({ family: leaf(fc.constant("web")), containerDefinitions }, ["containerDefinitions"]));
/** What a service's `taskDefinition` holds: ARNs (with or without revision, other accounts), family:revision, family, junk. */
const taskDefinitionRef = fc.constantFrom(`${TD_ARN}/web:1`, `${TD_ARN}/web`, `${TD_ARN}/jobs:2`, "arn:aws:ecs:eu-west-1:999999999999:task-definition/web:1",
    "web", "web:2", " jobs:1 ", "jobs", "other:3", "web:latest", "arn:aws:s3:::bucket", "");

// ---------------------------------------------------------------------------------------------
// Rules under test
// ---------------------------------------------------------------------------------------------

type Config = Record<string, unknown>;

interface RuleUnderTest {
    policy: string;
    kinds: readonly Kind[];
    check(props: unknown, ctx: ResourceContext): Finding[];
    props: fc.Arbitrary<Props>;
    /** `config`: the policy's resolved configuration (defaults, or one of `configs` over them). */
    reference(props: unknown, config: Config): reference.Verdict;
    /** Settings other than the defaults, each tried in about one case in four or five. */
    configs?: Config[];
}

const rules: RuleUnderTest[] = [
    {
        policy: rollback.ROLLBACK_POLICY, kinds: ["ecsService"], check: rollback.checkServiceRollback,
        props: serviceProps(["deploymentController", "deploymentCircuitBreaker", "alarms"]), reference: (p) => reference.serviceRollback(p),
    },
    {
        policy: rollback.CB_CONTROLLER_POLICY, kinds: ["ecsService"], check: rollback.checkCircuitBreakerController,
        props: serviceProps(["deploymentController", "deploymentCircuitBreaker"], ["deploymentController", "deploymentCircuitBreaker"]), reference: (p) => reference.circuitBreakerController(p),
    },
    {
        policy: codedeploy.ALARMS_POLICY, kinds: ["deploymentGroup"], check: codedeploy.checkDeploymentGroupAlarms,
        props: deploymentGroup, reference: (p) => reference.deploymentGroupAlarms(p),
    },
    {
        policy: codedeploy.TERMINATION_WAIT_POLICY, kinds: ["deploymentGroup"], check: codedeploy.checkTerminationWait,
        props: deploymentGroup, reference: (p, c) => reference.terminationWait(p, c.minimumTerminationWaitMinutes as number),
        configs: [{ minimumTerminationWaitMinutes: 0 }, { minimumTerminationWaitMinutes: 15 }],
    },
    {
        policy: targetGroups.HEALTH_PATH_POLICY, kinds: ["targetGroup"], check: targetGroups.checkTargetGroupHealthCheck,
        props: targetGroup, reference: (p) => reference.targetGroupHealthCheck(p),
    },
    {
        policy: targetGroups.DEDICATED_PATH_POLICY, kinds: ["targetGroup"], check: targetGroups.checkDedicatedHealthPath,
        props: targetGroup, reference: (p, c) => reference.dedicatedHealthPath(p, c.allowedPaths as string[]),
        configs: [{ allowedPaths: ["/health", "/healthz"] }],
    },
    {
        policy: sns.PUBLIC_POLICY, kinds: ["snsTopicPolicy", "snsTopic"], check: sns.checkTopicPolicyNotPublic,
        props: snsResource, reference: (p) => reference.topicPolicyNotPublic(p),
    },
    {
        policy: advisory.GRACE_POLICY, kinds: ["ecsService"], check: advisory.checkHealthCheckGracePeriod,
        props: serviceProps(["loadBalancers", "healthCheckGracePeriodSeconds"]), reference: (p) => reference.healthCheckGracePeriod(p),
    },
    {
        policy: advisory.ROLLING_ALARMS_POLICY, kinds: ["ecsService"], check: advisory.checkRollingAlarmRollback,
        props: serviceProps(["deploymentController", "deploymentConfiguration", "alarms"]), reference: (p) => reference.rollingAlarmRollback(p),
    },
    {
        policy: advisory.BAKE_TIME_POLICY, kinds: ["ecsService"], check: advisory.checkBlueGreenBakeTime,
        props: serviceProps(["deploymentController", "deploymentConfiguration", "loadBalancers"]), reference: (p) => reference.blueGreenBakeTime(p),
    },
    {
        policy: taskDefinitions.PLAINTEXT_SECRETS_POLICY, kinds: ["ecsTaskDefinition"], check: taskDefinitions.checkPlaintextSecrets,
        props: taskDefinitionContainers, reference: (p, c) => reference.noPlaintextSecrets(p, c.allowedNames as string[]),
        configs: [{ allowedNames: ["API_TOKEN", "db_passwd"] }],
    },
];

function resourcePolicy(name: string): ResourceValidationPolicy {
    const p = policies.find((x) => x.name === name);
    assert.ok(p && "validateResource" in p && p.validateResource, `${name} has a resource validation`);
    return p as ResourceValidationPolicy;
}

/** What `getConfig` returns when the pack's config file says nothing about the policy: the schema's defaults. */
function defaultConfig(policy: Pick<ResourceValidationPolicy, "configSchema">): Record<string, unknown> {
    const properties = policy.configSchema?.properties ?? {};
    return Object.fromEntries(Object.entries(properties).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
}

const isViolation = (f: Finding) => !f.undecided && !f.internal;

/** Long generated values (oversized strings, long lists) cannot shrink: show only their start. */
function describeCase(type: string, props: unknown, expected: reference.Verdict, got: unknown): string {
    const short = (v: unknown) => {
        const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === "string" && x.length > 60 ? `${x.slice(0, 60)}…(${x.length})` :
            Array.isArray(x) && x.length > 5 ? [...x.slice(0, 5), `…(${x.length})`] : x));
        return s.length > 1_500 ? `${s.slice(0, 1_500)}…` : s;
    };
    return `reference says ${expected}, rule reported ${short(got)}\n      for ${type} ${short(props)}`;
}

// ---------------------------------------------------------------------------------------------

let checked = 0;

describe("resource rules agree with plain reference checks (property-based)", function () {
    this.timeout(60_000);
    after(() => console.log(`      policies: ${checked} generated cases checked`));

    it("knows the pack's resource validations and unknown sentinels", () => {
        const withResourcePart = policies.filter((p) => "validateResource" in p && p.validateResource).map((p) => p.name).sort();
        assert.deepStrictEqual(rules.map((r) => r.policy).sort(), withResourcePart);
        assert.deepStrictEqual([...reference.UNKNOWN_SENTINELS].sort(), [...PACK_SENTINELS].sort());
    });

    for (const rule of rules) {
        const types = rule.kinds.flatMap((k) => TOKENS[k]);
        const otherTypes = (Object.keys(TOKENS) as Kind[]).filter((k) => !rule.kinds.includes(k)).flatMap((k) => TOKENS[k]);

        it(`${rule.policy}: never throws, never rejects on an unknown, equals the reference on known props (${types.length} type token(s))`, async () => {
            const policy = resourcePolicy(rule.policy);
            const defaults = defaultConfig(policy);
            const config = weighted([fc.constant(defaults), 3], ...(rule.configs ?? []).map((c): [fc.Arbitrary<Config>, number] =>
                [fc.constant({ ...defaults, ...c }), 1])) as fc.Arbitrary<Config>;
            const seen = { pass: 0, fail: 0, unknown: 0, knownPass: 0, knownFail: 0 };

            fc.assert(fc.property(fc.constantFrom(...types), rule.props, config, (type, props, config) => {
                checked++;
                const expected = rule.reference(props, config);
                const known = !reference.containsUnknown(props);
                seen[expected]++;
                if (known && expected === "pass") seen.knownPass++;
                if (known && expected === "fail") seen.knownFail++;
                const ctx: ResourceContext = { urn: urnOf(type, "r"), name: "r", type, config };
                const findings = rule.check(props, ctx);
                const violated = findings.some(isViolation);
                const why = () => describeCase(type, props, expected, findings);
                assert.ok(findings.every((f) => !f.internal), why());
                if (expected !== "fail") assert.ok(!violated, why());
                else if (known) assert.ok(violated, why());
                // with unknowns elsewhere a definite failure may be left undecided, never passed in silence
                else assert.ok(findings.length > 0, why());
            }), { numRuns: PURE_RUNS });

            const typeUnderTest = fc.oneof({ arbitrary: fc.constantFrom(...types), weight: 9 }, { arbitrary: fc.constantFrom(...otherTypes), weight: 1 });
            await fc.assert(fc.asyncProperty(typeUnderTest, rule.props, config, async (type, props, config) => {
                checked++;
                const expected = types.includes(type) ? rule.reference(props, config) : "pass";
                const rep = await validateResource(policy, single(type, "r", props), { props, config });
                const why = () => describeCase(type, props, expected, rep);
                assert.ok([...rep.violations, ...rep.notes].every((m) => !/internal error/.test(m.message)), why());
                if (expected !== "fail") assert.strictEqual(rep.violations.length, 0, why());
                else if (!reference.containsUnknown(props)) assert.ok(rep.violations.length > 0, why());
            }), { numRuns: SDK_RUNS });

            // the generators reach every verdict, and enough fully known cases to compare exactly
            for (const [verdict, n] of Object.entries(seen)) {
                const least = verdict.startsWith("known") ? 0.02 : 0.03;
                assert.ok(n >= PURE_RUNS * least, `${rule.policy}: only ${n} of ${PURE_RUNS} generated cases were ${verdict} (${JSON.stringify(seen)})`);
            }
            if (process.env.SHOW_SEEN) console.log(rule.policy, seen);
        });
    }
});

// ---------------------------------------------------------------------------------------------
// Stack rules: a generated service joined (or not) to generated task definitions
// ---------------------------------------------------------------------------------------------

const SVC_TYPE = "aws:ecs/service:Service";
const TD_TYPE = "aws:ecs/taskDefinition:TaskDefinition";

interface GeneratedStack {
    service: Props;
    taskDefinitions: Props[];
    /** Indexes of the task definitions the service's `taskDefinition` property depends on, and the service itself. */
    propertyDependencies: number[];
    dependencies: number[];
}

const serviceForTaskDefinition = withUnrelated(object({
    loadBalancers: service.loadBalancers,
    deploymentController: service.deploymentController,
    // unknown more often than elsewhere: a new task definition's ARN during preview
    taskDefinition: weighted([value(taskDefinitionRef), 4], [unknownSentinel, 1]),
}, ["taskDefinition"]));

const generatedStack: fc.Arbitrary<GeneratedStack> = fc.record({
    service: serviceForTaskDefinition,
    taskDefinitions: fc.array(taskDefinition, { maxLength: 3 }),
    propertyDependencies: weighted([fc.constant([]), 6], [fc.constant([0]), 2], [fc.constant([1]), 1], [fc.constant([0, 1]), 1]) as fc.Arbitrary<number[]>,
    dependencies: weighted([fc.constant([]), 3], [fc.constant([0]), 2], [fc.constant([1]), 1], [fc.constant([0, 1, 2]), 1]) as fc.Arbitrary<number[]>,
}).map((g) => {
    const exists = (i: number) => i < g.taskDefinitions.length;
    const propertyDependencies = g.propertyDependencies.filter(exists);
    return { ...g, propertyDependencies, dependencies: [...new Set([...propertyDependencies, ...g.dependencies.filter(exists)])] };
});

const tdUrn = (i: number) => urnOf(TD_TYPE, `td${i}`);
const SVC_URN = urnOf(SVC_TYPE, "svc");

/** The stack as the engine records it (service and task definitions; outputs = inputs). */
function registered(g: GeneratedStack): RegisteredResource[] {
    const svc = single(SVC_TYPE, "svc", g.service);
    svc.propertyDependencies = g.propertyDependencies.length > 0 ? { taskDefinition: g.propertyDependencies.map(tdUrn) } : {};
    svc.dependencies = g.dependencies.map(tdUrn);
    return [svc, ...g.taskDefinitions.map((p, i) => single(TD_TYPE, `td${i}`, p))];
}

interface StackRuleUnderTest {
    policy: string;
    checkStack(resources: readonly StackResource[], ctx: { config: Config; index: StackIndex; isExempt(r: StackResource): boolean }): Finding[];
    /** A generated stack: its resources as the engine records them (the service under test is SVC_URN). */
    stack: fc.Arbitrary<RegisteredResource[]>;
    /** The verdict about the service; `config`: the policy's resolved configuration. */
    reference(stack: RegisteredResource[], config: Config): reference.Verdict;
    /** Settings other than the defaults, each tried in about one case in four or five. */
    configs?: Config[];
    /** How the service was joined to what the rule reads: every way must be reached in at least 1 % of the cases. */
    join(resources: StackResource[]): string;
    joins: string[];
}

/** The stack as the pure check function takes it (no SDK proxies). */
function stackResources(stack: RegisteredResource[]): StackResource[] {
    return stack.map((r) => ({
        urn: r.urn, name: r.name, type: r.type, kind: kindOf(r.type), props: r.inputs,
        dependencies: r.dependencies, propertyDependencies: r.propertyDependencies,
    }));
}

const taskDefinitionStack: fc.Arbitrary<RegisteredResource[]> = generatedStack.map(registered);

function referenceTaskDefinitionStack(stack: RegisteredResource[]): reference.ServiceInStack {
    const svc = stack[0];
    const tds = stack.filter((r) => r.type === TD_TYPE);
    return {
        props: svc.inputs,
        taskDefinitionDependencies: svc.propertyDependencies.taskDefinition ?? [],
        dependencies: svc.dependencies,
        taskDefinitions: tds.map((td) => ({ urn: td.urn, props: td.inputs })),
    };
}

// ---------------------------------------------------------------------------------------------
// rollback-detection-budget: a service with target groups, rollback alarms, a task definition and a
// CodeDeploy deployment group, joined through property dependencies, resource dependencies, ARNs
// and names, with mostly meaningful values (so that whole stacks are often known), unknowns and junk.
// ---------------------------------------------------------------------------------------------

const TG_ARN = (name: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const TG_TYPES = TOKENS.targetGroup;
const ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";
const DG_TYPE = "aws:codedeploy/deploymentGroup:DeploymentGroup";

/** Mostly meant, seldom unknown or junk: a stack has many such values and should often be fully known. */
function mostly(...meant: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
    return fc.oneof({ arbitrary: fc.oneof(...meant), weight: 40 }, { arbitrary: unknownSentinel, weight: 1 }, { arbitrary: wrong, weight: 1 });
}
/** Present (and meant) most of the time; sometimes left out. */
function usually(a: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
    return fc.oneof({ arbitrary: a, weight: 5 }, { arbitrary: fc.constant(undefined), weight: 1 });
}

const tgRef = weighted(
    [fc.constantFrom(TG_ARN("tg0"), TG_ARN("tg1")), 12],
    [fc.constantFrom(TG_ARN("legacy"), "arn:aws:iam::123456789012:role/x", "", " "), 1],
);
const alarmNameRef = weighted([fc.constantFrom("a0", "a1", "a2"), 8], [fc.constantFrom("legacy-5xx", ""), 1]);
const budgetService = fc.record({
    name: weighted([fc.constant("svc"), 16], [unknownSentinel, 1], [fc.constant(undefined), 1]),
    cluster: weighted([fc.constant("main"), 12], [fc.constantFrom("arn:aws:ecs:eu-west-1:123456789012:cluster/main", "other", undefined), 2], [unknownSentinel, 1]),
    deploymentController: weighted(
        [fc.constant(undefined), 12],
        [object({ type: mostly(fc.constantFrom("ECS", "ecs")) }, ["type"]), 4],
        [object({ type: mostly(fc.constantFrom("CODE_DEPLOY", " code_deploy ")) }, ["type"]), 4],
        [fc.constantFrom<unknown>({ type: "EXTERNAL" }, { type: "MAGIC" }), 1],
        [unknownSentinel, 1]),
    deploymentConfiguration: usually(object({
        strategy: mostly(fc.constantFrom("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY", "rolling", " blue_green ")),
        bakeTimeInMinutes: mostly(fc.constantFrom<unknown>("15", 5, "0")),
    })),
    deploymentCircuitBreaker: weighted([fc.constant({ enable: true, rollback: true }), 16], [object({ enable: mostly(boolish), rollback: mostly(boolish) }), 3],
        [fc.constant(undefined), 1], [unknownSentinel, 1]),
    alarms: weighted(
        [object({
            alarmNames: mostly(weighted([fc.array(mostly(alarmNameRef), { minLength: 1, maxLength: 3 }), 8], [fc.constant([]), 1], [alarmNameRef, 1])),
            enable: mostly(weighted([fc.constant(true), 8], [boolish, 1])),
            rollback: mostly(weighted([fc.constant(true), 8], [boolish, 1])),
        }, ["alarmNames", "enable", "rollback"]), 16],
        [fc.constant(undefined), 1], [unknownSentinel, 1]),
    loadBalancers: weighted(
        [fc.array(mostly(object({
            targetGroupArn: mostly(tgRef),
            containerName: fc.constant("app"),
            advancedConfiguration: weighted([fc.constant(undefined), 4], [mostly(object({ alternateTargetGroupArn: mostly(tgRef) })), 2]),
        }, ["targetGroupArn"])), { minLength: 1, maxLength: 2 }), 12],
        [fc.constant([]), 6], [fc.constant(undefined), 1], [unknownSentinel, 1]),
    desiredCount: mostly(fc.constantFrom<unknown>(1, 2, 3, 6, "2", 0, 10, 401)),
    healthCheckGracePeriodSeconds: usually(mostly(fc.constantFrom<unknown>(0, 60, 300, "30", 1200))),
    taskDefinition: weighted([fc.constantFrom(`${TD_ARN}/jobs:1`, "jobs", "jobs:1"), 8], [fc.constant("other:1"), 1], [unknownSentinel, 2], [fc.constant(undefined), 1]),
}, { requiredKeys: ["name", "cluster", "deploymentController", "deploymentCircuitBreaker", "alarms", "loadBalancers", "desiredCount", "taskDefinition"] });

const budgetTargetGroup = (i: number) => fc.record({
    name: weighted([fc.constant(`tg${i}`), 16], [unknownSentinel, 1], [fc.constant(undefined), 1]),
    arn: weighted([fc.constant(TG_ARN(`tg${i}`)), 12], [fc.constant(undefined), 6], [unknownSentinel, 1]),
    protocol: fc.constant("HTTP"),
    healthCheck: weighted(
        [object({
            path: fc.constant("/health"),
            interval: mostly(fc.constantFrom<unknown>(5, 10, 15, 30, "30", 300)),
            timeout: mostly(fc.constantFrom<unknown>(2, 5, 10)),
            unhealthyThreshold: mostly(fc.constantFrom<unknown>(2, 3, 5, 10)),
            healthyThreshold: mostly(fc.constantFrom<unknown>(2, 3, 5)),
        }), 20],
        [fc.constant(undefined), 2], [unknownSentinel, 1]),
    deregistrationDelay: usually(mostly(fc.constantFrom<unknown>(0, 5, 30, 300, "60", 3600))),
}, { requiredKeys: ["name", "arn", "healthCheck"] });

const budgetAlarm = (i: number) => fc.record({
    name: weighted([fc.constant(`a${i}`), 16], [unknownSentinel, 1], [fc.constant(undefined), 1]),
    period: weighted([mostly(fc.constantFrom<unknown>(10, 60, 60, 300, "60", 0)), 12], [fc.constant(undefined), 2]),
    evaluationPeriods: mostly(fc.constantFrom<unknown>(1, 2, 3, 5, "3")),
    datapointsToAlarm: usually(mostly(fc.constantFrom<unknown>(1, 2, 3))),
    metricQueries: weighted([fc.constant(undefined), 4], [fc.array(mostly(object({
        id: fc.constant("m"),
        metric: mostly(object({ metricName: fc.constant("RequestCount"), period: mostly(fc.constantFrom<unknown>(60, 120, 300)) })),
        period: mostly(fc.constantFrom<unknown>(60, 300)),
    })), { maxLength: 3 }), 2], [unknownSentinel, 1]),
}, { requiredKeys: ["name", "period", "evaluationPeriods"] });

const budgetContainers = fc.array(object({
    name: fc.constant("app"),
    essential: mostly(fc.constant(true), boolish),
    healthCheck: weighted([object({
        command: mostly(fc.constant(["CMD-SHELL", "test -f /tmp/healthy || exit 1"]), fc.constantFrom<unknown>(["NONE"], ["CMD", ""])),
        interval: mostly(fc.constantFrom<unknown>(5, 15, 30, 60)),
        timeout: mostly(fc.constantFrom<unknown>(2, 5)),
        retries: mostly(fc.constantFrom<unknown>(1, 3, 10)),
        startPeriod: mostly(fc.constantFrom<unknown>(0, 30, 60, 300)),
    }, ["command"]), 12], [fc.constant(undefined), 1]),
}, ["healthCheck"]), { minLength: 1, maxLength: 2 });
const budgetTaskDefinition = fc.record({
    family: mostly(weighted([fc.constant("jobs"), 6], [fc.constant("web"), 1])),
    revision: fc.constant(1),
    containerDefinitions: weighted([budgetContainers.map((l) => JSON.stringify(l) as unknown), 20], [unknownSentinel, 1], [fc.constantFrom<unknown>("{", ""), 1]),
});

const budgetDeploymentGroup = fc.record({
    deploymentGroupName: fc.constant("dg"),
    ecsService: weighted(
        [object({
            clusterName: mostly(weighted([fc.constant("main"), 6], [fc.constant("other"), 1])),
            serviceName: mostly(weighted([fc.constant("svc"), 6], [fc.constantFrom("other", "arn:aws:ecs:eu-west-1:123456789012:service/main/svc"), 1])),
        }, ["serviceName"]), 16],
        [fc.constant(undefined), 1], [unknownSentinel, 1]),
    alarmConfiguration: weighted(
        [object({ enabled: mostly(weighted([fc.constant(true), 8], [boolish, 1])), alarms: mostly(fc.array(mostly(alarmNameRef), { maxLength: 3 })) }, ["enabled", "alarms"]), 16],
        [fc.constant(undefined), 1], [unknownSentinel, 1]),
    autoRollbackConfiguration: weighted(
        [fc.constant({ enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] }), 12],
        [object({ enabled: mostly(boolish), events: mostly(fc.array(deploymentEvent, { maxLength: 2 })) }), 2],
        [unknownSentinel, 1]),
});

/** Subsets of the first `n` indexes (as dependencies). */
const someOf = (n: number) => fc.subarray(Array.from({ length: n }, (_, i) => i));

/** The same value with every unknown sentinel (also inside a JSON document) replaced by junk: what `pulumi up` could see. */
function withoutUnknowns(v: unknown): unknown {
    if (typeof v === "string") return reference.UNKNOWN_SENTINELS.reduce((x, u) => x.split(u).join("x"), v);
    if (Array.isArray(v)) return v.map(withoutUnknowns);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutUnknowns(x)]));
    return v;
}

const budgetStackWithUnknowns: fc.Arbitrary<RegisteredResource[]> = fc.record({
    service: budgetService,
    targetGroups: weighted([fc.constant(2), 5], [fc.constant(1), 3], [fc.constant(0), 1]).chain((n) => fc.tuple(...Array.from({ length: n as number }, (_, i) => budgetTargetGroup(i)))),
    tgTypes: fc.array(fc.constantFrom(...TG_TYPES), { minLength: 2, maxLength: 2 }),
    alarms: weighted([fc.constant(3), 3], [fc.constant(2), 3], [fc.constant(1), 2], [fc.constant(0), 1]).chain((n) => fc.tuple(...Array.from({ length: n as number }, (_, i) => budgetAlarm(i)))),
    taskDefinition: weighted([budgetTaskDefinition, 6], [fc.constant(undefined), 1]),
    deploymentGroup: weighted([budgetDeploymentGroup, 6], [fc.constant(undefined), 1]),
    lbDeps: someOf(2), alarmDeps: someOf(3), dgAlarmDeps: someOf(3),
    tdDep: weighted([fc.constant("property"), 3], [fc.constant("resource"), 1], [fc.constant("none"), 2]),
    dgDep: weighted([fc.constant("property"), 4], [fc.constant("resource"), 1], [fc.constant("none"), 2]),
}).map((g) => {
    const tgUrn = (i: number) => urnOf(g.tgTypes[i], `tg${i}`);
    const alarmUrn = (i: number) => urnOf(ALARM_TYPE, `a${i}`);
    const TD_URN = urnOf(TD_TYPE, "td");
    const svc = single(SVC_TYPE, "svc", g.service as Props);
    const pd: Record<string, string[]> = {};
    const lbDeps = g.lbDeps.filter((i) => i < g.targetGroups.length).map(tgUrn);
    if (lbDeps.length > 0) pd.loadBalancers = lbDeps;
    const alarmDeps = g.alarmDeps.filter((i) => i < g.alarms.length).map(alarmUrn);
    if (alarmDeps.length > 0) pd.alarms = alarmDeps;
    const deps = [...lbDeps, ...alarmDeps];
    if (g.taskDefinition && g.tdDep === "property") pd.taskDefinition = [TD_URN];
    if (g.taskDefinition && g.tdDep !== "none") deps.push(TD_URN);
    svc.propertyDependencies = pd;
    svc.dependencies = deps;
    const out: RegisteredResource[] = [svc];
    g.targetGroups.forEach((p, i) => out.push(single(g.tgTypes[i], `tg${i}`, p as Props)));
    g.alarms.forEach((p, i) => out.push(single(ALARM_TYPE, `a${i}`, p as Props)));
    if (g.taskDefinition) out.push(single(TD_TYPE, "td", g.taskDefinition as Props));
    if (g.deploymentGroup) {
        const dg = single(DG_TYPE, "dg", g.deploymentGroup as Props);
        const dgAlarmDeps = g.dgAlarmDeps.filter((i) => i < g.alarms.length).map(alarmUrn);
        dg.propertyDependencies = { ...(g.dgDep === "property" ? { ecsService: [SVC_URN] } : {}), ...(dgAlarmDeps.length > 0 ? { alarmConfiguration: dgAlarmDeps } : {}) };
        dg.dependencies = [...(g.dgDep !== "none" ? [SVC_URN] : []), ...dgAlarmDeps];
        out.push(dg);
    }
    return out;
});
/** Half of the stacks fully known (as on `pulumi up`), so that exact verdicts are compared often. */
const budgetStack: fc.Arbitrary<RegisteredResource[]> = fc.tuple(budgetStackWithUnknowns, fc.boolean()).map(([stack, known]) => (known
    ? stack.map((r) => ({ ...r, inputs: withoutUnknowns(r.inputs) as Props, outputs: withoutUnknowns(r.outputs) as Props }))
    : stack));

function referenceNodes(stack: RegisteredResource[]): reference.StackNode[] {
    return stack.map((r) => ({ urn: r.urn, type: r.type, props: r.inputs, dependencies: r.dependencies, propertyDependencies: r.propertyDependencies }));
}

/** How the budget rule's generated service was joined: its mode and what judges its tasks' health. */
function budgetJoin(resources: StackResource[]): string {
    const index = new StackIndex(resources);
    const r = assessService(resources[0], new DetectionIndex(index), 900);
    if (r.kind !== "assessed") return r.kind;
    const health = r.assessment.health.map((h) => h.kind);
    const kind = health.includes("targetGroup") ? "targetGroup" : health.includes("container") ? "container" : health[0];
    return `${r.assessment.mode === "worker" ? "rolling" : r.assessment.mode}/${kind}`;
}

const stackRules: StackRuleUnderTest[] = [
    {
        policy: taskDefinitions.NO_LB_HEALTH_CHECK_POLICY, checkStack: taskDefinitions.checkServicesWithoutLoadBalancerHealthCheck,
        stack: taskDefinitionStack, reference: (stack) => reference.serviceWithoutLoadBalancerHealthCheck(referenceTaskDefinitionStack(stack)),
        join: (resources) => {
            const join = new TaskDefinitionIndex(new StackIndex(resources)).of(resources[0]);
            return join.kind !== "inStack" ? join.kind : join.guessed ? "guessed" : resources[0].propertyDependencies.taskDefinition ? "byDependency" : "byFamily";
        },
        joins: ["byDependency", "byFamily", "guessed", "unknown", "outside", "none"],
    },
    {
        policy: budget.BUDGET_POLICY, checkStack: budget.checkRollbackDetectionBudget,
        stack: budgetStack, reference: (stack, c) => reference.rollbackDetectionBudget(referenceNodes(stack), SVC_URN, c.budgetSeconds as number),
        configs: [{ budgetSeconds: 300 }, { budgetSeconds: 1200 }, { budgetSeconds: 3600 }],
        join: budgetJoin,
        joins: ["rolling/targetGroup", "rolling/container", "rolling/noHealthCheck", "rolling/unseen", "rolling/unknown", "bluegreen/targetGroup",
            "codedeploy/targetGroup", "codedeploy/unseen", "modeUnknown", "notConcerned"],
    },
];

function stackPolicyNamed(name: string): StackValidationPolicy {
    const p = policies.find((x) => x.name === name);
    assert.ok(p && "validateStack" in p && typeof p.validateStack === "function", `${name} has a stack validation`);
    return p as StackValidationPolicy;
}

let checkedStacks = 0;

describe("stack rules agree with plain reference checks (property-based)", function () {
    this.timeout(120_000);
    after(() => console.log(`      policies: ${checkedStacks} generated stacks checked`));

    it("covers the stack rules that have a reference (the pack's stack-only policies on ECS task definitions and detection times)", () => {
        const stackOnly = policies.filter((p) => !("validateResource" in p && p.validateResource) && "validateStack" in p).map((p) => p.name);
        for (const r of stackRules) assert.ok(stackOnly.includes(r.policy), r.policy);
    });

    for (const rule of stackRules) {
        it(`${rule.policy}: never throws, never rejects on an unknown, equals the reference on known stacks (pure and through the SDK)`, async () => {
            const policy = stackPolicyNamed(rule.policy);
            const defaults = defaultConfig(policy);
            const config = weighted([fc.constant(defaults), 3], ...(rule.configs ?? []).map((c): [fc.Arbitrary<Config>, number] =>
                [fc.constant({ ...defaults, ...c }), 1])) as fc.Arbitrary<Config>;
            const seen = { pass: 0, fail: 0, unknown: 0, knownPass: 0, knownFail: 0 };
            /** How the service was joined: every way is reached. */
            const joins: Record<string, number> = Object.fromEntries(rule.joins.map((j) => [j, 0]));
            const known = (stack: RegisteredResource[]) => !reference.containsUnknown(stack.map((r) => r.inputs));

            fc.assert(fc.property(rule.stack, config, (stack, config) => {
                checkedStacks++;
                const expected = rule.reference(stack, config);
                const isKnown = known(stack);
                seen[expected]++;
                if (isKnown && expected === "pass") seen.knownPass++;
                if (isKnown && expected === "fail") seen.knownFail++;
                const resources = stackResources(stack);
                const how = rule.join(resources);
                joins[how] = (joins[how] ?? 0) + 1;
                const findings = rule.checkStack(resources, { config, index: new StackIndex(resources), isExempt: () => false });
                const why = () => describeCase("stack", stack.map((r) => [r.name, r.inputs, r.propertyDependencies]), expected, findings);
                assert.ok(findings.every((f) => !f.internal && (f.urn === undefined || f.urn === SVC_URN)), why());
                const violated = findings.some(isViolation);
                if (expected !== "fail") assert.ok(!violated, why());
                else if (isKnown) assert.ok(violated, why());
                else assert.ok(findings.length > 0, why());
            }), { numRuns: PURE_RUNS });

            await fc.assert(fc.asyncProperty(rule.stack, config, async (stack, config) => {
                checkedStacks++;
                const expected = rule.reference(stack, config);
                const rep = await validateStack(policy, stack, { config });
                const why = () => describeCase("stack", stack.map((r) => [r.name, r.inputs]), expected, rep);
                assert.ok([...rep.violations, ...rep.notes].every((m) => !/internal error/.test(m.message)), why());
                if (expected !== "fail") assert.strictEqual(rep.violations.length, 0, why());
                else if (known(stack)) assert.deepStrictEqual(rep.violations.map((v) => v.urn), [SVC_URN], why());
            }), { numRuns: SDK_RUNS });

            for (const [verdict, n] of Object.entries(seen)) {
                const least = verdict.startsWith("known") ? 0.02 : 0.03;
                assert.ok(n >= PURE_RUNS * least, `${rule.policy}: only ${n} of ${PURE_RUNS} generated stacks were ${verdict} (${JSON.stringify(seen)})`);
            }
            for (const how of rule.joins) assert.ok(joins[how] >= PURE_RUNS * 0.01, `${rule.policy}: only ${joins[how]} of ${PURE_RUNS} generated stacks joined ${how} (${JSON.stringify(joins)})`);
            if (process.env.SHOW_SEEN) console.log(rule.policy, seen, joins);
        });
    }
});
