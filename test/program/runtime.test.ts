import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { runProgram } from "../../offline/engine";
import { importEsm } from "../../offline/importEsm";
import { PROJECT_DIR } from "../../offline/paths";
import { launch, projectRuntime, pwdMain, runtimeCommand, runThroughRuntime } from "../../offline/runtimeBench";
import { LOG_ERROR, startStandInEngine, type StandInEngine } from "../../offline/standInEngine";
import { readStackConfig } from "../../offline/stackFiles";

type BuildModule = {
    build(dir?: string, projects?: string[], output?: (text: string) => void): Promise<number>;
    buildIfStale(dir?: string): Promise<number>;
};
const buildModule = () => importEsm<BuildModule>(path.join(PROJECT_DIR, "scripts", "build.mjs"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stamp = require("../../scripts/buildStamp.cjs") as { BUILD_STAMP: string };

/** The repository's build, as `npm ci` leaves it: rebuilt (type check included) when a source changed since. */
async function ensureBuilt(): Promise<void> {
    const { buildIfStale } = await buildModule();
    assert.equal(await buildIfStale(), 0, "npm run build failed: the program does not type-check");
}

/**
 * What main.js throws when loaded from `dir` in this process: its refusal, without the runtime's
 * start (a second or so). A RunError, which cmd/run reports as its message alone, with exit code 32.
 * Only for a build it refuses: a current one would run the program here.
 */
function mainRefusal(dir: string): string {
    const saved = Error.prepareStackTrace;
    const file = path.join(dir, "main.js");
    try {
        require(file);
    } catch (e) {
        assert.ok(pulumi.RunError.isInstance(e), `main.js threw ${String(e)}, not a RunError`);
        return (e as Error).message;
    } finally {
        Error.prepareStackTrace = saved; // main.js installs its stack-frame mapping for the process
        delete require.cache[file];
    }
    assert.fail("main.js ran the program instead of refusing it");
}

const withoutStackPrefix = (urn: string) => urn.replace("::pulumi:pulumi:Stack$", "::");

describe("the program through the real runtime (pulumi preview / up)", function () {
    this.timeout(180_000);

    it("is the compiled program, started from the project root, built by npm ci and refusing to emit on a type error", () => {
        const { runtime } = projectRuntime();
        assert.deepEqual({ main: runtime.main, typescript: runtime.typescript }, { main: "main.js", typescript: false });
        // The program directory stays the project root: the language host finds the provider plugins under it as before.
        assert.deepEqual(pwdMain(PROJECT_DIR, runtime.main), { pwd: PROJECT_DIR, entry: "main.js" });
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.match(pkg.scripts.prepare, /scripts\/build\.mjs/, "npm ci (prepare) builds bin/");
        const buildConfig = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "tsconfig.build.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
        assert.equal(buildConfig.compilerOptions.noEmitOnError, true);
        assert.equal(buildConfig.compilerOptions.noEmit, false);
    });

    describe("each stack, against the stand-in engine", () => {
        let engine: StandInEngine;
        before(async () => {
            await ensureBuilt();
            engine = await startStandInEngine({ project: projectRuntime().project, stack: "prod" });
        });
        after(() => engine?.stop());

        // prod only: dev runs the same way (npm run bench measures both), and each run takes seconds.
        for (const stack of ["prod"]) {
            it(`${stack}: completes with the resources and outputs of the offline run, source positions in the TypeScript`, async () => {
                const { runtime } = projectRuntime();
                const config = readStackConfig(PROJECT_DIR, stack);
                const run = await runThroughRuntime(engine, stack, runtimeCommand({ projectDir: PROJECT_DIR, runtime, config, engine }));
                const offline = await runProgram({ stack });
                assert.ifError(offline.error);
                assert.deepEqual(engine.registered().map((r) => r.urn).sort(), offline.resources.map((r) => withoutStackPrefix(r.urn)).sort());
                assert.equal(run.registrations, offline.resources.length);
                assert.deepEqual(Object.keys(engine.stackOutputs() ?? {}).sort(), Object.keys(offline.outputs).sort());
                // main.js maps the program's own frames to the .ts sources (and only those).
                const components = engine.registered().filter((r) => r.type.startsWith("safe-ecs:"));
                assert.ok(components.length > 0);
                for (const c of components) assert.match(c.sourcePosition?.uri ?? "(none)", /^file:\/\/.*\/components\/[A-Za-z]+\.ts$/, c.urn);
            });
        }
    });

    describe("a type error cannot reach pulumi up", () => {
        let engine: StandInEngine;
        let dir: string;
        let compile: BuildModule["build"];
        let output = "";
        const build = () => {
            output = "";
            return compile(dir, ["tsconfig.build.json"], (text) => (output += text));
        };
        const write = (rel: string, text: string) => fs.writeFileSync(path.join(dir, rel), text);
        const program = (body: string) =>
            // Untyped, and compiled without @types: a build of this tiny program costs tsc's start, not the SDK's declarations.
            write("index.ts", `declare function require(id: string): any; const pulumi = require("@pulumi/pulumi");\n${body}\nexport = { name: new pulumi.ComponentResource("test:index:Thing", "thing").urn };\n`);
        const up = async () => {
            const command = runtimeCommand({
                projectDir: dir,
                runtime: projectRuntime(dir).runtime,
                config: { project: "tmp", stack: "dev", values: {}, secretKeys: [] },
                engine,
            });
            engine.reset("dev");
            const started = performance.now();
            const { code } = await launch(command);
            // An error's report once took ~15 s: util.inspect looping on the SDK's source-mapped frames (nodejs/node#64011; see main.js).
            assert.ok(performance.now() - started < 10_000, `the run took ${((performance.now() - started) / 1000).toFixed(1)} s`);
            const errors = engine.logs.filter((l) => l.severity >= LOG_ERROR).map((l) => l.message).join("\n");
            // eslint-disable-next-line no-control-regex
            return { code, types: engine.registered().map((r) => r.type), errors: errors.replace(/\u001b\[[0-9;]*m/g, "") };
        };

        before(async () => {
            // A project laid out as this one: main.js and the stamp module copied, Pulumi.yaml's runtime section, a build config extending ours.
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-"));
            fs.mkdirSync(path.join(dir, "scripts"));
            fs.copyFileSync(path.join(PROJECT_DIR, "main.js"), path.join(dir, "main.js"));
            fs.copyFileSync(path.join(PROJECT_DIR, "scripts", "buildStamp.cjs"), path.join(dir, "scripts", "buildStamp.cjs"));
            fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
            const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { main: string; runtime: unknown };
            write("Pulumi.yaml", JSON.stringify({ name: "tmp", main: project.main, runtime: project.runtime }));
            write("package.json", JSON.stringify({ name: "tmp", private: true }));
            write("tsconfig.build.json", JSON.stringify({ extends: path.join(PROJECT_DIR, "tsconfig.build.json"), compilerOptions: { outDir: "bin", rootDir: ".", types: [] }, include: ["index.ts"] }));
            ({ build: compile } = await buildModule());
            engine = await startStandInEngine({ project: "tmp", stack: "dev" });
        });
        after(async () => {
            await engine?.stop();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        // One run through the runtime (over a second each): a current build's own error, reported at once
        // and at its TypeScript line, the path every error takes through cmd/run (the prod run above is
        // a current build that succeeds). main.js refuses a stale build and a failed one before it loads
        // anything of the program (the stamp decides, see launch.test.ts): those refusals are read from
        // main.js in this process.
        it("runs a current build, its errors at their TypeScript lines; refuses one older than the sources", async () => {
            program('const size: number = 4;\nif (size > 0) throw new Error("the program failed");');
            assert.equal(await build(), 0);
            const run = await up();
            assert.equal(run.code, 32);
            assert.deepEqual(run.types, ["pulumi:pulumi:Stack"]);
            assert.doesNotMatch(run.errors, /npm run build/, "the build is current: the program itself ran");
            assert.match(run.errors, /the program failed/);
            assert.match(run.errors, new RegExp(`${path.join(dir, "index.ts").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:`), run.errors);
            assert.doesNotMatch(run.errors, /bin\/index\.js/);

            // Edited after the build (pulumi up without npm run build): refused, naming the file.
            program("const size: number = 2;");
            assert.match(mainRefusal(dir), /not built from these sources \(changed since the build: index\.ts\)\. Run `npm run build`/);
        });

        it("a type error: the build fails, emits nothing and leaves no stamp; pulumi up refuses it", async () => {
            const compiled = fs.readFileSync(path.join(dir, "bin", "index.js"), "utf8");
            program('const size: number = "three";');
            assert.notEqual(await build(), 0);
            assert.match(output, /index\.ts\(2,7\): error TS2322/);
            assert.equal(fs.readFileSync(path.join(dir, "bin", "index.js"), "utf8"), compiled, "noEmitOnError: bin/ untouched");
            assert.ok(!fs.existsSync(path.join(dir, stamp.BUILD_STAMP)));
            assert.match(mainRefusal(dir), /no complete build of this program.*Run `npm run build`/);
        });
    });
});
