import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { ConfigError, isWeb, parseStackConfig, projectConfigShape } from "../../config";
import { suggest } from "../../config/errors";
import { readStackConfig } from "../../offline/stackFiles";
import { PROJECT_DIR } from "../../offline/engine";
import { parseWith, problemsOf, service } from "./helpers";


describe("config model", () => {
    it("fills production defaults for a minimal service", () => {
        const cfg = parseWith({ services: [service("web")] });
        const web = cfg.services.filter(isWeb)[0];
        assert.equal(cfg.testListenerPort, 8080);
        assert.deepEqual(cfg.testListenerCidrs, []);
        assert.equal(web.deployment.mode, "rolling");
        assert.equal(web.healthCheck.intervalSeconds, 15);
        assert.equal(web.healthCheck.gracePeriodSeconds, 60);
        assert.equal(web.alarms.http5xxCount, 10);
        assert.equal(web.deregistrationDelaySeconds, 30);
    });

    it("reads both stack files as valid config", () => {
        for (const stack of ["dev", "prod"]) {
            const cfg = parseStackConfig(readStackConfig(PROJECT_DIR, stack));
            assert.deepEqual(cfg.services.map((s) => `${s.name}:${s.kind}`), ["web:web", "api:web", "jobs:worker"], stack);
        }
    });

    it("lists every problem as `key path: expected …, got …` in one error", () => {
        const problems = problemsOf({
            testListenerPort: "abc",
            services: [
                { ...service("Web"), cpu: 300, healthCheck: { path: "health" } },
                { ...service("api"), memory: 4096, healthCheck: { path: "/h", intervalSeconds: 10, timeoutSeconds: 10 } },
            ],
        });
        const expectProblem = (prefix: string, got: string) =>
            assert.ok(
                problems.some((p) => p.startsWith(prefix) && p.includes(": expected") && p.endsWith(`got ${got}`)),
                `no problem for ${prefix} with got ${got} in:\n${problems.join("\n")}`,
            );
        expectProblem("ecs-deploy:testListenerPort", '"abc"');
        expectProblem("ecs-deploy:services[0].name", '"Web"');
        expectProblem("ecs-deploy:services[0].cpu", "300");
        expectProblem("ecs-deploy:services[0].healthCheck.path", '"health"');
        expectProblem("ecs-deploy:services[1].memory", "4096");
        expectProblem("ecs-deploy:services[1].healthCheck.timeoutSeconds", "10");
        assert.equal(problems.length, 6, problems.join("\n"));
    });

    it("reports cross-field problems together with field problems (a fraction does not hide them)", () => {
        const problems = problemsOf({
            testListenerPort: 443,
            fargateWeight: 0,
            fargateSpotWeight: 0,
            services: [
                { ...service("web"), desiredCount: 1.5, memory: 4096 },
                { name: "web", image: "example/web:2", helthCheck: { path: "/h" } },
            ],
        });
        for (const key of ["testListenerPort", "fargateWeight", "services[0].desiredCount", "services[0].memory", "services[1].name", "services[1].helthCheck", "services[1].healthCheck"])
            assert.ok(problems.some((p) => p.startsWith(`ecs-deploy:${key}:`)), `${key} not named in:\n${problems.join("\n")}`);
    });

    it("refuses repeated list entries that AWS would reject as duplicates", () => {
        const problems = problemsOf({ alertEmails: ["ops@example.com", "OPS@example.com"], allowedCidrs: ["10.0.0.0/8", "10.0.0.0/8"], services: [service("web")] });
        assert.ok(problems.includes('ecs-deploy:alertEmails[1]: expected no repeated entries (alertEmails[0] has it too), got "OPS@example.com"'), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:allowedCidrs[1]: expected no repeated entries")), problems.join("\n"));
    });

    it("says what an environment variable name must look like", () => {
        const problems = problemsOf({ services: [service("web", { environment: { "1BAD": "x" } })] });
        assert.deepEqual(problems, ['ecs-deploy:services[0].environment.1BAD: expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got "1BAD"']);
    });

    it("derives the health-check timeout and alarm datapoints from a shorter interval or evaluation window", () => {
        const web = parseWith({ services: [service("web", { healthCheck: { path: "/h", intervalSeconds: 5 }, alarms: { evaluationPeriods: 1 } })] }).services.filter(isWeb)[0];
        assert.equal(web.healthCheck.timeoutSeconds, 4);
        assert.equal(web.alarms.datapointsToAlarm, 1);
        const defaults = parseWith({ services: [service("web")] }).services.filter(isWeb)[0];
        assert.equal(defaults.healthCheck.timeoutSeconds, 5);
        assert.equal(defaults.alarms.datapointsToAlarm, 2);
        // The unhealthy-hosts alarm waits out a task's start (components/alarmWindows.ts).
        assert.deepEqual(defaults.alarms.unhealthyHostsWindow, { evaluationPeriods: 4, datapointsToAlarm: 4, startupDatapoints: 3 });
        assert.deepEqual(web.alarms.unhealthyHostsWindow, { evaluationPeriods: 4, datapointsToAlarm: 4, startupDatapoints: 3 });
    });

    it("refuses unknown keys and suggests the intended one", () => {
        const problems = problemsOf({ natgateways: "single", services: [{ ...service("web"), helthCheck: {} }] });
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:natgateways: expected a known key") && p.includes('"natGateways"')), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[0].helthCheck") && p.includes('"healthCheck"')), problems.join("\n"));
    });

    it("requires a health-check path, a region and at least one service", () => {
        const problems = parseStackConfigProblems({ "ecs-deploy:services": JSON.stringify([{ name: "web", image: "x" }]) });
        assert.ok(problems.some((p) => p.startsWith("aws:region: expected an AWS region")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[0].healthCheck: expected")), problems.join("\n"));
        assert.ok(problemsOf({ services: [] }).some((p) => p.startsWith("ecs-deploy:services: expected at least one service")));
        assert.ok(problemsOf({}).some((p) => p.startsWith("ecs-deploy:services: expected")));
    });

    it("refuses a test listener open to the world or on a production port", () => {
        const problems = problemsOf({ testListenerCidrs: ["0.0.0.0/0"], testListenerPort: 443, services: [service("web")] });
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:testListenerCidrs[0]: expected a restricted CIDR")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:testListenerPort: expected a port other than 80 and 443")), problems.join("\n"));
    });

    it("refuses duplicate names, priorities and routes across services", () => {
        const problems = problemsOf({
            services: [service("web", { routing: { pathPatterns: ["/*"], priority: 5 } }), service("web", { routing: { pathPatterns: ["/*"], priority: 5 } })],
        });
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[1].name: expected a unique service name")));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[1].routing.priority: expected a unique")));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[1].routing: expected routing distinct")));
    });

    it("refuses deployment settings that cannot work", () => {
        const problems = problemsOf({
            services: [
                service("a", { deployment: { mode: "bluegreen", bakeTimeMinutes: 2000 } }),
                service("b", { deployment: { mode: "canary" } }),
                service("c", { deployment: { mode: "codedeploy", config: "CodeDeployDefault.OneAtATime" } }),
                service("d", { deployment: { mode: "rolling", bakeTimeMinutes: 5 } }),
            ],
        });
        assert.ok(problems.some((p) => p === "ecs-deploy:services[0].deployment.bakeTimeMinutes: expected a bake time of 0-1440 minutes, got 2000"), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[1].deployment.mode: expected mode one of rolling | codedeploy | bluegreen, got \"canary\"")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[2].deployment.config: expected one of CodeDeployDefault.ECSAllAtOnce")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:services[3].deployment.bakeTimeMinutes: expected a known key")), problems.join("\n"));
    });

    it("refuses half an existing network", () => {
        const problems = problemsOf({ vpcId: "vpc-0abc", publicSubnetIds: ["subnet-01"], services: [service("web")] });
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:publicSubnetIds: expected at least 2 subnet ids")));
        assert.ok(problems.some((p) => p.startsWith("ecs-deploy:privateSubnetIds: expected at least 1 subnet id")));
    });

    it("marks keys holding secure values as secret", () => {
        const cfg = parseWith({ services: [service("web", { environment: { TOKEN: { secure: "v1:abc" } } })] });
        assert.deepEqual(cfg.secretKeys, ["services"]);
        assert.equal(cfg.services[0].environment.TOKEN, "[secret]");
    });

    it("suggests the closest known key only when it is close", () => {
        assert.equal(suggest("healthcheck", ["healthCheck", "routing"]), "healthCheck");
        assert.equal(suggest("zzz", ["healthCheck", "routing"]), undefined);
    });

    it("Pulumi.yaml declares the scalar keys with the schema's types and defaults", () => {
        const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
        const declared = project.config as Record<string, { type: string; default: unknown; items?: { type: string } }>;
        // Loosely typed on purpose: relating every schema of the shape to z.ZodType costs tsc half a second.
        const shape = Object.entries(projectConfigShape as Record<string, unknown>) as [string, z.ZodType][];
        const withDefaults = shape.filter(([, s]) => s.safeParse(undefined).success && s.parse(undefined) !== undefined);
        assert.deepEqual(Object.keys(declared).sort(), withDefaults.map(([k]) => k).sort());
        for (const [key, schema] of withDefaults) {
            const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { type?: string; items?: { type: string } };
            assert.deepEqual(declared[key].default, schema.parse(undefined), `default of ${key}`);
            assert.equal(declared[key].type, json.type, `type of ${key}`);
            if (json.type === "array") assert.equal(declared[key].items?.type, json.items?.type, `items of ${key}`);
        }
    });
});

function parseStackConfigProblems(values: Record<string, string>): string[] {
    try {
        parseStackConfig({ project: "ecs-deploy", stack: "test", values });
    } catch (e) {
        return (e as ConfigError).problems;
    }
    assert.fail("accepted");
}
