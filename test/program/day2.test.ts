import { strict as assert } from "assert";
import { codeDeployRelease, ecsBlueGreenSwap, firstUp, refresh, up, withService, type UpResult, type World } from "../../offline/day2";
import { readStackConfig } from "../../offline/stackFiles";
import { PROJECT_DIR } from "../../offline/engine";
import { once } from "./helpers";

const config = (stack: string) => readStackConfig(PROJECT_DIR, stack);

/** The committed stack after its first `pulumi up`, made once: every operation on a world returns a new one. */
const deployed = once((stack) => firstUp(config(stack)));

/** Nothing refused, nothing a controller set sent back. */
function assertSafe(result: UpResult, what: string): void {
    assert.deepEqual(result.refused.map((f) => `${f.name}: ${f.message}`), [], `${what}: refused`);
    assert.deepEqual(result.fights.map((f) => `${f.name}: ${f.message}`), [], `${what}: sends back what a controller owns`);
}

function changes(result: UpResult): string[] {
    return result.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name} ${s.changedPaths.join(",")}`);
}

/** A release of an ECS-controller service: `pulumi up` with a new image, then what ECS does. */
async function ecsRelease(world: World, service: string, image: string, bluegreen: boolean): Promise<{ result: UpResult; world: World }> {
    const result = await up(world, { config: withService(world.config, service, (s) => ({ ...s, image })) });
    assertSafe(result, `release of ${image}`);
    return { result, world: bluegreen ? ecsBlueGreenSwap(result.next, service) : result.next };
}

describe("day 2: a second `pulumi up` after releases", () => {
    it("changes nothing after the first up, with or without refresh", async () => {
        for (const stack of ["dev", "prod"]) {
            const world = await deployed(stack);
            for (const refreshFirst of [true, false]) {
                const again = await up(world, { refresh: refreshFirst });
                assertSafe(again, `${stack} (refresh ${refreshFirst})`);
                assert.deepEqual(changes(again), [], `${stack}: a second up with no config change changes nothing`);
            }
        }
    });

    it("rolling: each release replaces the task definition and updates the service; the next up changes nothing", async () => {
        let world = await deployed("dev");
        for (const image of ["example/web:2", "example/web:3"]) {
            const release = await ecsRelease(world, "web", image, false);
            assert.ok(changes(release.result).some((c) => c.startsWith("replace web ")), "a new task-definition revision");
            assert.ok(changes(release.result).some((c) => c.startsWith("update web taskDefinition")), "the service moves to it");
            world = release.world;
            const next = await up(world);
            assertSafe(next, "after the release");
            assert.deepEqual(changes(next), []);
        }
    });

    it("ECS blue/green: after one and two releases (target groups swapped), the next up sends nothing back, with or without refresh", async () => {
        let world = await deployed("prod");
        for (const [n, image] of ["example/api:2", "example/api:3"].entries()) {
            world = (await ecsRelease(world, "api", image, true)).world;
            const live = [...world.live.values()].find((l) => l.name === "prod-api")!;
            const greenServes = n === 0;
            assert.equal(live.loadBalancers[0].targetGroupArn.includes("-g-"), greenServes, "the release swapped the target groups");
            for (const refreshFirst of [true, false]) {
                const next = await up(world, { refresh: refreshFirst });
                assertSafe(next, `after release ${n + 1} (refresh ${refreshFirst})`);
                if (refreshFirst) assert.deepEqual(changes(next), [], "with refresh (the project's default) nothing changes");
            }
            world = (await up(world)).next;
        }
    });

    it("CodeDeploy: after one and two releases (listeners re-pointed, new task definition), the next up sends nothing back", async () => {
        let world = await deployed("prod");
        for (const image of ["example/web:2", "example/web:3"]) {
            world = codeDeployRelease(world, "web", image);
            for (const refreshFirst of [true, false]) {
                const next = await up(world, { refresh: refreshFirst });
                assertSafe(next, `after ${image} (refresh ${refreshFirst})`);
                if (refreshFirst) assert.deepEqual(changes(next), []);
                const web = next.steps.find((s) => s.name === "web" && s.type === "aws:ecs/service:Service")!;
                assert.ok(!web.changedPaths.some((p) => p.startsWith("taskDefinition") || p.startsWith("loadBalancers")), web.changedPaths.join());
            }
            world = (await up(world)).next;
        }
    });

    it("refuses to update a stack while a release is running, and only warns in preview", async () => {
        const world = await deployed("prod");
        const busy = { ...world, inProgress: new Set(["prod-web"]) };
        const result = await up(busy);
        assert.match(String(result.run.error?.message), /release is in progress[\s\S]*web: a CodeDeploy deployment is still running/);
        assert.equal(result.run.resources.filter((r) => r.custom && r.type !== "pulumi:providers:aws").length, 0, "nothing registered");
    });
});

describe("day 2 defects (each refused or fought before its fix)", () => {
    it("1: after an ECS blue/green release a config change does not put production back on the old target group", async () => {
        let world = await deployed("prod");
        world = (await ecsRelease(world, "api", "example/api:2", true)).world;
        // A change that touches the service and its rules: the health-check grace period and a new host header.
        const changed = withService(world.config, "api", (s) => ({ ...s, healthCheck: { ...s.healthCheck, gracePeriodSeconds: 90 }, routing: { ...s.routing, hostHeaders: ["api.example.com"] } }));
        const result = await up(world, { config: changed });
        assertSafe(result, "config change after a blue/green release");
        const svc = [...result.next.live.values()].find((l) => l.name === "prod-api")!;
        assert.ok(svc.loadBalancers[0].targetGroupArn.includes("-g-"), "green still serves production");
        assert.ok(svc.loadBalancers[0].advancedConfiguration.alternateTargetGroupArn.includes("-b-"));
    });

    it("2: refresh does not make the next up change the capacity strategy (the service declares the cluster's)", async () => {
        const world = await deployed("dev");
        const next = await up(refresh(world));
        assertSafe(next, "up after refresh");
        assert.deepEqual(changes(next), []);
        // And a capacity change reaches ECS services with the forced deployment the provider requires.
        const spot = await up(world, { config: { ...world.config, values: { ...world.config.values, "ecs-deploy:fargateSpotWeight": "2" } } });
        assertSafe(spot, "capacity change");
        assert.ok(changes(spot).some((c) => c.startsWith("update web capacityProviderStrategies")));
    });

    it("3: network changes never go to a CODE_DEPLOY service through UpdateService; they wait for the next release", async () => {
        const world = await deployed("prod");
        const noNat = { ...world.config, values: { ...world.config.values, "ecs-deploy:natGateways": "none" } };
        const result = await up(world, { config: noNat });
        assertSafe(result, "NAT gateways off");
        const web = result.steps.find((s) => s.name === "web" && s.type === "aws:ecs/service:Service")!;
        assert.equal(web.op, "same");
        assert.ok(web.deferred.some((p) => p.startsWith("networkConfiguration")), `deferred: ${web.deferred.join()}`);
        const api = result.steps.find((s) => s.name === "api" && s.type === "aws:ecs/service:Service")!;
        assert.ok(api.changedPaths.some((p) => p.startsWith("networkConfiguration")), "the ECS-controller service moves now");
        const appSpec = JSON.parse(String((result.run.outputs.services as any).web.appSpecTemplate));
        assert.equal(appSpec.Resources[0].TargetService.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, "ENABLED");
    });

    it("5: turning HTTPS on and off keeps one listener per port, for every mode, after releases too", async () => {
        const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123";
        for (const stack of ["dev", "prod"]) {
            let world = await deployed(stack);
            if (stack === "prod") world = ecsBlueGreenSwap((await ecsRelease(world, "api", "example/api:2", true)).world, "api");
            if (stack === "prod") world = codeDeployRelease(world, "web", "example/web:2");
            const on = await up(world, { config: { ...world.config, values: { ...world.config.values, "ecs-deploy:certificateArn": cert } } });
            assertSafe(on, `${stack}: HTTPS on`);
            assert.ok(on.steps.some((s) => s.op === "create" && s.name.endsWith("-https")));
            const off = await up(on.next, { config: world.config });
            assertSafe(off, `${stack}: HTTPS off`);
            assert.ok(off.steps.some((s) => s.op === "delete" && s.name.endsWith("-https")));
        }
    });

    it("6: the blue/green service waits for its infrastructure role's permissions, not just the role", async () => {
        const world = await deployed("prod");
        const run = (await up(world)).run;
        const api = run.resources.find((r) => r.type === "aws:ecs/service:Service" && r.name === "api")!;
        const attachment = run.resources.find((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name === "api-infrastructure")!;
        assert.ok(api.dependencies.includes(attachment.urn));
    });
});
