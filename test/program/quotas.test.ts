import { strict as assert } from "assert";
import { ConfigError } from "../../config";
import { ALB_QUOTAS, loadBalancerUsage, type DeploymentMode } from "../../config/schema";
import { ofType, parseWith, problemsOf, runWithConfig, service } from "./helpers";


/** `count` valid services of one mode, named and routed by position. */
const many = (count: number, mode: DeploymentMode, prefix = mode) =>
    Array.from({ length: count }, (_, i) => service(`${prefix}-${i}`, { deployment: { mode } }));

const RULES_51 =
    "ecs-deploy:services: expected at most 50 services sharing a load balancer (Application Load Balancer quota: 100 listener rules per load balancer; this config needs 102), got 51";
const TARGET_GROUPS_51 =
    "ecs-deploy:services: expected at most 50 services sharing a load balancer (Application Load Balancer quota: 100 target groups per load balancer; this config needs 102), got 51";

describe("Application Load Balancer quotas", () => {
    it("are AWS's defaults (Quotas for your Application Load Balancers)", () => {
        assert.deepEqual(ALB_QUOTAS, { rulesPerLoadBalancer: 100, targetGroupsPerLoadBalancer: 100, listenersPerLoadBalancer: 50, loadBalancersPerRegion: 50 });
    });

    it("accept 50 services on the shared load balancer: 100 rules and 100 target groups", () => {
        assert.equal(parseWith({ services: many(50, "rolling") }).services.length, 50);
        assert.deepEqual(loadBalancerUsage(Array(50).fill("rolling")), { sharedServices: 50, sharedRules: 100, sharedTargetGroups: 100, codeDeployServices: 0, loadBalancers: 1 });
    });

    it("refuse a 51st, naming each quota, its value and what the config needs", () => {
        assert.deepEqual(problemsOf({ services: many(51, "rolling") }), [RULES_51, TARGET_GROUPS_51]);
    });

    it("count the unrouted target group native blue/green adds", () => {
        const bluegreen = (shared: number) => [...many(shared - 1, "rolling"), service("bg", { deployment: { mode: "bluegreen" } })];
        assert.equal(parseWith({ services: bluegreen(49) }).services.length, 49);
        assert.deepEqual(problemsOf({ services: bluegreen(50) }), [
            "ecs-deploy:services: expected at most 49 services sharing a load balancer when one uses bluegreen (Application Load Balancer quota: 100 target groups per load balancer; this config needs 101), got 50",
        ]);
    });

    it("count one load balancer per codedeploy service and the shared one against the 50 per region", () => {
        assert.equal(parseWith({ services: many(50, "codedeploy") }).services.length, 50);
        assert.equal(parseWith({ services: [...many(49, "codedeploy"), ...many(1, "rolling")] }).services.length, 50);
        assert.deepEqual(problemsOf({ services: [...many(50, "codedeploy"), ...many(1, "rolling")] }), [
            "ecs-deploy:services: expected at most 49 codedeploy services besides the shared load balancer, each with its own load balancer (Application Load Balancer quota: 50 load balancers per region, other stacks' included; this config needs 51), got 50",
        ]);
        assert.deepEqual(problemsOf({ services: many(51, "codedeploy") }), [
            "ecs-deploy:services: expected at most 50 codedeploy services, each with its own load balancer (Application Load Balancer quota: 50 load balancers per region, other stacks' included; this config needs 51), got 51",
        ]);
    });

    it("report quota problems together with field problems, and skip services whose mode is invalid", () => {
        const services = [...many(51, "rolling"), service("odd", { deployment: { mode: "canary" } })];
        (services[3] as Record<string, unknown>).cpu = 300;
        const problems = problemsOf({ services });
        assert.ok(problems.includes(RULES_51), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[3].cpu:")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[51].deployment.mode:")), problems.join("\n"));
        assert.equal(problems.length, 4, problems.join("\n"));
    });

    it("stop the program before anything is registered", async () => {
        const result = await runWithConfig({ services: many(51, "rolling") });
        assert.ok(result.error instanceof ConfigError, `expected a ConfigError, got ${result.error}`);
        assert.deepEqual(result.error.problems, [RULES_51, TARGET_GROUPS_51]);
        assert.deepEqual(result.resources.map((r) => r.type), ["pulumi:pulumi:Stack"]);
    });

    it("count what the program registers: rules, target groups and listeners per load balancer, load balancers", async () => {
        const modes: DeploymentMode[] = ["rolling", "bluegreen", "rolling", "codedeploy", "codedeploy"];
        const result = await runWithConfig({
            certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd",
            services: modes.map((mode, i) => service(`s${i}`, { deployment: { mode } })),
        });
        assert.equal(result.error, undefined, result.error?.stack);
        const balancers = ofType(result, "aws:lb/loadBalancer:LoadBalancer");
        const perBalancer = (type: string) => {
            const counts = new Map<string, number>();
            for (const r of ofType(result, type)) counts.set(r.parent!, (counts.get(r.parent!) ?? 0) + 1);
            return balancers.map((b) => counts.get(b.parent!) ?? 0).sort((a, b) => b - a);
        };
        const use = loadBalancerUsage(modes);
        assert.equal(balancers.length, use.loadBalancers);
        assert.deepEqual(perBalancer("aws:lb/listenerRule:ListenerRule"), [use.sharedRules, 0, 0]);
        assert.deepEqual(perBalancer("aws:lb/targetGroup:TargetGroup"), [use.sharedTargetGroups, 2, 2]);
        // Listeners never come near their quota: production, test and the HTTP redirect.
        assert.ok(perBalancer("aws:lb/listener:Listener").every((n) => n === 3 && n <= ALB_QUOTAS.listenersPerLoadBalancer));
    });
});
