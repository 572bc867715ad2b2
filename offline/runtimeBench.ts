/**
 * The program phase of `pulumi preview` and `pulumi up` through the real Node runtime: the program
 * started as the CLI's language host (pulumi-language-nodejs) starts it, `node
 * @pulumi/pulumi/cmd/run` with the command line and environment it builds from Pulumi.yaml's `main`
 * and `runtime.options` and from the stack's config, against the stand-in engine
 * (offline/standInEngine.ts). Measured from spawn to exit, next to a one-resource program (the
 * floor), for the mechanism Pulumi.yaml selects and for the ones it replaced.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { median, timeNode, type ProcessFigure, type ProcessRun } from "./bench";
import { childEnv } from "./childEnv";
import { PROJECT_DIR } from "./paths";
import { LOG_ERROR, startStandInEngine, type StandInEngine } from "./standInEngine";
import { readStackConfig, type StackConfigValues } from "./stackFiles";

/** How the language host runs the program: Pulumi.yaml's `main` and `runtime.options`, and the user's environment. */
export interface ProgramRuntime {
    /** `main`, relative to the project; absent: the project directory (package.json's `main`). */
    main?: string;
    /** `runtime.options.typescript` (default true): ts-node compiles, and type-checks, TypeScript as it loads. */
    typescript: boolean;
    /** `runtime.options.tsconfig` (PULUMI_NODEJS_TSCONFIG_PATH). */
    tsconfig?: string;
    /** `runtime.options.nodeargs`. */
    nodeargs?: string;
    /** Variables set around the CLI, e.g. PULUMI_NODEJS_TRANSPILE_ONLY. */
    env?: Record<string, string>;
}

interface ProjectFile {
    name: string;
    main?: string;
    runtime: string | { name: string; options?: { typescript?: boolean; tsconfig?: string; nodeargs?: string } };
}

/** Pulumi.yaml's project name and runtime settings. */
export function projectRuntime(projectDir = PROJECT_DIR): { project: string; runtime: ProgramRuntime } {
    const doc = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
    const options = typeof doc.runtime === "string" ? {} : (doc.runtime.options ?? {});
    return {
        project: doc.name,
        runtime: { main: doc.main, typescript: options.typescript ?? true, tsconfig: options.tsconfig, nodeargs: options.nodeargs },
    };
}

/** The program's working directory and entry point as the CLI derives them from `main`. */
export function pwdMain(root: string, main?: string): { pwd: string; entry: string } {
    if (!main) return { pwd: root, entry: "." };
    const target = path.resolve(root, main);
    if (!fs.existsSync(target)) throw new Error(`project 'main' could not be read: ${target} does not exist`);
    return fs.statSync(target).isDirectory() ? { pwd: target, entry: "." } : { pwd: path.dirname(target), entry: path.basename(target) };
}

export interface RuntimeCommand {
    args: string[];
    env: Record<string, string | undefined>;
    /** The project directory, where the language host starts node. */
    cwd: string;
}

/**
 * The command line and environment the language host gives node: `cmd/run` resolved from the
 * program directory, the engine's addresses, project, stack, working directory, and the config
 * as PULUMI_CONFIG (keys `<namespace>:config:<key>`) with its secret keys. Variables of the
 * surrounding shell that would change the run (PULUMI_NODEJS_*, PULUMI_CONFIG*, TS_NODE_*) are
 * removed, so the run is what Pulumi.yaml says.
 */
export function runtimeCommand(opts: {
    projectDir: string;
    runtime: ProgramRuntime;
    config: StackConfigValues;
    engine: Pick<StandInEngine, "monitorAddress" | "engineAddress">;
    dryRun?: boolean;
}): RuntimeCommand {
    const { pwd, entry } = pwdMain(opts.projectDir, opts.runtime.main);
    const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd] });
    const env: Record<string, string | undefined> = {};
    for (const k of Object.keys(process.env)) if (/^(PULUMI_NODEJS_|PULUMI_CONFIG|TS_NODE_)/.test(k)) env[k] = undefined;
    env.PULUMI_CONFIG = JSON.stringify(
        Object.fromEntries(Object.entries(opts.config.values).map(([k, v]) => [k.replace(/^([^:]+):/, "$1:config:"), v])),
    );
    env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(opts.config.secretKeys);
    if (opts.runtime.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (opts.runtime.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = opts.runtime.tsconfig;
    Object.assign(env, opts.runtime.env);
    const args = [
        ...(opts.runtime.nodeargs?.split(/\s+/).filter(Boolean) ?? []),
        runPath,
        "--monitor", opts.engine.monitorAddress,
        "--engine", opts.engine.engineAddress,
        "--organization", "organization",
        "--project", opts.config.project,
        "--root-directory", opts.projectDir,
        "--stack", opts.config.stack,
        "--pwd", pwd,
        ...(opts.dryRun ? ["--dry-run"] : []),
        "--parallel", "2147483647",
        entry,
    ];
    return { args, env, cwd: opts.projectDir };
}

/** Runs the command once and reports how it ended (no measurement, no judgement): for tests. */
export function launch(command: RuntimeCommand): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, command.args, { cwd: command.cwd, env: childEnv(command.env), stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += String(d)));
        child.stderr.on("data", (d) => (stderr += String(d)));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout, stderr }));
    });
}

export interface RuntimeRun extends ProcessRun {
    /** Registrations the program made (the stack, components, resources). */
    registrations: number;
}

/**
 * One run of the program through the runtime against `engine`, which must have completed: exit 0,
 * no error logged, its stack outputs registered. Otherwise throws with what the program logged.
 */
export async function runThroughRuntime(engine: StandInEngine, stack: string, command: RuntimeCommand): Promise<RuntimeRun> {
    engine.reset(stack);
    const errors = () => engine.logs.filter((l) => l.severity >= LOG_ERROR).map((l) => l.message).join("\n");
    let run: ProcessRun;
    try {
        run = await timeNode(command.args, { cwd: command.cwd, env: command.env });
    } catch (e) {
        throw new Error(`${e instanceof Error ? e.message : String(e)}${errors() ? `\nthe program logged:\n${errors()}` : ""}`);
    }
    if (errors()) throw new Error(`the program logged errors:\n${errors()}`);
    if (!engine.stackOutputs()) throw new Error("the program exited without registering its stack outputs");
    return { ...run, registrations: engine.registrations() };
}

// ------------------------------------------------------------------------------------------------
// The bench's runtime rows

export interface RuntimeFigure extends ProcessFigure {
    registrations: number;
}

/** A way of running the program, measured on one stack. */
export interface Candidate {
    name: string;
    stack: string;
    runtime: ProgramRuntime;
}

/** The one-resource program: compiled by the build, run as Pulumi would run it as `main` with `typescript: false`. */
export const FLOOR_RUNTIME: ProgramRuntime = { main: "bin/offline/floorProgram.js", typescript: false };

/**
 * Other ways of running the program, for comparison: the compiled program as `main` without
 * main.js (no build check, and the runtime's source mapping of every stack frame), and ts-node
 * compiling index.ts as it loads it (what `typescript: true` did), with and without its type check.
 */
export const CANDIDATES: Omit<Candidate, "stack">[] = [
    { name: "compiled, bin/index.js as main (no build check; every frame source-mapped)", runtime: { main: "bin/index.js", typescript: false } },
    { name: "ts-node, transpile-only (typescript: true, PULUMI_NODEJS_TRANSPILE_ONLY=true)", runtime: { typescript: true, env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } } },
    { name: "ts-node, type-checked (typescript: true: before)", runtime: { typescript: true } },
];

export interface RuntimeResults {
    /** What Pulumi.yaml selects, e.g. `main: main.js, typescript: false`. */
    mechanism: string;
    floor: RuntimeFigure;
    /** Each stack through Pulumi.yaml's mechanism. */
    stacks: Record<string, RuntimeFigure>;
    /** Other mechanisms, on `candidateStack`. */
    candidates: { name: string; stack: string; figure: RuntimeFigure }[];
}

function figure(runs: RuntimeRun[]): RuntimeFigure {
    return {
        ms: median(runs.map((r) => r.ms)),
        peakMb: median(runs.map((r) => r.peakMb)),
        runs: runs.length,
        registrations: median(runs.map((r) => r.registrations)),
    };
}

/**
 * Medians of `runs` runs of the floor and of each stack through Pulumi.yaml's mechanism, taken in
 * turn (floor, dev, prod, floor, …) so that a slow moment of the machine weighs on all alike; then
 * `slowRuns` runs of each other candidate on `candidateStack` (default: the last stack). Runs as
 * `pulumi up` of a new stack (no --dry-run; every registration answered with its outputs, so every
 * apply runs). Needs a current build (the floor and `main` run compiled code): `npm run build` first.
 */
export async function measureRuntime(opts: { stacks: string[]; runs: number; slowRuns: number; candidateStack?: string; projectDir?: string }): Promise<RuntimeResults> {
    const projectDir = opts.projectDir ?? PROJECT_DIR;
    const { project, runtime } = projectRuntime(projectDir);
    const configs = new Map(opts.stacks.map((s) => [s, readStackConfig(projectDir, s)] as const));
    const engine = await startStandInEngine({ project, stack: opts.stacks[0] });
    try {
        const command = (stack: string, rt: ProgramRuntime) => runtimeCommand({ projectDir, runtime: rt, config: configs.get(stack)!, engine });
        const floorRuns: RuntimeRun[] = [];
        const stackRuns = new Map<string, RuntimeRun[]>(opts.stacks.map((s) => [s, []]));
        for (let i = 0; i < opts.runs; i++) {
            floorRuns.push(await runThroughRuntime(engine, opts.stacks[0], command(opts.stacks[0], FLOOR_RUNTIME)));
            for (const stack of opts.stacks) stackRuns.get(stack)!.push(await runThroughRuntime(engine, stack, command(stack, runtime)));
        }
        const candidates: RuntimeResults["candidates"] = [];
        const candidateStack = opts.candidateStack ?? opts.stacks[opts.stacks.length - 1];
        for (const c of CANDIDATES) {
            const runs: RuntimeRun[] = [];
            for (let i = 0; i < opts.slowRuns; i++) runs.push(await runThroughRuntime(engine, candidateStack, command(candidateStack, c.runtime)));
            candidates.push({ name: c.name, stack: candidateStack, figure: figure(runs) });
        }
        return {
            mechanism: describeRuntime(runtime),
            floor: figure(floorRuns),
            stacks: Object.fromEntries([...stackRuns].map(([s, runs]) => [s, figure(runs)])),
            candidates,
        };
    } finally {
        await engine.stop();
    }
}

export function describeRuntime(rt: ProgramRuntime): string {
    return [rt.main ? `main: ${rt.main}` : "main: (package.json)", `typescript: ${rt.typescript}`, ...(rt.tsconfig ? [`tsconfig: ${rt.tsconfig}`] : []), ...(rt.nodeargs ? [`nodeargs: ${rt.nodeargs}`] : [])].join(", ");
}
