import { strict as assert } from "assert";
import { codeDeployRelease, ecsBlueGreenSwap, firstUp, up, type World } from "../../offline/day2";
import { PROJECT_DIR } from "../../offline/engine";
import { readStackConfig } from "../../offline/stackFiles";
import { summarize, TRANSITIONS } from "../../offline/transitions";

/**
 * Each config change a team makes, on dev and on prod after a release of every mode (so green
 * serves production for the blue/green services): nothing refused by AWS or the provider,
 * nothing a controller set is sent back, no traffic to an idle colour; and what each change
 * updates, replaces or leaves for the next CodeDeploy release is what a reader expects.
 */
const worlds = new Map<string, Promise<World>>();
/** The stack after its first up and, for prod, a release of each blue/green service (shared by transitions that start there). */
function releasedWorld(stack: string, start: Parameters<typeof firstUp>[0]): Promise<World> {
    const key = JSON.stringify(start.values);
    if (!worlds.has(key))
        worlds.set(
            key,
            firstUp(start).then((w) => (stack === "prod" ? codeDeployRelease(ecsBlueGreenSwap(w, "api"), "web", "example/web:2") : w)),
        );
    return worlds.get(key)!;
}

describe("day 2: the catalogue of config transitions", () => {
    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            for (const t of TRANSITIONS) {
                it(t.name, async () => {
                    const base = readStackConfig(PROJECT_DIR, stack);
                    if (t.appliesTo && !t.appliesTo(base)) return;
                    const start = t.from ? t.from(base) : base;
                    const world = await releasedWorld(stack, start);
                    const result = await up(world, { config: t.apply(start) });
                    assert.equal(result.run.error, undefined, result.run.error?.message);
                    assert.deepEqual([...result.refused, ...result.fights].map((f) => `${f.name}: ${f.message}`), []);
                    const s = summarize(result);
                    const touched = [...s.created, ...s.updated, ...s.replaced, ...s.deleted, ...s.deferred];
                    assert.ok(touched.length > 0, "the transition changes something");
                    expectations[t.name]?.(s, stack);
                    // Applying it twice is a no-op: nothing drifts back on the next up.
                    const again = await up(result.next);
                    assert.deepEqual(again.steps.filter((x) => x.op !== "same").map((x) => `${x.op} ${x.name}`), []);
                });
            }
        });
    }
});

type Summary = ReturnType<typeof summarize>;
const has = (list: string[], re: RegExp) => assert.ok(list.some((x) => re.test(x)), `${re} in ${list.join("; ")}`);
const none = (list: string[], re: RegExp) => assert.ok(!list.some((x) => re.test(x)), `no ${re} in ${list.join("; ")}`);

const expectations: Record<string, (s: Summary, stack: string) => void> = {
    "HTTPS on": (s) => {
        has(s.created, /^Listener alb-https$/);
        has(s.updated, /^Listener alb-http \(defaultActions/);
        none(s.deleted, /^Listener /);
    },
    "HTTPS off": (s) => {
        has(s.deleted, /^Listener alb-https$/);
        none(s.created, /^Listener /);
    },
    "NAT single → none": (s, stack) => {
        has(s.deleted, /^Eip network-nat-1$/);
        has(s.updated, /^Vpc network-vpc \(natGateways/);
        if (stack === "prod") has(s.deferred, /^Service web \(networkConfiguration/);
    },
    "NAT none → single": (s) => has(s.created, /^Eip network-nat-1$/),
    "NAT single → one per AZ": (s) => has(s.created, /^Eip network-nat-2$/),
    "new image": (s, stack) => {
        has(s.replaced, /^TaskDefinition /);
        // CODE_DEPLOY services get the new revision through the deploy command only.
        if (stack === "prod") has(s.deferred, /^Service web \(taskDefinition\)/);
        none(s.replaced, /^(Service|TargetGroup|Listener|LoadBalancer) /);
    },
    "new environment variable": (s) => none(s.replaced, /^(Service|TargetGroup|Listener) /),
    "cpu and memory": (s) => has(s.replaced, /^TaskDefinition .*memory/),
    "alarm thresholds": (s) => {
        has(s.updated, /^MetricAlarm /);
        assert.deepEqual(s.replaced, []);
    },
    "add a service": (s) => has(s.created, /^Service admin$/),
    "remove a service": (s) => has(s.deleted, /^Service /),
    "rolling → bluegreen": (s) => {
        has(s.updated, /^Service \w+ \(.*deploymentConfiguration.strategy.*loadBalancers\[0\]\.advancedConfiguration/);
        none(s.replaced, /^Service /);
    },
    "bluegreen → rolling": (s) => {
        has(s.updated, /^Service api \(.*deploymentConfiguration.strategy/);
        none(s.replaced, /^Service /);
    },
};
