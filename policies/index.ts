/**
 * Entry point of the CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 * Works for any Pulumi program on AWS: the rules look at `aws:*` resource types only.
 * Runs compiled (package.json `main` is bin/index.js); in the repository it refuses to start from
 * a missing or stale build (lib/compiled.ts).
 */
import { PolicyPack } from "@pulumi/policy";
import { compiledPackProblem } from "./lib/compiled";
import { PACK_NAME, packArgs } from "./pack";

const problem = compiledPackProblem(__filename);
if (problem !== undefined) throw new Error(problem);

new PolicyPack(PACK_NAME, packArgs);
