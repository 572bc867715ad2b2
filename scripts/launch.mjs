// Runs one of scripts/*.ts: `node scripts/launch.mjs plan prod --json`. The compiled copy in bin/
// while it was built from the sources as they are now (npm ci builds it; scripts/buildStamp.cjs
// compares their contents with what the build read), otherwise the TypeScript through tsx, so an
// edit is never run stale.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import stamp from "./buildStamp.cjs";

export const BUILD_STAMP = stamp.BUILD_STAMP;

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** True when bin/ was built from the sources under `dir` as they are now. */
export function buildIsCurrent(dir = root) {
    return stamp.buildIsCurrent(dir);
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
