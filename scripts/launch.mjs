// Runs one of scripts/*.ts: `node scripts/launch.mjs plan prod --json`. The compiled copy in bin/
// when it is newer than every source (npm ci builds it), otherwise the TypeScript through tsx, so
// an edit is never run stale.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const BUILD_STAMP = path.join("bin", ".build-stamp");
const SOURCES = ["index.ts", "config", "components", "offline", "scripts", "deploy", "policies/index.ts", "policies/pack.ts", "policies/lib", "policies/rules", "tsconfig.json", "tsconfig.build.json"];

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function newest(p) {
    if (!fs.existsSync(p)) return 0;
    const stat = fs.statSync(p);
    if (!stat.isDirectory()) return /\.(ts|json)$/.test(p) ? stat.mtimeMs : 0;
    return Math.max(0, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

/** True when bin/ was built after the last change to any source under `dir`. */
export function buildIsCurrent(dir = root) {
    const stamp = path.join(dir, BUILD_STAMP);
    return fs.existsSync(stamp) && Math.max(...SOURCES.map((s) => newest(path.join(dir, s)))) <= fs.statSync(stamp).mtimeMs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const [name] = process.argv.splice(2, 1);
    const require = createRequire(import.meta.url);
    if (!name || !fs.existsSync(path.join(root, "scripts", `${name}.ts`))) {
        console.error(`usage: node scripts/launch.mjs <${fs.readdirSync(path.join(root, "scripts")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).join("|")}> [args]`);
        process.exit(2);
    }
    if (buildIsCurrent()) {
        require(path.join(root, "bin", "scripts", `${name}.js`));
    } else {
        require("tsx/cjs");
        require(path.join(root, "scripts", `${name}.ts`));
    }
}
