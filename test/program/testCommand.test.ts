import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { importEsm } from "../../offline/importEsm";
import { PROJECT_DIR } from "../../offline/paths";

type TestCommand = {
    SLOW_FIRST: string[];
    TYPECHECK_CONFIG: string;
    testFiles(dir?: string): string[];
    typecheckState(dir?: string): { buildInfo: string; lockDigestFile: string };
    forgetStaleTypecheck(dir?: string): boolean;
};
const testCommand = () => importEsm<TestCommand>(path.join(PROJECT_DIR, "scripts", "test.mjs"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BUILD_LOCK, withBuildLock } = require("../../scripts/buildLock.cjs") as {
    BUILD_LOCK: string;
    withBuildLock<T>(root: string, fn: () => T | Promise<T>): Promise<T>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("npm test (scripts/test.mjs)", () => {
    it("runs every test file once, the slow ones first", async () => {
        const { testFiles, SLOW_FIRST } = await testCommand();
        const files = testFiles();
        const onDisk: string[] = [];
        const walk = (rel: string): void => {
            for (const e of fs.readdirSync(path.join(PROJECT_DIR, rel), { withFileTypes: true })) {
                if (e.isDirectory()) walk(`${rel}/${e.name}`);
                else if (e.name.endsWith(".test.ts")) onDisk.push(`${rel}/${e.name}`);
            }
        };
        walk("test");
        assert.deepEqual([...files].sort(), onDisk.sort());
        assert.equal(new Set(files).size, files.length);
        assert.deepEqual(files.slice(0, SLOW_FIRST.length), SLOW_FIRST);
    });

    it("names a slow file that no longer exists instead of running without it", async () => {
        const { testFiles, SLOW_FIRST } = await testCommand();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-files-"));
        for (const f of SLOW_FIRST.slice(1)) {
            fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            fs.writeFileSync(path.join(dir, f), "");
        }
        assert.throws(() => testFiles(dir), new RegExp(`SLOW_FIRST names ${SLOW_FIRST[0].replace(/\./g, "\\.")}, which no longer exist`));
    });

    it("keeps tsc's incremental state only while package-lock.json is the one it was made with", async () => {
        const { forgetStaleTypecheck, typecheckState, TYPECHECK_CONFIG } = await testCommand();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typecheck-"));
        fs.copyFileSync(path.join(PROJECT_DIR, TYPECHECK_CONFIG), path.join(dir, TYPECHECK_CONFIG));
        fs.writeFileSync(path.join(dir, "package-lock.json"), '{"lockfileVersion": 3}');
        const { buildInfo } = typecheckState(dir);
        assert.ok(buildInfo.startsWith(path.join(dir, "node_modules")), "kept under node_modules: npm ci starts without it");
        const made = () => {
            fs.mkdirSync(path.dirname(buildInfo), { recursive: true });
            fs.writeFileSync(buildInfo, "{}");
        };

        made();
        assert.equal(forgetStaleTypecheck(dir), true, "no lockfile recorded with it: dropped");
        assert.ok(!fs.existsSync(buildInfo));
        made();
        assert.equal(forgetStaleTypecheck(dir), false);
        assert.ok(fs.existsSync(buildInfo), "same dependencies: kept");
        fs.writeFileSync(path.join(dir, "package-lock.json"), '{"lockfileVersion": 3, "packages": {}}');
        assert.equal(forgetStaleTypecheck(dir), true);
        assert.ok(!fs.existsSync(buildInfo), "the dependencies changed: dropped");
    });
});

describe("one build at a time (scripts/buildLock.cjs)", () => {
    it("runs builds asked for at once one after the other", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-lock-"));
        const spans: [number, number][] = [];
        const build = () =>
            withBuildLock(dir, async () => {
                const start = performance.now();
                await sleep(30);
                spans.push([start, performance.now()]);
            });
        await Promise.all([build(), build(), build()]);
        spans.sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `build ${i} started before build ${i - 1} ended`);
        assert.ok(!fs.existsSync(path.join(dir, BUILD_LOCK)), "released");
    });

    it("waits for a live holder, and takes over the lock of a process that died", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-lock-"));
        const lock = path.join(dir, BUILD_LOCK);
        fs.mkdirSync(path.dirname(lock), { recursive: true });

        const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
        fs.writeFileSync(lock, String(dead));
        assert.equal(await withBuildLock(dir, () => "built"), "built");

        fs.writeFileSync(lock, String(process.pid)); // held by a live process (this one, as another build)
        let ran = false;
        const waiting = withBuildLock(dir, () => (ran = true));
        await sleep(250);
        assert.equal(ran, false, "waits while the holder lives");
        fs.rmSync(lock);
        await waiting;
        assert.equal(ran, true);
    });

    it("releases the lock when the build throws", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-lock-"));
        await assert.rejects(withBuildLock(dir, () => Promise.reject(new Error("tsc failed"))), /tsc failed/);
        assert.ok(!fs.existsSync(path.join(dir, BUILD_LOCK)));
    });
});
