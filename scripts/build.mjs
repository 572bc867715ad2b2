// `npm run build` (and `prepare`, so `npm ci` runs it): compiles the offline tools to bin/ and the
// policy pack to policies/bin/. Plain TypeScript runs through tsx too, but loading it costs about
// half a second per start, and the CLI would type-check a TypeScript pack on every preview.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_STAMP } from "./launch.mjs";

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tsc = (project) =>
    new Promise((resolve) => {
        const child = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", project], { cwd: root, stdio: "inherit" });
        child.on("close", (code) => resolve(code ?? 1));
    });

const codes = await Promise.all([tsc("policies"), tsc("tsconfig.build.json")]);
if (codes.some((c) => c !== 0)) process.exit(1);
fs.writeFileSync(path.join(root, BUILD_STAMP), `${new Date().toISOString()}\n`);
