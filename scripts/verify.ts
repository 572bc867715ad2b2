/**
 * `npm run verify -- <stack> [service...] [options]` (see deploy/verify/cli.ts for the options).
 * Process glue only (deploy/processGlue.ts): Ctrl-C stops watching; the command says what was
 * still in progress.
 */
import { runFromProcess } from "../deploy/processGlue";
import { runVerifyCli } from "../deploy/verify/cli";

runFromProcess(runVerifyCli);
