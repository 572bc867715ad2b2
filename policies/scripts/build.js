#!/usr/bin/env node
/*
 * `npm run build` in the pack's directory: compiles the TypeScript sources to bin/ (tsconfig.json)
 * and removes compiled files whose source is gone (a renamed or deleted rule), so bin/ holds
 * exactly what the sources compile to — and `npm pack` (package.json "files": bin/**\/*.js, never
 * the sources or tsconfig.json) packs nothing stale. The repository's `npm ci` / `npm run build`
 * compile the pack too (scripts/build.mjs).
 *
 * Deliberately not a `prepack` (or `prepare`) script: `npm pack` runs those in the foreground and
 * prints a "> name@version prepack" banner on stdout, and `pulumi policy publish` reads the
 * tarball's file name from all of `npm pack`'s stdout, so any such script breaks publishing.
 * Instead the pack refuses to start from a missing or stale build (lib/compiled.ts), which
 * `pulumi policy publish` does before it packs.
 *
 * TypeScript is resolved as Node resolves it from this directory: in the repository, the root
 * workspace's `typescript` (and `@types/node`). In a copy that ships only the compiled pack (an
 * extracted tarball) there is nothing to compile. Nothing goes to stdout; errors go to stderr.
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const packDir = path.resolve(__dirname, "..");
const outDir = path.join(packDir, "bin");
const main = path.join(packDir, JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")).main || "index.js");

function fail(message) {
    process.stderr.write(`policy pack build: ${message}\n`);
    process.exit(1);
}

if (!fs.existsSync(path.join(packDir, "tsconfig.json")) || !fs.existsSync(path.join(packDir, "index.ts"))) {
    // A compiled-only copy of the pack (what `npm pack` produced): nothing to compile.
    if (!fs.existsSync(main)) fail(`neither the TypeScript sources nor the compiled entry ${path.relative(packDir, main)} are here.`);
    process.exit(0);
}

let tsc;
try {
    tsc = require.resolve("typescript/bin/tsc", { paths: [packDir] });
} catch {
    fail("TypeScript is not installed. Run `npm ci` at the repository root (the pack is one of its workspaces), " +
        "or `npm install --no-save typescript@~5.9.3 @types/node@^20.19.43` in this directory.");
}

// tsc reports errors on stdout: send them to stderr.
const r = spawnSync(process.execPath, [tsc, "-p", packDir], { cwd: packDir, stdio: ["ignore", process.stderr, process.stderr] });
if (r.error) fail(String(r.error));
if (r.status !== 0) fail(`tsc -p ${packDir} failed (exit ${r.status ?? r.signal}).`);

// Compiled files of sources that no longer exist (a renamed or deleted rule) must not ship.
function prune(dir) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            prune(p);
            if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
            continue;
        }
        const rel = path.relative(outDir, p);
        const stem = rel.replace(/(\.d\.ts|\.js\.map|\.js)$/, "");
        if (stem === rel || !fs.existsSync(path.join(packDir, `${stem}.ts`))) fs.rmSync(p, { force: true });
    }
}
if (fs.existsSync(outDir)) prune(outDir);
if (!fs.existsSync(main)) fail(`the build did not produce ${path.relative(packDir, main)}.`);
