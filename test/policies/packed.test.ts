/**
 * The policy pack as it leaves this repository: `npm pack` in policies/ (what `pulumi policy
 * publish` runs there, and how another repository vendors it), installed with nothing but the
 * dependencies its package.json declares, and started as the Pulumi CLI starts a Node.js pack
 * (`node @pulumi/pulumi/cmd/run-policy-pack <engine> .` in the installed package's directory),
 * then asked for verdicts over the Analyzer gRPC protocol (offline/analyzerHost.ts).
 *
 * How it is installed. `npm install --offline --no-audit --no-fund <tarball>` in an empty directory
 * is what a consumer runs, but without a lockfile it resolves the declared ranges afresh, which needs
 * registry metadata and versions `npm ci` (installing from the lockfile) never put in the local
 * cache: offline it fails (measured here: ENOTCACHED for a newer transitive version, after 7.3 s
 * spent resolving), and online it would be a network install in every test run. So the test builds
 * the equivalent installation itself, in well under a second: the tarball is extracted into
 * <tmp>/node_modules/<name>, and the packages a
 * real install would place next to it — the declared dependencies and everything they depend on
 * (dependencies, optional dependencies, non-optional peers), as installed in the repository's
 * node_modules — are symlinked into <tmp>/node_modules. Nothing else is: not the optional peers
 * `typescript` and `ts-node` of @pulumi/pulumi, which a real install leaves out too.
 *
 * The pack runs with `--preserve-symlinks --preserve-symlinks-main`, so every module resolves from
 * where it sits in <tmp>/node_modules, as in a real installation, and not from its real path in
 * the repository: run-policy-pack finds no TypeScript and falls back to the SDK's vendored one
 * (3.8.3) and ts-node 7, exactly what made the pack fail before it stopped shipping tsconfig.json
 * (`target: ES2022` is rejected) — the last case starts a copy with that tsconfig.json to show the
 * harness reproduces it. A real installation hoists transitive packages too, so resolving is not
 * the whole check: every module the compiled code requires must be a Node.js built-in or a
 * declared dependency (checked on the tarball's files).
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as os from "os";
import * as path from "path";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import {
    analyzerRpc as rpc, configurePack, ensurePackBuilt, getAnalyzerInfo, LEVEL_NAMES, PACK_DIR, startPolicyPack, type PolicyPackProcess,
} from "../../offline/analyzerHost";
import { PROJECT_DIR } from "../../offline/paths";
import { buildAnalyzeRequest, buildAnalyzeStackRequest } from "../../offline/policyRunner";
import { compiledPackProblem } from "../../policies/lib/compiled";
import type { RegisteredResource } from "../../offline/types";
import { compliantStack, mutate } from "./fixtures";

interface PackageJson {
    name: string;
    version: string;
    main?: string;
    private?: boolean;
    files?: string[];
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;

function listFiles(dir: string, base = dir): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join("/")]);
}

/** Where Node would find package `name` from `fromDir` (a real directory in the repository). */
function locate(name: string, fromDir: string): string | undefined {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "node_modules", name);
        if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
        if (path.dirname(dir) === dir) return undefined;
    }
}

/**
 * The top-level packages a real install of `declared` would hold, as installed in the repository's
 * node_modules: name → directory. Packages nested in another package's node_modules come with it.
 */
function installClosure(declared: string[], repoModules: string): Map<string, string> {
    const top = new Map<string, string>();
    const seen = new Set<string>();
    const visit = (name: string, fromDir: string, optional: boolean) => {
        const dir = locate(name, fromDir);
        if (!dir) {
            if (optional) return;
            throw new Error(`${name} (needed from ${fromDir}) is not installed in the repository: run npm ci`);
        }
        if (seen.has(dir)) return;
        seen.add(dir);
        if (path.relative(repoModules, dir) === name) top.set(name, dir);
        const pkg = readJson<PackageJson>(path.join(dir, "package.json"));
        for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, dir, false);
        for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, dir, true);
        for (const d of Object.keys(pkg.peerDependencies ?? {})) if (!pkg.peerDependenciesMeta?.[d]?.optional) visit(d, dir, false);
    };
    for (const d of declared) visit(d, PACK_DIR, false);
    return top;
}

/** The bare module names a CommonJS file requires (what tsc emits for imports). */
function requiredModules(source: string): string[] {
    return Array.from(source.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g), (m) => m[1]);
}

const packageName = (specifier: string) => specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

interface Diag { policy: string; level: string; message: string; urn: string }

describe("the packed policy pack (npm pack, installed with its declared dependencies only, run-policy-pack)", function () {
    this.timeout(240000);
    const timings: Record<string, number> = {};
    const time = async <T>(label: string, f: () => T | Promise<T>): Promise<T> => {
        const t0 = performance.now();
        try {
            return await f();
        } finally {
            timings[label] = (timings[label] ?? 0) + (performance.now() - t0);
        }
    };
    const sourcePkg = readJson<PackageJson>(path.join(PACK_DIR, "package.json"));
    const declared = Object.keys(sourcePkg.dependencies ?? {});
    let tmp: string;
    let tarball: string;
    let packStdout: string;
    let packedFiles: string[];
    let installed: string;
    let pack: PolicyPackProcess | undefined;
    let started = 0;

    const startInstalled = (dir: string) => startPolicyPack({
        packDir: dir,
        project: "shop",
        stack: "test",
        runPolicyPack: path.join(tmp, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"),
        nodeArgs: ["--preserve-symlinks", "--preserve-symlinks-main"],
        // nothing from this test process may leak into the pack's module resolution
        env: { NODE_OPTIONS: undefined, NODE_PATH: undefined, TS_NODE_PROJECT: undefined, PULUMI_NODEJS_TSCONFIG_PATH: undefined },
    });

    before(async () => {
        started = performance.now();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "packed-policy-pack-"));
        // `npm pack` packs bin/ as it is (no lifecycle script: see policies/scripts/build.js); the
        // repository builds it (`npm ci`), the tests rebuild it when a source is newer.
        await time("build (only when stale)", () => ensurePackBuilt());
        // exactly as `pulumi policy publish` runs it, which takes all of stdout as the tarball's name
        const stdout = await time("npm pack", () => execFileSync("npm", ["pack", "--loglevel=error", "--pack-destination", tmp], {
            cwd: PACK_DIR, encoding: "utf8", shell: process.platform === "win32", env: { ...process.env, npm_config_update_notifier: "false" },
        }));
        packStdout = stdout;
        tarball = path.join(tmp, fs.readdirSync(tmp).find((f) => f.endsWith(".tgz")) ?? stdout.trim());

        await time("install (extract, link dependencies)", () => {
            installed = path.join(tmp, "node_modules", sourcePkg.name);
            fs.mkdirSync(installed, { recursive: true });
            // npm tarballs hold one top directory, "package/"
            execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
            packedFiles = listFiles(installed).sort();
            const repoModules = path.join(PROJECT_DIR, "node_modules");
            for (const [name, dir] of installClosure(declared, repoModules)) {
                const link = path.join(tmp, "node_modules", name);
                fs.mkdirSync(path.dirname(link), { recursive: true });
                fs.symlinkSync(dir, link, "junction");
            }
        });
    });

    after(async () => {
        await pack?.stop();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        const total = (performance.now() - started) / 1000;
        console.log(`      packed pack: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(", ")}; total ${total.toFixed(1)} s`);
    });

    it("packs only the compiled pack, its manifest, README and config examples; npm pack prints nothing but the file name", () => {
        assert.strictEqual(packStdout.trim(), `${sourcePkg.name}-${sourcePkg.version}.tgz`, "pulumi policy publish reads the file name from stdout");
        assert.ok(fs.existsSync(tarball));
        assert.ok(packedFiles.includes("bin/index.js"), "the compiled entry");
        for (const f of ["PulumiPolicy.yaml", "package.json", "README.md", "config/dev.json", "config/prod.json"]) assert.ok(packedFiles.includes(f), f);
        const sources = listFiles(PACK_DIR).filter((f) => /^(index|pack)\.ts$|^(lib|rules)\/.*\.ts$/.test(f));
        for (const src of sources) assert.ok(packedFiles.includes(`bin/${src.replace(/\.ts$/, ".js")}`), `compiled ${src}`);
        const orphans = packedFiles.filter((f) => f.startsWith("bin/") && !sources.includes(f.slice(4).replace(/\.js$/, ".ts")));
        assert.deepStrictEqual(orphans, [], "compiled files whose source is gone would ship: `npm run build` in policies/ removes them");
        assert.deepStrictEqual(packedFiles.filter((f) => f.endsWith(".ts") || /(^|\/)tsconfig[^/]*\.json$/.test(f)), [], "no TypeScript source, no tsconfig.json");
        assert.deepStrictEqual(packedFiles.filter((f) => !/^bin\/.*\.js$|^config\/[^/]+\.json$|^(PulumiPolicy\.yaml|package\.json|README\.md)$/.test(f)), [], "nothing else");
    });

    it("declares what it needs: main is the compiled entry, every module the code requires is declared, no lifecycle script", () => {
        const pkg = readJson<PackageJson>(path.join(installed, "package.json"));
        assert.strictEqual(pkg.main, "bin/index.js");
        assert.ok(fs.existsSync(path.join(installed, pkg.main)));
        assert.strictEqual(pkg.private, true, "never published to the npm registry by accident");
        // `pulumi policy publish` reads the tarball's name from npm pack's stdout: a prepack/prepare banner would break it
        assert.deepStrictEqual(Object.keys(pkg.scripts ?? {}).filter((s) => /^(pre|post)?(pack|prepare|publish|install)$|^prepublishOnly$/.test(s)), []);
        const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
        const required = new Set(packedFiles.filter((f) => f.endsWith(".js")).flatMap((f) => requiredModules(fs.readFileSync(path.join(installed, f), "utf8"))));
        const undeclared = [...required].filter((m) => !builtins.has(m) && !declared.includes(packageName(m)));
        assert.deepStrictEqual(undeclared, []);
        assert.ok(required.has("@pulumi/policy"));
        // run-policy-pack is resolved from the pack's own dependencies
        assert.ok(declared.includes("@pulumi/pulumi"));
    });

    let info: analyzerpb.AnalyzerInfo;

    it("starts with run-policy-pack as the CLI starts it, and describes itself", async () => {
        assert.ok(!fs.existsSync(path.join(tmp, "node_modules", "typescript")) && !fs.existsSync(path.join(tmp, "node_modules", "ts-node")),
            "like a real install: no TypeScript next to the SDK");
        pack = await time("start (run-policy-pack to port)", () => startInstalled(installed));
        info = await getAnalyzerInfo(pack.client);
        assert.strictEqual(info.getName(), "ecs-deployment-safety");
        assert.strictEqual(info.getVersion(), sourcePkg.version);
        assert.strictEqual(info.getPoliciesList().length, 16);
        // the shipped config example works with the installed pack
        await configurePack(pack.client, info, { configFile: path.join(installed, "config", "prod.json"), project: "shop", tags: { env: "prod" } });
    });

    async function analyzeAll(stack: RegisteredResource[], preview: boolean): Promise<Diag[]> {
        const out: Diag[] = [];
        const diags = (resp: analyzerpb.AnalyzeResponse, urn = "") => resp.getDiagnosticsList().map((d) => ({
            policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn() || urn,
        }));
        for (const r of stack) {
            out.push(...diags(await rpc<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>(pack!.client, "analyze", buildAnalyzeRequest(r, r.inputs, stack)), r.urn));
        }
        out.push(...diags(await rpc<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(pack!.client, "analyzeStack", buildAnalyzeStackRequest(stack, preview))));
        return out;
    }
    const mandatory = (d: Diag[]) => d.filter((x) => x.level === "mandatory").map((x) => `${x.policy} ${x.urn.slice(x.urn.lastIndexOf("::") + 2)}`).sort();

    it("passes a compliant stack (no mandatory violation) and rejects an ECS service without a circuit breaker", async () => {
        await time("analyze (2 stacks)", async () => {
            assert.deepStrictEqual(mandatory(await analyzeAll(compliantStack().build(false), false)), []);
            const bad = mutate(compliantStack().build(false), "web", (i) => { delete i.deploymentCircuitBreaker; });
            const d = await analyzeAll(bad, false);
            assert.deepStrictEqual(mandatory(d), ["ecs-service-requires-rollback web"]);
            assert.match(d.find((x) => x.policy === "ecs-service-requires-rollback")!.message, /deploymentCircuitBreaker: \{ enable: true, rollback: true \}/);
        });
        assert.deepStrictEqual(pack!.engineLogs.filter((l) => l.severity >= 3), [], "no error logged through the engine");
        assert.ok(!/Error/.test(pack!.stderr()), pack!.stderr());
    });

    it("(the harness is faithful) a copy with the sources' tsconfig.json next to it fails as the CLI did: vendored TypeScript rejects ES2022", async () => {
        const copy = path.join(tmp, "node_modules", "with-tsconfig");
        fs.cpSync(installed, copy, { recursive: true });
        fs.copyFileSync(path.join(PACK_DIR, "tsconfig.json"), path.join(copy, "tsconfig.json"));
        const err = await time("start with tsconfig.json (fails)", () => startInstalled(copy).then(async (p) => {
            await p.stop();
            return undefined;
        }, (e: Error) => e));
        assert.ok(err, "it started");
        assert.match(err.message, /TS6046: Argument for '--target' option must be/);
        assert.match(err.message, /vendor[\\/]ts-node@7/, "the SDK's vendored ts-node and TypeScript, as in a real installation");
    });
});

describe("in the repository, the pack refuses to start from a missing or stale build (policies/lib/compiled.ts)", () => {
    // `pulumi policy publish` starts the pack to read its policies before `npm pack` packs bin/:
    // a missing build would otherwise run from the TypeScript (the CLI falls back to index.ts) and
    // publish a tarball without bin/, a stale one would publish old rules.
    let dir: string;
    const write = (rel: string, text: string, mtimeSec: number) => {
        const f = path.join(dir, rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, text);
        fs.utimesSync(f, mtimeSec, mtimeSec);
        return f;
    };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-build-"));
        write("package.json", JSON.stringify({ main: "bin/index.js" }), 1000);
        for (const f of ["index.ts", "pack.ts", "lib/safe.ts", "rules/sns.ts", "tsconfig.json"]) write(f, "", 1000);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("starts from a current build", () => {
        const entry = write("bin/index.js", "", 2000);
        assert.strictEqual(compiledPackProblem(entry), undefined);
    });
    it("refuses a build older than a source, naming it", () => {
        const entry = write("bin/index.js", "", 2000);
        write("rules/sns.ts", "", 3000);
        assert.match(compiledPackProblem(entry) ?? "", /older than its sources \(rules[\\/]sns\.ts changed after the last build\)\. Run `npm run build`/);
        write("tsconfig.json", "", 4000);
        assert.match(compiledPackProblem(entry) ?? "", /tsconfig\.json changed/);
    });
    it("refuses to run from the TypeScript when main is missing (the CLI's fallback)", () => {
        assert.match(compiledPackProblem(path.join(dir, "index.ts")) ?? "", /bin\/index\.js \(package\.json "main"\) is missing.*npm run build/);
        write("bin/index.js", "", 2000);
        assert.strictEqual(compiledPackProblem(path.join(dir, "index.ts")), undefined, "someone running index.ts on purpose");
    });
    it("a stale build in a source checkout stops run-policy-pack with that message (what `pulumi policy publish` would show)", async function () {
        this.timeout(60000);
        // a copy of the source directory with the current build, sharing the repository's node_modules
        for (const f of ["index.ts", "pack.ts", "lib", "rules", "tsconfig.json", "package.json", "PulumiPolicy.yaml", "bin"]) {
            fs.cpSync(path.join(PACK_DIR, f), path.join(dir, f), { recursive: true });
        }
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "junction");
        const now = Date.now() / 1000;
        for (const f of listFiles(path.join(dir, "bin"))) fs.utimesSync(path.join(dir, "bin", f), now - 60, now - 60);
        fs.utimesSync(path.join(dir, "rules", "sns.ts"), now, now);
        const err = await startPolicyPack({ packDir: dir }).then(async (p) => {
            await p.stop();
            return undefined;
        }, (e: Error) => e);
        assert.ok(err, "it started");
        assert.match(err.message, /older than its sources \(rules[\\/]sns\.ts changed after the last build\)/);
    });
    it("does not look for sources in an installed copy, nor in the root build (bin/policies/)", () => {
        for (const f of ["index.ts", "pack.ts", "lib/safe.ts", "rules/sns.ts", "tsconfig.json"]) fs.rmSync(path.join(dir, f));
        assert.strictEqual(compiledPackProblem(write("bin/index.js", "", 500)), undefined);
        assert.strictEqual(compiledPackProblem(write("bin/policies/index.js", "", 500)), undefined);
        assert.strictEqual(compiledPackProblem(path.join(dir, "nowhere", "bin", "index.js")), undefined, "never throws");
    });
});
