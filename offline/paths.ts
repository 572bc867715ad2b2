import * as fs from "fs";
import * as path from "path";

/**
 * Where this code runs from: the repository itself (TypeScript through tsx) or its compiled copy
 * in bin/ (what `npm run plan` uses when the build is current; see scripts/launch.mjs).
 */
export const CODE_DIR = path.resolve(__dirname, "..");

function findUp(from: string, file: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, file))) return dir;
        if (path.dirname(dir) === dir) return from;
    }
}

/** The repository: Pulumi.yaml, the stack files, the policy pack and its configs. */
export const PROJECT_DIR = findUp(CODE_DIR, "Pulumi.yaml");

/** The program `pulumi up` runs, in the form this process loads (index.ts, or bin/index.js). */
export const PROGRAM = path.join(CODE_DIR, `index${path.extname(__filename)}`);
