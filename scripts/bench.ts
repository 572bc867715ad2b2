// npm run bench -- [--runs N] [--slow-runs N] [--skip-tests] [--json] [--out FILE]: prints what the
// program costs `pulumi preview` / `pulumi up` through the real runtime, and what the plan, the policy
// checks and the test run cost on this machine (medians), as a table and as JSON.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import {
    FLOOR_ARGS, measureColdStart, measureGrpc, measureInProcess, medianOfRuns, planArgs, timeNode, writeSyntheticStackFiles,
    type GrpcFigure, type InProcessFigure, type ProcessFigure,
} from "../offline/bench";
import { importEsm } from "../offline/importEsm";
import { PROJECT_DIR } from "../offline/paths";
import { measureRuntime, type RuntimeResults } from "../offline/runtimeBench";

const SIZES = [1, 10, 50, 100];

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            runs: { type: "string", default: "5" },
            "slow-runs": { type: "string", default: "3" },
            "skip-tests": { type: "boolean" },
            json: { type: "boolean" },
            out: { type: "string", default: path.join(PROJECT_DIR, "bench-results.json") },
        },
    });
    const runs = Number(values.runs);
    const slowRuns = Number(values["slow-runs"]);
    const log = (text: string) => (values.json ? process.stderr : process.stdout).write(text);
    // Measure what a user has after `npm ci`: the compiled tools and pack (scripts/build.mjs).
    log("building (npm run build)\n");
    execFileSync(process.execPath, [path.join(PROJECT_DIR, "scripts", "build.mjs")], { stdio: "inherit" });

    // First, while the build is fresh: main.js refuses to run a build older than the sources.
    log("measuring: the program through the real runtime (cmd/run against a stand-in engine)\n");
    const runtime: RuntimeResults = await measureRuntime({ stacks: ["dev", "prod"], runs, slowRuns, candidateStack: "prod" });

    log("measuring: floor and plans\n");
    const floor = await medianOfRuns(runs, () => timeNode(FLOOR_ARGS));
    const plans: Record<string, ProcessFigure> = {};
    for (const stack of ["dev", "prod"]) plans[stack] = await medianOfRuns(runs, () => timeNode(planArgs(stack)));
    const files = writeSyntheticStackFiles(SIZES);
    for (const n of SIZES) plans[`synthetic-${n}`] = await medianOfRuns(runs, () => timeNode(planArgs(`synthetic-${n}`, files.get(n))));

    log("measuring: offline run and policy checks in process\n");
    const inProcess: InProcessFigure[] = [];
    const stacks = [];
    for (const n of SIZES) {
        const { figure, resources } = await measureInProcess(n, runs);
        inProcess.push(figure);
        stacks.push({ services: n, resources });
    }

    log("measuring: policy pack over gRPC, cold start\n");
    const grpc: GrpcFigure[] = await measureGrpc(stacks, runs);
    const coldStartMs = await measureColdStart(runs);

    let tests: { npmTestMs: number; npmTestColdMs: number; mochaOneProcessMs: number; typecheckFullMs: number; runs: number } | undefined;
    if (!values["skip-tests"]) {
        log("measuring: npm test, the suite in one process and the full type check (slow)\n");
        const testCommand = await importEsm<{ testFiles(): string[]; typecheckState(): { buildInfo: string } }>(path.join(PROJECT_DIR, "scripts", "test.mjs"));
        const npmTest = () => timeNode([path.join(PROJECT_DIR, "scripts", "test.mjs")]);
        await npmTest(); // the type check's state, as a working copy has it
        const warm = await medianOfRuns(slowRuns, npmTest);
        const cold = await medianOfRuns(slowRuns, () => {
            fs.rmSync(testCommand.typecheckState().buildInfo, { force: true }); // as after npm ci
            return npmTest();
        });
        const oneProcess = await medianOfRuns(slowRuns, () => timeNode([require.resolve("mocha/bin/mocha.js"), ...testCommand.testFiles()]));
        const typecheck = await medianOfRuns(slowRuns, () => timeNode([require.resolve("typescript/bin/tsc"), "--noEmit", "-p", "."]));
        tests = { npmTestMs: warm.ms, npmTestColdMs: cold.ms, mochaOneProcessMs: oneProcess.ms, typecheckFullMs: typecheck.ms, runs: slowRuns };
    }

    const by = (n: number) => inProcess.find((f) => f.services === n)!;
    const grpcBy = (n: number) => grpc.find((f) => f.services === n)!;
    const ratio = (ms: number) => ms / runtime.floor.ms;
    const results = {
        machine: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString() },
        runs,
        runtime: {
            ...runtime,
            stacks: Object.fromEntries(Object.entries(runtime.stacks).map(([k, v]) => [k, { ...v, ratioToFloor: ratio(v.ms) }])),
            candidates: runtime.candidates.map((c) => ({ ...c, figure: { ...c.figure, ratioToFloor: ratio(c.figure.ms) } })),
        },
        floor,
        plans: Object.fromEntries(Object.entries(plans).map(([k, v]) => [k, { ...v, ratioToFloor: v.ms / floor.ms }])),
        inProcess,
        growth100over10: {
            run: by(100).runMs / by(10).runMs,
            check: by(100).checkMs / by(10).checkMs,
            analyzeStack: grpcBy(100).analyzeStackMs / grpcBy(10).analyzeStackMs,
            resources: by(100).resources / by(10).resources,
        },
        grpc,
        coldStartMs,
        tests,
    };
    fs.writeFileSync(values.out!, JSON.stringify(results, null, 2) + "\n");
    if (values.json) {
        process.stdout.write(JSON.stringify(results, null, 2) + "\n");
        return;
    }

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;
    const rows: string[][] = [["measure", "median", "peak memory", "notes"]];
    const rt = runtime.floor;
    rows.push(["runtime floor: one-resource program through cmd/run", s(rt.ms), `${rt.peakMb.toFixed(0)} MB`, "compiled, registers 1 resource"]);
    for (const [stack, f] of Object.entries(runtime.stacks))
        rows.push([`program phase of pulumi up, ${stack} (${runtime.mechanism})`, s(f.ms), `${f.peakMb.toFixed(0)} MB`, `${ratio(f.ms).toFixed(2)}x runtime floor, ${f.registrations} registrations`]);
    for (const c of runtime.candidates)
        rows.push([`  ${c.stack}, ${c.name}`, s(c.figure.ms), `${c.figure.peakMb.toFixed(0)} MB`, `${ratio(c.figure.ms).toFixed(2)}x runtime floor, median of ${c.figure.runs}`]);
    rows.push(["floor: node loading @pulumi/pulumi + @pulumi/aws", s(floor.ms), `${floor.peakMb.toFixed(0)} MB`, ""]);
    for (const [name, f] of Object.entries(plans))
        rows.push([`npm run plan -- ${name}`, s(f.ms), `${f.peakMb.toFixed(0)} MB`, `${(f.ms / floor.ms).toFixed(2)}x floor`]);
    for (const f of inProcess)
        rows.push([`in process, ${f.services} service(s), ${f.resources} resources`, ms(f.runMs + f.checkMs), "", `run ${ms(f.runMs)} + policy check ${ms(f.checkMs)}`]);
    const g = results.growth100over10;
    rows.push(["growth 100/10 services", "", "", `resources ${g.resources.toFixed(1)}x, run ${g.run.toFixed(1)}x, check ${g.check.toFixed(1)}x, AnalyzeStack ${g.analyzeStack.toFixed(1)}x`]);
    for (const f of grpc)
        rows.push([`gRPC, ${f.services} service(s): Analyze p50 / p95, AnalyzeStack`, ms(f.analyzeP50Ms), "", `p95 ${ms(f.analyzeP95Ms)}, AnalyzeStack ${ms(f.analyzeStackMs)}`]);
    rows.push(["policy pack cold start (run-policy-pack to port)", s(coldStartMs), "", "compiled pack (policies/bin)"]);
    if (tests) {
        rows.push(["npm test, type check current", s(tests.npmTestMs), "", `median of ${tests.runs}; mocha on parallel workers beside tsc -b`]);
        rows.push(["npm test, first run after a clone", s(tests.npmTestColdMs), "", "tsc's incremental state removed"]);
        rows.push(["  the tests in one mocha process / a full tsc --noEmit", s(tests.mochaOneProcessMs), "", `full type check ${s(tests.typecheckFullMs)}`]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const [i, r] of rows.entries()) {
        log(r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd() + "\n");
        if (i === 0) log(widths.map((w) => "-".repeat(w)).join("  ") + "\n");
    }
    const ratios = Object.entries(runtime.stacks).map(([stack, f]) => `${stack} ${ratio(f.ms).toFixed(2)}x`);
    log(`\nprogram phase of pulumi preview / up through the real runtime: ${ratios.join(", ")} the one-resource floor (target: at most 2x)\n`);
    log(`JSON: ${path.relative(PROJECT_DIR, values.out!)}\n`);
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err instanceof Error ? err.stack : err);
        process.exit(1);
    },
);
