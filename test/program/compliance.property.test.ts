import { strict as assert } from "assert";
import * as path from "path";
import fc from "fast-check";
import { ConfigError } from "../../config/errors";
import { LIMITS } from "../../components/naming";
import { createStack } from "../../components/stack";
import { loadStackConfig } from "../../config";
import { PROJECT_DIR } from "../../offline/engine";
import { planStack, renderPlan } from "../../offline/plan";
import { configValues } from "../../offline/stackFiles";
import type { RegisteredResource } from "../../offline/types";
import { faultyConfig, largestConfig, SECRET_MARK, validConfig, type FaultyConfig, type GeneratedConfig } from "./arbitraries";

/** The strictest policy config we ship: every rule that can be mandatory is. */
const POLICY_CONFIG = path.join(PROJECT_DIR, "policies", "config", "prod.json");
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
/** Replays a run: fast-check prints the seed of a failure. */
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

/** Physical names AWS limits, by resource type: the input that carries the name and its limit. */
const NAMED: Record<string, { key: string; limit: number }> = {
    "aws:lb/targetGroup:TargetGroup": { key: "name", limit: LIMITS.targetGroup },
    "aws:lb/loadBalancer:LoadBalancer": { key: "name", limit: LIMITS.loadBalancer },
    "aws:iam/role:Role": { key: "name", limit: LIMITS.iamRole },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { key: "name", limit: LIMITS.alarm },
    "aws:cloudwatch/eventRule:EventRule": { key: "name", limit: LIMITS.eventRule },
    "aws:cloudwatch/logGroup:LogGroup": { key: "name", limit: LIMITS.logGroup },
    "aws:ecs/service:Service": { key: "name", limit: LIMITS.ecsService },
    "aws:ecs/taskDefinition:TaskDefinition": { key: "family", limit: LIMITS.taskFamily },
    "aws:codedeploy/application:Application": { key: "name", limit: LIMITS.codeDeployName },
    "aws:codedeploy/deploymentGroup:DeploymentGroup": { key: "deploymentGroupName", limit: LIMITS.codeDeployName },
    "aws:sns/topic:Topic": { key: "name", limit: LIMITS.snsTopic },
};

/** What index.ts does, without reloading it for every generated config (that cost a few ms each). */
const program = () => createStack(loadStackConfig());

/** The config as the CLI hands it to the program after decrypting `secure:` values. */
const asCliValues = ({ stack, config }: GeneratedConfig) => configValues("ecs-deploy", stack, config, {}, (plaintext) => plaintext);

const fullPath = (p: string) => (p.startsWith("aws:") ? p : `ecs-deploy:${p}`);
/** A problem line is about `key` when it starts with it, then ends the key or goes deeper into it. */
const isAbout = (problem: string, key: string) => problem.startsWith(key) && /^[:.[]/.test(problem.slice(key.length));

/** Every place a string containing the mark sits in a value, as `a.b[0].c` paths. */
function pathsContaining(value: unknown, mark: string, at = ""): string[] {
    if (typeof value === "string") return value.includes(mark) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => pathsContaining(v, mark, `${at}[${i}]`));
    if (value && typeof value === "object")
        return Object.entries(value).flatMap(([k, v]) => pathsContaining(v, mark, at ? `${at}.${k}` : k));
    return [];
}
const under = (p: string, secretPaths: readonly string[]) => secretPaths.some((s) => p === s || isAbout(p, s));

const stats = { valid: 0, faulty: 0, resources: 0, services: new Map<number, number>(), modes: new Set<string>(), features: new Set<string>() };

async function checkValid(generated: GeneratedConfig): Promise<void> {
    stats.valid++;
    const services = generated.config.services as Record<string, any>[];
    stats.services.set(services.length, (stats.services.get(services.length) ?? 0) + 1);
    for (const s of services) {
        stats.modes.add(s.deployment?.mode ?? "rolling");
        if (s.kind === "worker") stats.features.add("worker");
        if (s.scaling) stats.features.add("scaling");
        if (s.secrets) stats.features.add("secrets-manager/ssm");
    }
    if (generated.config.certificateArn) stats.features.add("https");
    if (generated.config.kmsEncryption) stats.features.add("kms");
    if (generated.config.vpcId) stats.features.add("existing-vpc");

    const { plan, run, policy } = await planStack({ stack: generated.stack, config: asCliValues(generated), policyConfigFile: POLICY_CONFIG, program });
    assert.equal(run.error, undefined, `the program failed: ${run.error?.message}`);
    stats.resources += run.resources.length;
    const mandatory = policy!.violations.filter((v) => v.enforcementLevel === "mandatory");
    assert.deepEqual(mandatory.map((v) => `${v.policyName} on ${v.resourceType} ${v.resourceName}: ${v.message}`), []);

    checkNames(run.resources);

    const secret = services.some((s) => s.environment?.API_TOKEN);
    if (secret) {
        stats.features.add("secret");
        for (const r of run.resources) {
            const leaked = pathsContaining(r.inputs, SECRET_MARK).filter((p) => !under(p, r.secretInputs ?? []));
            assert.deepEqual(leaked, [], `${r.type} ${r.name} holds the secret in plain text`);
        }
        const leakedOutputs = pathsContaining(run.outputs, SECRET_MARK).filter((p) => !under(p, run.secretOutputs));
        assert.deepEqual(leakedOutputs, [], "stack outputs hold the secret in plain text");
        assert.ok(!renderPlan(plan).includes(SECRET_MARK), "the plan shows the secret");
        assert.ok(!JSON.stringify(plan).includes(SECRET_MARK), "the plan's JSON shows the secret");
    }
}

function checkNames(resources: RegisteredResource[]): void {
    const seen = new Map<string, string>();
    for (const r of resources) {
        const rule = NAMED[r.type];
        if (!rule) continue;
        const name = r.inputs[rule.key];
        assert.equal(typeof name, "string", `${r.type} ${r.name} has no ${rule.key}`);
        assert.ok(name.length <= rule.limit, `${r.type} name ${name} is over ${rule.limit} characters`);
        const key = `${r.type} ${name}`;
        assert.ok(!seen.has(key), `${r.type} name ${name} is used by both ${seen.get(key)} and ${r.name}`);
        seen.set(key, r.name);
    }
}

async function checkFaulty(generated: FaultyConfig): Promise<void> {
    stats.faulty++;
    const { plan, run } = await planStack({ stack: generated.stack, config: asCliValues(generated), policyConfigFile: POLICY_CONFIG, program });
    assert.ok(run.error instanceof ConfigError, `expected a config error, got ${run.error?.message ?? "none"}`);
    const problems = run.error.problems;
    const expected = generated.expectedPaths.map(fullPath);
    for (const key of expected) assert.ok(problems.some((p) => isAbout(p, key)), `no problem names ${key}:\n${problems.join("\n")}`);
    for (const p of problems) assert.ok(expected.some((key) => isAbout(p, key)), `a problem names a key that is not broken: ${p}`);
    assert.deepEqual(run.resources.map((r) => r.type), ["pulumi:pulumi:Stack"], "resources were registered for an invalid config");
    const text = renderPlan(plan);
    for (const key of expected) assert.ok(text.includes(key), `the plan does not name ${key}`);
}

describe("config ⇒ compliance (property-based)", () => {
    after(() => {
        const sizes = [...stats.services.keys()].sort((a, b) => a - b);
        console.log(
            `      config ⇒ compliance: ${stats.valid + stats.faulty} generated configs checked ` +
                `(${stats.valid} valid: ${stats.resources} resources, ${sizes[0]}-${sizes.at(-1)} services, modes ${[...stats.modes].sort().join("/")}, ` +
                `${[...stats.features].sort().join(", ")}; ${stats.faulty} invalid)`,
        );
    });

    // The runs are split in fixed shares (not drawn at random): a valid config costs a program run and a
    // policy check (about 40 ms), a broken one almost nothing, so a fixed share keeps every run's cost
    // the same. A third valid sees every mode and feature below with a margin of many orders of magnitude.
    const validRuns = Math.round(RUNS / 3);

    it("every generated valid config builds a stack with no mandatory violation", async () => {
        // One stack of the largest size is always checked; the generator favours small ones.
        const [largest] = fc.sample(largestConfig, { numRuns: 1, seed: 20 });
        await fc.assert(fc.asyncProperty(validConfig, checkValid), { numRuns: validRuns, examples: [[largest]], seed: SEED });
        // Coverage the issue asks for.
        if (RUNS >= 300) {
            assert.deepEqual([...stats.modes].sort(), ["bluegreen", "codedeploy", "rolling"]);
            for (const f of ["https", "kms", "existing-vpc", "secret", "worker", "scaling", "secrets-manager/ssm"]) assert.ok(stats.features.has(f), `no generated config had ${f}`);
            assert.deepEqual([Math.min(...stats.services.keys()), Math.max(...stats.services.keys())], [1, 20]);
        }
    });

    it("every generated broken config is refused naming each broken key, and nothing is registered", async () => {
        await fc.assert(fc.asyncProperty(faultyConfig, checkFaulty), { numRuns: RUNS - validRuns, seed: SEED });
    });
});
