// `npm run build` (and `prepare`, so `npm ci` and `npm install` run it): compiles the program and the
// offline tools to bin/ and the policy pack to policies/bin/, type-checking both (tsc). `pulumi
// preview` and `pulumi up` run the compiled program (Pulumi.yaml `main: main.js`), and only a build
// of the sources as they are now: the build stamp (scripts/buildStamp.cjs) records what it compiled,
// and is written only when both compilations succeed. With a type error tsc emits nothing
// (noEmitOnError), the stamp stays removed, and main.js refuses to run: a type error is never deployed.
// Plain TypeScript runs through tsx too (the tests, an edited tree), but loading it costs about half a
// second per start, and ts-node type-checked the program on every preview and up (seconds).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import lock from "./buildLock.cjs";
import stamp from "./buildStamp.cjs";

const { withBuildLock } = lock;

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The projects a build compiles, relative to the repository: the policy pack and the program. */
export const PROJECTS = ["policies", "tsconfig.build.json"];

/**
 * Compiles `projects` (tsconfig paths relative to `dir`) side by side; writes the stamp only if all
 * succeed. Resolves to the exit code. tsc's output goes to this process's, or to `output` when given.
 * Holds the build lock (scripts/buildLock.cjs): a build started meanwhile waits for this one.
 */
export function build(dir = root, projects = PROJECTS, output = undefined) {
    return withBuildLock(dir, () => compile(dir, projects, output));
}

/** Builds only when bin/ is not a build of the sources as they are now (tests; one build for all who ask at once). */
export function buildIfStale(dir = root, output = undefined) {
    return withBuildLock(dir, () => (stamp.buildStatus(dir).current ? 0 : compile(dir, PROJECTS, output)));
}

async function compile(dir, projects, output) {
    // What this build reads, taken before it starts: a source edited meanwhile makes it stale at once.
    const sources = stamp.sourceDigest(dir);
    stamp.removeStamp(dir);
    const tsc = (project) =>
        new Promise((resolve) => {
            const child = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", project, "--noEmitOnError"], {
                cwd: dir,
                stdio: output ? ["ignore", "pipe", "pipe"] : "inherit",
            });
            child.stdout?.on("data", (d) => output(String(d)));
            child.stderr?.on("data", (d) => output(String(d)));
            child.on("close", (code) => resolve(code ?? 1));
        });
    const codes = await Promise.all(projects.map(tsc));
    if (codes.some((c) => c !== 0)) {
        (output ?? ((text) => process.stderr.write(text)))(
            "build failed: nothing was emitted for the failing project, and `pulumi preview` / `pulumi up` refuse to run until a build succeeds\n",
        );
        return 1;
    }
    stamp.writeStamp(dir, sources);
    return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(await build());
