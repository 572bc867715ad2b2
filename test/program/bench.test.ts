import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isWeb, parseStackConfig } from "../../config";
import { median, percentile, syntheticStackConfig } from "../../offline/bench";
import { PROJECT_DIR } from "../../offline/paths";
import { CANDIDATES, describeRuntime, FLOOR_RUNTIME, projectRuntime, pwdMain, runtimeCommand } from "../../offline/runtimeBench";
import { configValues } from "../../offline/stackFiles";

describe("bench helpers", () => {
    it("median and nearest-rank percentiles", () => {
        assert.equal(median([5, 1, 3]), 3);
        assert.equal(median([4, 1, 3, 2]), 2);
        assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
        assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
        assert.ok(Number.isNaN(median([])));
    });

    it("synthetic stacks are valid configs that cycle through every deployment mode and workers, up to 100 services", () => {
        const cfg = parseStackConfig(configValues("ecs-deploy", "synthetic-7", syntheticStackConfig(7)));
        assert.equal(cfg.services.length, 7);
        const web = cfg.services.filter(isWeb);
        assert.deepEqual([...new Set(web.map((s) => s.deployment.mode))].sort(), ["bluegreen", "codedeploy", "rolling"]);
        assert.equal(new Set(web.map((s) => s.routing.pathPatterns?.[0])).size, web.length);
        assert.equal(cfg.services.length - web.length, 2, "workers");
        // within the load balancers' quotas, which config validation enforces
        assert.equal(parseStackConfig(configValues("ecs-deploy", "synthetic-100", syntheticStackConfig(100))).services.length, 100);
    });
});

describe("runtime bench: the program started as the CLI's language host starts it", () => {
    const engine = { monitorAddress: "127.0.0.1:1111", engineAddress: "127.0.0.1:2222" };
    const config = configValues("ecs-deploy", "dev", { "aws:region": "eu-west-1", services: [{ name: "web" }] }, { natGateways: { default: "single" } }, () => "plain");

    it("derives the working directory and entry point from `main` as the CLI does", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pwdmain-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "index.js"), "");
        fs.writeFileSync(path.join(dir, "main.js"), "");
        assert.deepEqual(pwdMain(dir), { pwd: dir, entry: "." });
        assert.deepEqual(pwdMain(dir, "main.js"), { pwd: dir, entry: "main.js" });
        assert.deepEqual(pwdMain(dir, "bin/index.js"), { pwd: path.join(dir, "bin"), entry: "index.js" });
        assert.deepEqual(pwdMain(dir, "bin"), { pwd: path.join(dir, "bin"), entry: "." });
        assert.throws(() => pwdMain(dir, "missing.js"), /could not be read/);
    });

    it("passes Pulumi.yaml's runtime, the stack's config (as <namespace>:config:<key>) and the engine's addresses to cmd/run", () => {
        const { project, runtime } = projectRuntime();
        assert.equal(project, "ecs-deploy");
        // A developer's shell must not change what is measured.
        const shell = ["PULUMI_NODEJS_TRANSPILE_ONLY", "PULUMI_NODEJS_TYPESCRIPT", "TS_NODE_PROJECT"];
        const saved = shell.map((k) => process.env[k]);
        for (const k of shell) process.env[k] = "true";
        try {
            const cmd = runtimeCommand({ projectDir: PROJECT_DIR, runtime, config, engine });
            const run = cmd.args.findIndex((a) => /@pulumi[\\/]pulumi[\\/]cmd[\\/]run/.test(a));
            assert.ok(run >= 0, cmd.args.join(" "));
            const flags = cmd.args.slice(run + 1, -1);
            const flag = (name: string) => flags[flags.indexOf(`--${name}`) + 1];
            assert.equal(flag("monitor"), engine.monitorAddress);
            assert.equal(flag("engine"), engine.engineAddress);
            assert.equal(flag("project"), "ecs-deploy");
            assert.equal(flag("stack"), "dev");
            assert.equal(flag("pwd"), PROJECT_DIR);
            assert.ok(!flags.includes("--dry-run"));
            assert.equal(cmd.args[cmd.args.length - 1], "main.js");
            assert.deepEqual(JSON.parse(cmd.env.PULUMI_CONFIG!), {
                "aws:config:region": "eu-west-1",
                "ecs-deploy:config:services": '[{"name":"web"}]',
                "ecs-deploy:config:natGateways": "single",
            });
            assert.equal(cmd.env.PULUMI_CONFIG_SECRET_KEYS, "[]");
            // typescript: false sets nothing; inherited values are removed (undefined: deleted by the launch)
            for (const k of shell) assert.ok(k in cmd.env && cmd.env[k] === undefined, k);
        } finally {
            shell.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
        }
    });

    it("measures the floor and the ts-node candidates with their own settings", () => {
        const floor = runtimeCommand({ projectDir: PROJECT_DIR, runtime: FLOOR_RUNTIME, config, engine });
        assert.equal(floor.args[floor.args.length - 1], "floorProgram.js");
        assert.ok(floor.args.includes(path.join(PROJECT_DIR, "bin", "offline")));
        const [compiled, transpileOnly, typeChecked] = CANDIDATES.map((c) => runtimeCommand({ projectDir: PROJECT_DIR, runtime: c.runtime, config, engine }));
        assert.equal(compiled.args[compiled.args.length - 1], "index.js");
        assert.equal(compiled.env.PULUMI_NODEJS_TYPESCRIPT, undefined);
        for (const c of [transpileOnly, typeChecked]) {
            assert.equal(c.args[c.args.length - 1], ".", "package.json's main: index.ts");
            assert.equal(c.env.PULUMI_NODEJS_TYPESCRIPT, "true");
        }
        assert.equal(transpileOnly.env.PULUMI_NODEJS_TRANSPILE_ONLY, "true");
        assert.equal(typeChecked.env.PULUMI_NODEJS_TRANSPILE_ONLY, undefined);
        assert.equal(describeRuntime({ main: "main.js", typescript: false }), "main: main.js, typescript: false");
    });
});
