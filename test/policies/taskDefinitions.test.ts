import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROGRAM, PROJECT_DIR } from "../../offline/engine";
import { planStack } from "../../offline/plan";
import { loadPolicyPackConfig, runPolicyPack } from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { StackIndex, StackResource, toStackResources } from "../../policies/lib/graph";
import { containerHealth, parseTaskDefinitionRef } from "../../policies/lib/taskDefinitions";
import { kindOf } from "../../policies/lib/tokens";
import {
    checkPlaintextSecrets, checkServicesWithoutLoadBalancerHealthCheck, ecsServiceWithoutLoadBalancerHealthCheck, ecsTaskDefinitionNoPlaintextSecrets,
    isSecretLookingName, NO_LB_HEALTH_CHECK_POLICY, PLAINTEXT_SECRETS_POLICY,
} from "../../policies/rules/taskDefinitions";
import { compliantStack, ref, single, StackBuilder, U, urnOf } from "./fixtures";
import { planOf, previewStack } from "../program/helpers";
import { stackArgs, validateResource, validateStack } from "./helpers";

const SVC = "aws:ecs/service:Service";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const TD_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition";
/** The wire form of a secret value, as the engine hands secret properties to the analyzer. */
const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

const healthy = { command: ["CMD-SHELL", "test -f /tmp/healthy || exit 1"], interval: 15, retries: 3, startPeriod: 60 };
const containers = (...cs: Record<string, unknown>[]) => JSON.stringify(cs.map((c) => ({ name: "app", image: "public.ecr.aws/x/app:1", ...c })));

/**
 * A worker service without a load balancer and its task definition (family "jobs", revision 3),
 * joined as a Pulumi program joins them: `taskDefinition: td.arn`.
 */
function workerStack(td: Record<string, unknown> = { containerDefinitions: containers({ healthCheck: healthy }) }, svc: Record<string, unknown> = {}): StackBuilder {
    const b = new StackBuilder();
    b.add("aws:ecs/cluster:Cluster", "cluster", { name: "main" }, { arn: "arn:aws:ecs:eu-west-1:123456789012:cluster/main" });
    b.add(TD, "jobs-td", { family: "jobs", cpu: "256", memory: "512", ...td },
        { arn: `${TD_ARN}/jobs:3`, arnWithoutRevision: `${TD_ARN}/jobs`, revision: 3, id: "jobs" });
    b.add(SVC, "jobs", {
        name: "jobs", cluster: ref("cluster", "arn"), taskDefinition: ref("jobs-td", "arn"), desiredCount: 2,
        deploymentCircuitBreaker: { enable: true, rollback: true }, ...svc,
    }, { arn: "arn:aws:ecs:eu-west-1:123456789012:service/main/jobs" });
    return b;
}

function check(stack: RegisteredResource[], preview = false, config: Record<string, unknown> = {}, exempt: string[] = []) {
    const resources = toStackResources(stackArgs(stack, { preview }).resources);
    return checkServicesWithoutLoadBalancerHealthCheck(resources, {
        config, index: new StackIndex(resources), isExempt: (r: StackResource) => exempt.includes(r.name),
    });
}

const isViolation = (f: { undecided?: boolean; internal?: boolean }) => !f.undecided && !f.internal;
const violations = (stack: RegisteredResource[], preview = false) => check(stack, preview).filter(isViolation);
const notes = (stack: RegisteredResource[], preview = false) => check(stack, preview).filter((f) => f.undecided);

/** Replaces one resource's inputs and outputs (a literal reference, no dependency). */
function withInputs(stack: RegisteredResource[], name: string, f: (inputs: Record<string, any>) => Record<string, any>, keepDependencies = false): RegisteredResource[] {
    return stack.map((r) => {
        if (r.name !== name) return r;
        const inputs = f(structuredClone(r.inputs));
        const outputs = f(structuredClone(r.outputs));
        return keepDependencies ? { ...r, inputs, outputs } : { ...r, inputs, outputs, propertyDependencies: {}, dependencies: [] };
    });
}

describe(NO_LB_HEALTH_CHECK_POLICY, () => {
    describe("pass", () => {
        it("accepts a service without a load balancer whose essential container has a health check (up and a new stack's preview)", () => {
            for (const preview of [false, true]) assert.deepStrictEqual(check(workerStack().build(preview), preview), [], `preview=${preview}`);
        });
        it("does not concern services behind a load balancer (the compliant stack has no task definition at all)", () => {
            assert.deepStrictEqual(check(compliantStack().build(false)), []);
            assert.deepStrictEqual(check(workerStack({ containerDefinitions: containers({}) }, { loadBalancers: [{ targetGroupArn: "arn:tg", containerName: "app", containerPort: 80 }] }).build(false)), []);
        });
        it("counts a container without `essential` (ECS's default: true) and any essential one among several", () => {
            const sidecar = { name: "log-router", essential: false };
            assert.deepStrictEqual(violations(workerStack({ containerDefinitions: containers(sidecar, { healthCheck: healthy, essential: true }) }).build(false)), []);
            assert.deepStrictEqual(violations(workerStack({ containerDefinitions: containers({ healthCheck: { command: ["CMD", "/bin/check"] } }) }).build(false)), []);
        });
        it("reads secret container definitions (the program marks them secret when the environment came from a secret)", () => {
            const stack = withInputs(workerStack().build(false), "jobs-td", (i) => ({ ...i, containerDefinitions: secret(i.containerDefinitions) }), true);
            assert.deepStrictEqual(check(stack), []);
            const bad = withInputs(workerStack({ containerDefinitions: containers({}) }).build(false), "jobs-td", (i) => ({ ...i, containerDefinitions: secret(i.containerDefinitions) }), true);
            assert.strictEqual(violations(bad).length, 1);
        });
    });

    describe("fail", () => {
        it("rejects a service without a load balancer whose task definition has no container health check, saying why", () => {
            for (const preview of [false, true]) {
                const v = violations(workerStack({ containerDefinitions: containers({}) }).build(preview), preview);
                assert.strictEqual(v.length, 1, `preview=${preview}`);
                assert.strictEqual(v[0].urn, urnOf(SVC, "jobs"));
                assert.match(v[0].message, /no load balancer/);
                assert.match(v[0].message, /circuit breaker's second stage/);
                assert.match(v[0].message, /never rolled back/);
                assert.match(v[0].message, /essential container\(s\) 'app' have no health check command/);
                assert.match(v[0].message, /healthCheck: \{ command: \["CMD-SHELL"/);
            }
        });
        it("an explicitly empty loadBalancers list is no load balancer, whatever the controller", () => {
            for (const type of ["ECS", "CODE_DEPLOY", "EXTERNAL"]) {
                const stack = workerStack({ containerDefinitions: containers({}) }, { loadBalancers: [], deploymentController: { type } }).build(false);
                assert.strictEqual(violations(stack).length, 1, type);
            }
        });
        it("wants the check on an essential container, and a command that runs something", () => {
            const cases: [string, Record<string, unknown>[]][] = [
                ["check on a non-essential container only", [{ essential: true }, { name: "sidecar", essential: false, healthCheck: healthy }]],
                ["essential: \"false\"", [{ essential: "false", healthCheck: healthy }]],
                ["NONE disables the check", [{ healthCheck: { command: ["NONE"] } }]],
                ["CMD-SHELL without a command", [{ healthCheck: { command: ["CMD-SHELL"] } }]],
                ["blank command", [{ healthCheck: { command: ["CMD", "  "] } }]],
                ["no CMD/CMD-SHELL", [{ healthCheck: { command: ["curl -f localhost"] } }]],
                ["healthCheck without command", [{ healthCheck: { interval: 30 } }]],
            ];
            for (const [label, cs] of cases) {
                const v = violations(workerStack({ containerDefinitions: containers(...cs) }).build(false));
                assert.strictEqual(v.length, 1, label);
            }
            const v = violations(workerStack({ containerDefinitions: containers({ essential: true }, { name: "sidecar", essential: false, healthCheck: healthy }) }).build(false));
            assert.match(v[0].message, /'sidecar' have one but are not essential/);
        });
        it("joins by ARN (with or without revision), family:revision and family when the reference is a literal", () => {
            for (const taskDefinition of [`${TD_ARN}/jobs:3`, `${TD_ARN}/jobs`, "jobs:3", "jobs", " jobs "]) {
                const good = withInputs(workerStack().build(false), "jobs", (i) => ({ ...i, taskDefinition }));
                assert.deepStrictEqual(check(good), [], taskDefinition);
                const bad = withInputs(workerStack({ containerDefinitions: containers({}) }).build(false), "jobs", (i) => ({ ...i, taskDefinition }));
                assert.match(violations(bad)[0]?.message ?? "", /no essential container of its task definition 'jobs-td \(jobs\)'/, `${taskDefinition}: ${JSON.stringify(check(bad))}`);
            }
        });
        it("rejects a task definition outside the stack (another account, another revision, another family, not a task definition)", () => {
            for (const taskDefinition of ["arn:aws:ecs:eu-west-1:999999999999:task-definition/jobs:3", `${TD_ARN}/jobs:2`, "jobs:2", "other", "arn:aws:s3:::bucket", "jobs:latest"]) {
                const stack = withInputs(workerStack().build(false), "jobs", (i) => ({ ...i, taskDefinition }));
                const v = violations(stack);
                assert.strictEqual(v.length, 1, taskDefinition);
                assert.match(v[0].message, /not declared in this stack/);
                assert.match(v[0].message, /exemptResources/);
                assert.ok(v[0].message.includes(`'${taskDefinition}'`));
            }
        });
        it("rejects a service with no task definition at all", () => {
            for (const taskDefinition of [undefined, "", 42]) {
                const stack = withInputs(workerStack().build(false), "jobs", (i) => ({ ...i, taskDefinition }));
                assert.match(violations(stack)[0]?.message ?? "", /no task definition \(`taskDefinition` is not set\)/, String(taskDefinition));
            }
        });
    });

    describe("unknown during preview: never a rejection, a note", () => {
        it("containerDefinitions unknown", () => {
            const stack = workerStack({ containerDefinitions: U }).build(true);
            assert.deepStrictEqual(violations(stack, true), []);
            assert.match(notes(stack, true)[0].message, /containerDefinitions of task definition 'jobs-td'.*unknown/);
            // an unknown element, or a part that decides it
            for (const cd of [JSON.stringify([U]), containers({ essential: U, healthCheck: healthy }), containers({ healthCheck: { command: U } }), containers({ healthCheck: { command: [U, "x"] } })]) {
                const s = workerStack({ containerDefinitions: cd }).build(false);
                assert.deepStrictEqual(violations(s), [], cd);
                assert.strictEqual(notes(s).length, 1, cd);
            }
        });
        it("taskDefinition unknown and from no task definition of the stack", () => {
            const stack = withInputs(workerStack().build(true), "jobs", (i) => ({ ...i, taskDefinition: U }));
            assert.deepStrictEqual(violations(stack, true), []);
            assert.match(notes(stack, true)[0].message, /taskDefinition is unknown/);
        });
        it("taskDefinition unknown, and only a resource dependency on one task definition: a pass counts, a failure is only a note", () => {
            const dependsOnly = (td: Record<string, unknown>) => workerStack(td).build(true).map((r) => (r.name === "jobs"
                ? { ...r, inputs: { ...r.inputs, taskDefinition: U }, propertyDependencies: {}, dependencies: [urnOf(TD, "jobs-td")] } : r));
            assert.deepStrictEqual(check(dependsOnly({ containerDefinitions: containers({ healthCheck: healthy }) }), true), []);
            const f = check(dependsOnly({ containerDefinitions: containers({}) }), true);
            assert.ok(f.length === 1 && f[0].undecided, JSON.stringify(f));
        });
        it("a literal reference, while a task definition's family is unknown", () => {
            const stack = withInputs(workerStack({ family: U, containerDefinitions: containers({}) }).build(true), "jobs", (i) => ({ ...i, taskDefinition: "jobs:3" }));
            assert.deepStrictEqual(violations(stack, true), []);
            assert.match(notes(stack, true)[0].message, /may be 'jobs-td', whose family is unknown/);
        });
        it("loadBalancers unknown: a failure is only a note, a pass is silent", () => {
            const bad = workerStack({ containerDefinitions: containers({}) }, { loadBalancers: U }).build(true);
            assert.deepStrictEqual(violations(bad, true), []);
            assert.match(notes(bad, true)[0].message, /Only if the service has no load balancer/);
            assert.deepStrictEqual(check(workerStack(undefined, { loadBalancers: U }).build(true), true), []);
        });
        it("container definitions that are not JSON (AWS refuses them)", () => {
            const f = check(workerStack({ containerDefinitions: "[{" }).build(false));
            assert.ok(f.length === 1 && f[0].undecided && /not valid JSON/.test(f[0].message), JSON.stringify(f));
        });
        it("several candidate task definitions decide only when they agree", () => {
            const b = workerStack({ containerDefinitions: containers({}) });
            b.add(TD, "jobs-td-2", { family: "jobs2", containerDefinitions: containers({ healthCheck: healthy }) }, { arn: `${TD_ARN}/jobs2:1` });
            const stack = b.build(false).map((r) => (r.name === "jobs"
                ? { ...r, propertyDependencies: { taskDefinition: [urnOf(TD, "jobs-td"), urnOf(TD, "jobs-td-2")] } } : r));
            const f = check(stack);
            assert.ok(f.length === 1 && f[0].undecided && /only some of them/.test(f[0].message), JSON.stringify(f));
        });
    });

    describe("through the SDK and the runner", () => {
        it("is a mandatory stack policy in the pack and in both config files", async () => {
            const res = await runPolicyPack([]);
            const p = res.policies.find((x) => x.name === NO_LB_HEALTH_CHECK_POLICY);
            assert.deepStrictEqual([p?.enforcementLevel, p?.kinds], ["mandatory", ["stack"]]);
            for (const stack of ["dev", "prod"]) {
                const config = loadPolicyPackConfig(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`));
                const r = await runPolicyPack(workerStack({ containerDefinitions: containers({}) }).build(false), { config });
                assert.deepStrictEqual(r.violations.filter((v) => v.policyName === NO_LB_HEALTH_CHECK_POLICY).map((v) => [v.enforcementLevel, v.resourceName]),
                    [["mandatory", "jobs"]], stack);
                assert.match(r.violations.find((v) => v.policyName === NO_LB_HEALTH_CHECK_POLICY)!.message, /never rolled back/);
            }
        });
        it("honours exemptResources and reportUndecided", async () => {
            const bad = workerStack({ containerDefinitions: containers({}) }).build(false);
            assert.strictEqual((await validateStack(ecsServiceWithoutLoadBalancerHealthCheck, bad)).violations.length, 1);
            for (const pattern of ["jobs", "urn:pulumi:test::shop::*::jobs", "job*"]) {
                const rep = await validateStack(ecsServiceWithoutLoadBalancerHealthCheck, bad, { config: { exemptResources: [pattern] } });
                assert.strictEqual(rep.violations.length + rep.notes.length, 0, pattern);
            }
            const unknown = workerStack({ containerDefinitions: U }).build(true);
            const noted = await validateStack(ecsServiceWithoutLoadBalancerHealthCheck, unknown, { preview: true });
            assert.deepStrictEqual([noted.violations.length, noted.notes.map((n) => n.enforcementLevel)], [0, ["advisory"]]);
            const quiet = await validateStack(ecsServiceWithoutLoadBalancerHealthCheck, unknown, { preview: true, config: { reportUndecided: false } });
            assert.strictEqual(quiet.violations.length + quiet.notes.length, 0);
        });
    });
});

describe(PLAINTEXT_SECRETS_POLICY, () => {
    const ctx = (config: Record<string, unknown> = {}) => ({ urn: urnOf(TD, "td"), name: "td", type: TD, config });
    const env = (...pairs: [string, unknown][]) => pairs.map(([name, value]) => ({ name, value }));
    const one = (cs: Record<string, unknown>[], config: Record<string, unknown> = {}) => checkPlaintextSecrets({ containerDefinitions: containers(...cs) }, ctx(config));

    it("knows secret-looking names: PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL in any case, separators ignored", () => {
        for (const n of ["DB_PASSWORD", "db_passwd", "CLIENT_SECRET", "AWS_SECRET_ACCESS_KEY", "API_TOKEN", "github_token", "API_KEY", "apiKey", "STRIPE-API-KEY",
            "PRIVATE_KEY", "privateKey", "GOOGLE_APPLICATION_CREDENTIALS"]) assert.ok(isSecretLookingName(n), n);
        for (const n of ["LOG_LEVEL", "PORT", "PWD", "DATABASE_HOST", "AWS_REGION", "KEY_ID", "PUBLIC_KEY_URL"]) assert.ok(!isSecretLookingName(n), n);
    });
    it("passes plain settings, empty values, ARNs and `secrets` entries", () => {
        assert.deepStrictEqual(one([{ environment: env(["LOG_LEVEL", "debug"], ["PORT", "8080"]) }]), []);
        assert.deepStrictEqual(one([{ environment: env(["API_TOKEN", ""], ["DB_PASSWORD", "  "]) }]), [], "empty values hold no secret");
        assert.deepStrictEqual(one([{ environment: env(["DB_PASSWORD_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Ab12Cd"]) }]), [], "an ARN names a secret");
        assert.deepStrictEqual(one([{ secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/db" }] }]), []);
        assert.deepStrictEqual(one([{}]), []);
        assert.deepStrictEqual(checkPlaintextSecrets({}, ctx()), []);
    });
    it("flags literal values under secret-looking names, naming variables and containers but never the values", () => {
        const f = one([
            { name: "app", environment: env(["API_TOKEN", "tok-123456"], ["LOG_LEVEL", "info"], ["db_password", "hunter2"]) },
            { name: "sidecar", essential: false, environment: env(["ApiKey", "k-987"]) },
        ]);
        assert.strictEqual(f.length, 1);
        assert.ok(!f[0].undecided);
        assert.match(f[0].message, /container 'app': API_TOKEN, db_password; container 'sidecar': ApiKey/);
        assert.match(f[0].message, /`secrets`/);
        for (const value of ["tok-123456", "hunter2", "k-987", "info"]) assert.ok(!f[0].message.includes(value), value);
    });
    it("skips names listed in allowedNames (exact)", () => {
        assert.deepStrictEqual(one([{ environment: env(["TOKEN_TTL_SECONDS", "300"]) }], { allowedNames: ["TOKEN_TTL_SECONDS"] }), []);
        assert.strictEqual(one([{ environment: env(["token_ttl_seconds", "300"]) }], { allowedNames: ["TOKEN_TTL_SECONDS"] }).length, 1);
    });
    it("is undecided on unknowns (never a violation), and still reports what is known", () => {
        for (const props of [{ containerDefinitions: U }, { containerDefinitions: containers({ environment: U }) }, { containerDefinitions: containers({ environment: env(["API_TOKEN", U]) }) },
            { containerDefinitions: containers({ environment: env([U, "x"]) }) }, { containerDefinitions: JSON.stringify([U]) }, { containerDefinitions: "[{" }]) {
            const f = checkPlaintextSecrets(props, ctx());
            assert.ok(f.length === 1 && f[0].undecided, JSON.stringify(props));
        }
        const f = checkPlaintextSecrets({ containerDefinitions: containers({ name: "a", environment: U }, { name: "b", environment: env(["API_TOKEN", "x"]) }) }, ctx());
        assert.ok(f.length === 1 && !f[0].undecided && /Not known yet: the environment of container\(s\) 'a'/.test(f[0].message), JSON.stringify(f));
        assert.deepStrictEqual(checkPlaintextSecrets({ containerDefinitions: containers({ environment: env([U, ""]) }) }, ctx()), [], "an empty value is no secret, whatever its name");
    });
    it("through the SDK: advisory, reads secret container definitions, honours exemptResources; notes are off by default", async () => {
        const leaky = containers({ environment: env(["API_TOKEN", "s3cr3t-value"]) });
        for (const containerDefinitions of [leaky, secret(leaky)]) {
            const rep = await validateResource(ecsTaskDefinitionNoPlaintextSecrets, single(TD, "td", { family: "jobs", containerDefinitions }));
            assert.strictEqual(rep.violations.length, 1);
            assert.ok(!rep.violations[0].message.includes("s3cr3t-value"));
        }
        const exempt = await validateResource(ecsTaskDefinitionNoPlaintextSecrets, single(TD, "td", { containerDefinitions: leaky }), { config: { exemptResources: ["td"] } });
        assert.strictEqual(exempt.violations.length, 0);
        const unknown = await validateResource(ecsTaskDefinitionNoPlaintextSecrets, single(TD, "td", { containerDefinitions: U }));
        assert.strictEqual(unknown.violations.length + unknown.notes.length, 0);
        const noted = await validateResource(ecsTaskDefinitionNoPlaintextSecrets, single(TD, "td", { containerDefinitions: U }), { config: { reportUndecided: true } });
        assert.strictEqual(noted.notes.length, 1);
        const res = await runPolicyPack([single(TD, "td", { containerDefinitions: leaky })]);
        assert.deepStrictEqual(res.violations.map((v) => [v.policyName, v.enforcementLevel]), [[PLAINTEXT_SECRETS_POLICY, "advisory"]]);
    });
});

describe("lib/taskDefinitions", () => {
    it("maps the TaskDefinition token of @pulumi/aws to its kind", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const aws = require("@pulumi/aws");
        assert.strictEqual(kindOf(aws.ecs.TaskDefinition.__pulumiType), "ecsTaskDefinition");
    });
    it("parses task definition references", () => {
        assert.deepStrictEqual(parseTaskDefinitionRef(`${TD_ARN}/jobs:3`), { family: "jobs", revision: 3, arnBase: `${TD_ARN}/jobs` });
        assert.deepStrictEqual(parseTaskDefinitionRef(`${TD_ARN}/jobs`), { family: "jobs", arnBase: `${TD_ARN}/jobs` });
        assert.deepStrictEqual(parseTaskDefinitionRef("jobs:12"), { family: "jobs", revision: 12 });
        assert.deepStrictEqual(parseTaskDefinitionRef("jobs"), { family: "jobs" });
        for (const v of ["", ":3", "jobs:latest", "arn:aws:s3:::bucket", `${TD_ARN}/`, "a/b"]) assert.strictEqual(parseTaskDefinitionRef(v), undefined, v);
    });
    it("reads container definitions given as a parsed list or a lone object too", () => {
        assert.strictEqual(containerHealth({ containerDefinitions: [{ name: "a", healthCheck: healthy }] }).ok, true);
        assert.strictEqual(containerHealth({ containerDefinitions: JSON.stringify({ name: "a", healthCheck: healthy }) }).ok, true);
        assert.strictEqual(containerHealth({ containerDefinitions: "[]" }).ok, false);
    });
});

/** index.ts, with a client-side transformation applied to every resource of one type (a careless edit). */
function changedProgram(type: string, change: (props: Record<string, any>) => Record<string, any>) {
    return () => {
        pulumi.runtime.registerStackTransformation((args) => (args.type === type ? { props: change(args.props), opts: args.opts } : undefined));
        delete require.cache[require.resolve(PROGRAM)];
        return require(PROGRAM);
    };
}

/** Rewrites the program's container definitions (a string, or a secret output of one). */
const editContainers = (edit: (c: Record<string, any>) => Record<string, any>) => (p: Record<string, any>) => ({
    ...p, containerDefinitions: pulumi.output(p.containerDefinitions).apply((cd: string) => JSON.stringify((JSON.parse(cd) as Record<string, any>[]).map(edit))),
});

describe("our stacks and the two task definition policies", function () {
    this.timeout(120_000);
    const ours = (v: { policyName: string }) => v.policyName === NO_LB_HEALTH_CHECK_POLICY || v.policyName === PLAINTEXT_SECRETS_POLICY;

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the worker's task definition is joined and passes; no finding at all (up and preview)`, async () => {
            const { policy } = await planOf(stack);
            assert.deepStrictEqual(policy!.violations.filter(ours), []);
            const run = await previewStack(stack);
            const config = loadPolicyPackConfig(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`));
            const previewed = await runPolicyPack(run.resources, { preview: true, config });
            assert.deepStrictEqual(previewed.violations.filter(ours), []);
            const workers = run.resources.filter((r) => r.type === SVC && Array.isArray(r.inputs.loadBalancers) && r.inputs.loadBalancers.length === 0);
            assert.ok(workers.length > 0, "the stack has a service without a load balancer");
        });
    }

    it("catches a worker whose container health check was removed (mandatory, names the service)", async () => {
        const { policy } = await planStack({ stack: "prod", program: changedProgram(TD, editContainers(({ healthCheck: _h, ...c }) => c)) });
        const v = policy!.violations.filter((x) => x.policyName === NO_LB_HEALTH_CHECK_POLICY);
        assert.deepStrictEqual(v.map((x) => [x.enforcementLevel, x.resourceName]), [["mandatory", "jobs"]]);
    });

    it("flags a secret-looking literal in the environment (advisory), without showing its value", async () => {
        const { policy } = await planStack({
            stack: "dev",
            program: changedProgram(TD, editContainers((c) => ({ ...c, environment: [...c.environment, { name: "API_TOKEN", value: "do-not-print-me" }] }))),
        });
        const v = policy!.violations.filter((x) => x.policyName === PLAINTEXT_SECRETS_POLICY);
        assert.ok(v.length >= 1 && v.every((x) => x.enforcementLevel === "advisory"), JSON.stringify(v));
        assert.ok(v.every((x) => /API_TOKEN/.test(x.message) && !x.message.includes("do-not-print-me")));
        assert.strictEqual(policy!.mandatoryCount, 0);
    });
});
