/**
 * The measurements behind `npm run bench`: wall time and peak memory of the plan against the bare
 * cost of loading the SDKs, how the offline run and the policy checks grow with the number of
 * services, the policy pack over the analyzer protocol, its cold start, and the test and type-check
 * runs. Every figure is the median of several runs made in one session, so ratios compare like
 * with like on a noisy machine.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { stringify } from "yaml";
import { childEnv } from "./childEnv";
import { analyzerRpc, configurePack, getAnalyzerInfo, LEVEL_NAMES, startPolicyPack } from "./analyzerHost";
import { runProgram } from "./engine";
import { PROJECT_DIR } from "./paths";
import { buildAnalyzeRequest, buildAnalyzeStackRequest, loadPolicyPackConfig, runPolicyPack } from "./policyRunner";
import { configValues } from "./stackFiles";
import type { RegisteredResource } from "./types";

export function median(values: readonly number[]): number {
    return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// ------------------------------------------------------------------------------------------------
// Synthetic stacks

/**
 * The kinds of service in turn: web services in every deployment mode, and queue workers (no load
 * balancer), two in five, so that 100 services stay within the load balancers' quotas (at most 49
 * services sharing one, one load balancer per codedeploy service: config/schema.ts).
 */
const KINDS = ["rolling", "codedeploy", "bluegreen", "worker", "worker"] as const;

/**
 * A stack of `services` services, the kinds above in turn, as a user would write it in
 * `Pulumi.<stack>.yaml`: existing-VPC-free, HTTPS-free, with KMS and an alert address.
 */
export function syntheticStackConfig(services: number): Record<string, unknown> {
    return {
        "aws:region": "eu-west-1",
        "ecs-deploy:kmsEncryption": true,
        "ecs-deploy:alertEmails": ["platform@example.com"],
        "ecs-deploy:testListenerCidrs": ["203.0.113.0/24"],
        "ecs-deploy:services": Array.from({ length: services }, (_, i) => {
            const name = `svc-${String(i + 1).padStart(3, "0")}`;
            const kind = KINDS[i % KINDS.length];
            const image = `registry.example.com/${name}:1.0.0`;
            if (kind === "worker") return { name, kind, image, containerHealthCheck: { command: ["CMD-SHELL", "test -f /tmp/healthy || exit 1"] } };
            return {
                name,
                image,
                routing: { pathPatterns: [`/${name}/*`] },
                healthCheck: { path: `/${name}/health` },
                deployment: { mode: kind },
            };
        }),
    };
}

// ------------------------------------------------------------------------------------------------
// Child processes: wall time and peak memory

export interface ProcessRun {
    ms: number;
    /** Peak resident set size of the child, in MB (from its own resourceUsage at exit). */
    peakMb: number;
    code: number;
}

let reporter: string | undefined;
/** A preload that writes the process's peak RSS where BENCH_RSS_FILE says, as it exits. */
function rssReporter(): string {
    if (!reporter) {
        reporter = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), "rss.js");
        fs.writeFileSync(reporter, 'process.on("exit", () => require("fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n');
    }
    return reporter;
}

/**
 * Runs `node <args>` once, measuring the wall time from spawn to exit and the child's peak memory.
 * `env` overrides this process's environment; an `undefined` value removes the variable.
 */
export function timeNode(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<ProcessRun> {
    const rssFile = path.join(path.dirname(rssReporter()), `rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const env = childEnv(opts.env, { ...process.env, BENCH_RSS_FILE: rssFile });
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawn(process.execPath, ["--require", rssReporter(), ...args], {
            cwd: opts.cwd ?? PROJECT_DIR,
            env,
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += String(d)));
        child.on("error", reject);
        child.on("close", (code) => {
            const ms = performance.now() - started;
            const kb = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, "utf8")) : NaN;
            fs.rmSync(rssFile, { force: true });
            if (code !== 0) reject(new Error(`node ${args.join(" ")} exited ${code}:\n${stderr.slice(-2000)}`));
            else resolve({ ms, peakMb: kb / 1024, code: code ?? 0 });
        });
    });
}

export interface ProcessFigure {
    ms: number;
    peakMb: number;
    runs: number;
}

export async function medianOfRuns(runs: number, once: () => Promise<ProcessRun>): Promise<ProcessFigure> {
    const results: ProcessRun[] = [];
    for (let i = 0; i < runs; i++) results.push(await once());
    return { ms: median(results.map((r) => r.ms)), peakMb: median(results.map((r) => r.peakMb)), runs };
}

/** What `npm run plan -- <stack>` runs, without npm's own start-up. */
export function planArgs(stack: string, stackFile?: string): string[] {
    return ["--max-semi-space-size=64", path.join(PROJECT_DIR, "scripts", "launch.mjs"), "plan", stack, ...(stackFile ? ["--stack-file", stackFile] : [])];
}

/** The floor: a Node process that only loads the two SDKs every plan needs. */
export const FLOOR_ARGS = ["-e", 'require("@pulumi/pulumi"); require("@pulumi/aws");'];

// ------------------------------------------------------------------------------------------------
// In-process: the offline run and the policy checks

export interface InProcessFigure {
    services: number;
    resources: number;
    runMs: number;
    checkMs: number;
}

export async function measureInProcess(services: number, runs: number): Promise<{ figure: InProcessFigure; resources: RegisteredResource[] }> {
    const config = configValues("ecs-deploy", `synthetic-${services}`, syntheticStackConfig(services));
    const policyConfig = loadPolicyPackConfig(path.join(PROJECT_DIR, "policies", "config", "prod.json"));
    const runTimes: number[] = [];
    const checkTimes: number[] = [];
    let resources: RegisteredResource[] = [];
    for (let i = 0; i < runs + 1; i++) {
        const t0 = performance.now();
        const run = await runProgram({ stack: config.stack, config });
        const t1 = performance.now();
        if (run.error) throw run.error;
        const verdict = await runPolicyPack(run.resources, { config: policyConfig });
        const t2 = performance.now();
        if (verdict.mandatoryCount > 0) throw new Error(`synthetic stack of ${services} services has mandatory violations`);
        resources = run.resources;
        if (i === 0) continue; // warm-up: first use of each code path
        runTimes.push(t1 - t0);
        checkTimes.push(t2 - t1);
    }
    return { figure: { services, resources: resources.length, runMs: median(runTimes), checkMs: median(checkTimes) }, resources };
}

// ------------------------------------------------------------------------------------------------
// The pack over the analyzer protocol

export interface GrpcFigure {
    services: number;
    resources: number;
    analyzeP50Ms: number;
    analyzeP95Ms: number;
    analyzeStackMs: number;
}

export async function measureGrpc(stacks: { services: number; resources: RegisteredResource[] }[], runs: number): Promise<GrpcFigure[]> {
    const pack = await startPolicyPack({ stack: "bench" });
    try {
        const info = await getAnalyzerInfo(pack.client);
        await configurePack(pack.client, info, { configFile: path.join(PROJECT_DIR, "policies", "config", "prod.json"), stack: "bench" });
        const out: GrpcFigure[] = [];
        for (const { services, resources } of stacks) {
            const latencies: number[] = [];
            for (const r of resources) {
                const req = buildAnalyzeRequest(r, r.inputs, resources);
                const t = performance.now();
                await analyzerRpc<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>(pack.client, "analyze", req);
                latencies.push(performance.now() - t);
            }
            const stackTimes: number[] = [];
            const stackReq = buildAnalyzeStackRequest(resources, false);
            for (let i = 0; i < runs + 1; i++) {
                const t = performance.now();
                const resp = await analyzerRpc<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(pack.client, "analyzeStack", stackReq);
                if (i > 0) stackTimes.push(performance.now() - t);
                const mandatory = resp.getDiagnosticsList().filter((d) => LEVEL_NAMES[d.getEnforcementlevel()] === "mandatory");
                if (mandatory.length) throw new Error(`AnalyzeStack of ${services} services: ${mandatory.map((d) => d.getMessage()).join("; ")}`);
            }
            out.push({ services, resources: resources.length, analyzeP50Ms: median(latencies), analyzeP95Ms: percentile(latencies, 95), analyzeStackMs: median(stackTimes) });
        }
        return out;
    } finally {
        await pack.stop();
    }
}

/** The pack's cold start as `pulumi preview --policy-pack` pays it: launch to printed port. */
export async function measureColdStart(runs: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const pack = await startPolicyPack({ stack: "bench" });
        times.push(pack.startupMs);
        await pack.stop();
    }
    return median(times);
}

// ------------------------------------------------------------------------------------------------
// Stack files for the plan processes

export function writeSyntheticStackFiles(sizes: readonly number[]): Map<number, string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stacks-"));
    const files = new Map<number, string>();
    for (const n of sizes) {
        const file = path.join(dir, `Pulumi.synthetic-${n}.yaml`);
        fs.writeFileSync(file, stringify({ config: syntheticStackConfig(n) }));
        files.set(n, file);
    }
    return files;
}
