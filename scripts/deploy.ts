/**
 * `npm run deploy -- <stack> <service> <image> [options]` (see deploy/cli.ts for the options).
 * Process glue only (deploy/processGlue.ts): Ctrl-C stops watching; the command then prints the
 * deployment id and how to stop it.
 */
import { runCli } from "../deploy/cli";
import { runFromProcess } from "../deploy/processGlue";

runFromProcess(runCli);
