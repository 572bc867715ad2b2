// What `npm run build` compiled, and whether bin/ still is that. The build records a digest of every
// source it reads (bin/.build-stamp, written only when both compilations succeed); the compiled code
// is current while the sources hash to that digest. Contents, not modification times: a checkout,
// a copy or a restored cache cannot make an old build look current. Plain CommonJS, never compiled,
// so that what checks the build is not itself part of it: used by main.js (what `pulumi up` runs),
// scripts/launch.mjs (the offline tools) and scripts/build.mjs.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const BUILD_STAMP = path.join("bin", ".build-stamp");

/** Everything the build compiles or is configured by, relative to the repository (tests are not built). */
const SOURCES = [
    "index.ts",
    "config",
    "components",
    "offline",
    "scripts",
    "deploy",
    "policies/index.ts",
    "policies/pack.ts",
    "policies/lib",
    "policies/rules",
    "policies/tsconfig.json",
    "tsconfig.json",
    "tsconfig.build.json",
    // The dependencies' types are part of the type check; `npm ci` and `npm install` rebuild.
    "package-lock.json",
];

/** The source files under `root`, sorted, as paths with forward slashes. */
function listSources(root) {
    const files = [];
    const walk = (rel) => {
        let stat;
        try {
            stat = fs.statSync(path.join(root, rel));
        } catch {
            return;
        }
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(path.join(root, rel)).sort()) {
                if (entry !== "node_modules" && entry !== "bin") walk(`${rel}/${entry}`);
            }
        } else if (/\.(ts|json)$/.test(rel)) {
            files.push(rel);
        }
    };
    for (const s of SOURCES) walk(s);
    return files;
}

/** A digest of every source file (path and content), and each file's own. */
function sourceDigest(root) {
    const files = {};
    const all = crypto.createHash("sha256");
    for (const rel of listSources(root)) {
        const sha = crypto.createHash("sha256").update(fs.readFileSync(path.join(root, rel))).digest("hex");
        files[rel] = sha;
        all.update(`${rel}\0${sha}\n`);
    }
    return { digest: all.digest("hex"), files };
}

function readStamp(root) {
    try {
        const stamp = JSON.parse(fs.readFileSync(path.join(root, BUILD_STAMP), "utf8"));
        return typeof stamp?.digest === "string" && stamp.files && typeof stamp.files === "object" ? stamp : undefined;
    } catch {
        return undefined;
    }
}

function writeStamp(root, digest) {
    fs.mkdirSync(path.join(root, path.dirname(BUILD_STAMP)), { recursive: true });
    fs.writeFileSync(path.join(root, BUILD_STAMP), `${JSON.stringify({ builtAt: new Date().toISOString(), ...digest }, null, 1)}\n`);
}

function removeStamp(root) {
    fs.rmSync(path.join(root, BUILD_STAMP), { force: true });
}

/**
 * `{ current: true }` when bin/ was built from the sources as they are now; otherwise why not:
 * `missing` (no complete build: never built, or the last build failed or is under way) or
 * `changed` with the files that differ from what was built (edited, added or removed).
 */
function buildStatus(root) {
    const stamp = readStamp(root);
    if (!stamp) return { current: false, missing: true, changed: [] };
    const now = sourceDigest(root);
    if (now.digest === stamp.digest) return { current: true, missing: false, changed: [] };
    const names = new Set([...Object.keys(now.files), ...Object.keys(stamp.files)]);
    const changed = [...names].filter((f) => now.files[f] !== stamp.files[f]).sort();
    return { current: false, missing: false, changed };
}

function buildIsCurrent(root) {
    return buildStatus(root).current;
}

module.exports = { BUILD_STAMP, SOURCES, listSources, sourceDigest, readStamp, writeStamp, removeStamp, buildStatus, buildIsCurrent };
