/**
 * The pack runs compiled (package.json `main` is bin/index.js). In the repository, bin/ is built
 * from the TypeScript next to it (`npm ci` / `npm run build` at the root, or `npm run build` here);
 * a copy installed from the tarball has only bin/. This tells the entry point when, in the
 * repository, the build is missing or older than its sources: starting anyway would run (and
 * `pulumi policy publish`, which reads the policies from the running pack before `npm pack`
 * packs bin/, would publish) something other than the sources say. Never throws.
 */
import * as fs from "fs";
import * as path from "path";

/** What tsconfig.json compiles, and tsconfig.json itself. */
const PACK_SOURCES = ["index.ts", "pack.ts", "lib", "rules", "tsconfig.json"];

function newestSource(p: string): { file: string; mtimeMs: number } | undefined {
    if (!fs.existsSync(p)) return undefined;
    const stat = fs.statSync(p);
    if (!stat.isDirectory()) return /\.(ts|json)$/.test(p) && !p.endsWith(".d.ts") ? { file: p, mtimeMs: stat.mtimeMs } : undefined;
    let newest: { file: string; mtimeMs: number } | undefined;
    for (const f of fs.readdirSync(p)) {
        const n = newestSource(path.join(p, f));
        if (n && (!newest || n.mtimeMs > newest.mtimeMs)) newest = n;
    }
    return newest;
}

/** The pack's most recently changed source under `packDir`: what a build must be newer than (offline/analyzerHost.ts too). */
export function newestPackSource(packDir: string): { file: string; mtimeMs: number } | undefined {
    return PACK_SOURCES.map((s) => newestSource(path.join(packDir, s)))
        .reduce<{ file: string; mtimeMs: number } | undefined>((a, b) => (b && (!a || b.mtimeMs > a.mtimeMs) ? b : a), undefined);
}

const BUILD_HINT = "Run `npm run build` at the repository root (or in the pack's directory), then start it again.";

/**
 * Why the pack must not start from `entry` (the running entry file: `__filename` of index.ts or
 * bin/index.js), or undefined when it may.
 */
export function compiledPackProblem(entry: string): string | undefined {
    try {
        if (entry.endsWith(".ts")) {
            // The CLI falls back to the package directory (index.ts, through ts-node) when `main` is missing.
            const packDir = path.dirname(entry);
            const main = (JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { main?: unknown }).main;
            if (typeof main === "string" && main.endsWith(".js") && !fs.existsSync(path.join(packDir, main))) {
                return `The policy pack runs compiled, but ${main} (package.json "main") is missing in ${packDir}: ` +
                    `it has not been built. ${BUILD_HINT}`;
            }
            return undefined;
        }
        const outDir = path.dirname(entry);
        const packDir = path.dirname(outDir);
        if (path.basename(outDir) !== "bin" || !fs.existsSync(path.join(packDir, "tsconfig.json")) || !fs.existsSync(path.join(packDir, "index.ts"))) {
            return undefined; // an installed copy: only the compiled pack is there
        }
        const built = fs.statSync(entry).mtimeMs;
        const newest = newestPackSource(packDir);
        if (newest && newest.mtimeMs > built) {
            return `The compiled policy pack in ${outDir} is older than its sources (${path.relative(packDir, newest.file)} ` +
                `changed after the last build). ${BUILD_HINT}`;
        }
        return undefined;
    } catch {
        return undefined;
    }
}
