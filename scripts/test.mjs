// `npm test`: the type check and the whole test suite at the same time. Fails if either fails.
//
// The type check is `tsc -b` over tsconfig.typecheck.json (the whole repository, no output but its
// incremental state in node_modules/.cache): nothing changed since the last check, and it is done in
// half a second; a test edited, and it re-checks what that file touches. The state is dropped when
// package-lock.json changes, since tsc does not look at the dependencies' declarations to decide it
// is up to date. Mocha runs the test files on worker processes (as many as the machine has cores,
// at least two), the files that take seconds first, so that the workers finish together.
// Arguments go to mocha, e.g. `npm test -- --grep day2`.
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export const TYPECHECK_CONFIG = "tsconfig.typecheck.json";

/**
 * The test files that take half a second or more, longest first (the time each took on two workers
 * with the type check alongside): started first, they leave the many short files to even out the
 * end. A file missing from the list only runs later.
 */
export const SLOW_FIRST = [
    "test/program/compliance.property.test.ts", // 8 s
    "test/program/runtime.test.ts", // 7 s, mostly the real runtime's processes
    "test/policies/packed.test.ts", // 3.5 s, npm pack and run-policy-pack
    "test/program/transitions.test.ts", // 3.5 s
    "test/program/day2.test.ts",
    "test/policies/analyzer-grpc.test.ts",
    "test/policies/reference.property.test.ts",
    "test/policies/neverThrows.test.ts",
    "test/program/plan.test.ts",
    "test/program/diagram.test.ts",
    "test/policies/budget.test.ts",
    "test/program/compliance.test.ts",
    "test/ci/workflows.test.ts",
    "test/policies/taskDefinitions.test.ts",
];

/** Every test file under `dir`/test, the slow ones first (each must exist), then the others in name order. */
export function testFiles(dir = root) {
    const all = [];
    const walk = (rel) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const file = `${rel}/${entry.name}`;
            if (entry.isDirectory()) walk(file);
            else if (entry.name.endsWith(".test.ts")) all.push(file);
        }
    };
    walk("test");
    const missing = SLOW_FIRST.filter((f) => !all.includes(f));
    if (missing.length) throw new Error(`scripts/test.mjs: SLOW_FIRST names ${missing.join(", ")}, which no longer exist`);
    return [...SLOW_FIRST, ...all.filter((f) => !SLOW_FIRST.includes(f))];
}

/** Where tsc keeps its incremental state, and the lockfile digest it was made with. */
export function typecheckState(dir = root) {
    const config = JSON.parse(fs.readFileSync(path.join(dir, TYPECHECK_CONFIG), "utf8"));
    const buildInfo = path.join(dir, config.compilerOptions.tsBuildInfoFile);
    return { buildInfo, lockDigestFile: `${buildInfo}.lock-digest` };
}

/**
 * Drops tsc's incremental state unless it was made with the dependencies installed now (see above):
 * true when it dropped it (the lockfile changed, or no lockfile was recorded with it).
 */
export function forgetStaleTypecheck(dir = root) {
    const { buildInfo, lockDigestFile } = typecheckState(dir);
    const lock = path.join(dir, "package-lock.json");
    const digest = createHash("sha256").update(fs.existsSync(lock) ? fs.readFileSync(lock) : "").digest("hex");
    const recorded = fs.existsSync(lockDigestFile) ? fs.readFileSync(lockDigestFile, "utf8") : undefined;
    if (recorded === digest) return false;
    fs.rmSync(buildInfo, { force: true });
    fs.mkdirSync(path.dirname(lockDigestFile), { recursive: true });
    fs.writeFileSync(lockDigestFile, digest);
    return true;
}

const run = (script, args, stdio) =>
    new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [require.resolve(script), ...args], { cwd: root, stdio });
        let output = "";
        child.stdout?.on("data", (d) => (output += d));
        child.stderr?.on("data", (d) => (output += d));
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 }));
    });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    forgetStaleTypecheck();
    const jobs = Math.max(2, os.availableParallelism());
    const [types, tests] = await Promise.all([
        run("typescript/bin/tsc", ["-b", TYPECHECK_CONFIG], ["ignore", "pipe", "pipe"]),
        run("mocha/bin/mocha.js", ["--parallel", "--jobs", String(jobs), ...process.argv.slice(2), ...testFiles()], "inherit"),
    ]);
    process.stdout.write(types.output);
    console.log(`type check (tsc -b ${TYPECHECK_CONFIG}): ${types.code === 0 ? "passed" : "FAILED"} in ${types.seconds.toFixed(1)} s; tests: ${tests.code === 0 ? "passed" : "FAILED"} in ${tests.seconds.toFixed(1)} s`);
    process.exit(types.code || tests.code);
}
