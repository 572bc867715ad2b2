/**
 * The command line of `npm run verify`: arguments, help, wiring of the real dependencies.
 * scripts/verify.ts only adds the process glue (signals, exit code); everything here is testable
 * with injected streams, clients and outputs (the same CliIo as the deploy command).
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import type { CliIo } from "../cli";
import { parseCommandArgs } from "../commandArgs";
import { createConsoleReporter, systemClock, type Reporter } from "../console";
import { ALARM_BAKE_MINUTES, TASK_START_AND_HEALTH_MINUTES } from "../ecsDeployment";
import { DeployError, EXIT_SUCCESS, EXIT_USAGE, UsageError } from "../errors";
import { loadOutputsAsUsage, resolveRegion } from "../outputs";
import { DEFAULT_TIMEOUT_MINUTES, DEPLOYMENT_MARGIN_MINUTES } from "../timeout";
import { runVerify } from "./run";
import { selectVerifyTargets } from "./targets";

export const VERIFY_DEFAULT_POLL_SECONDS = 10;

export const VERIFY_USAGE = `Usage: npm run verify -- <stack> [service...] [options]

Checks that the last release of each service stuck: \`pulumi up\` reports success even when ECS's
circuit breaker or a deployment alarm rolled the service back to the previous revision.

  rolling, bluegreen  follows the service's newest (PRIMARY) deployment until it completes,
                      printing its rollout state, running/desired/pending and failed tasks and
                      the new service events. OK when it completed on the task definition the
                      stack declares (output taskDefinitionArn) and is the only deployment left.
                      Rolled back when ECS's service deployment says so (naming the circuit breaker
                      or the alarm that fired), a deployment's rolloutState is FAILED, the PRIMARY
                      deployment runs another revision than the stack's, or the followed
                      deployment was replaced.
  codedeploy          the deployment group's latest deployment, followed to its end if active:
                      OK when it succeeded; rolled back / failed when it failed or was stopped
                      (the rollback deployment is named). A group without any deployment yet is OK,
                      with a note (nothing released with \`npm run deploy\`).

Arguments:
  <stack>       Pulumi stack whose outputs describe the services (e.g. dev, prod)
  [service...]  keys of the stack output "services" to verify (default: all of them)

Options:
  --outputs-file FILE    read the stack outputs from FILE (JSON of \`pulumi stack output --json\`)
                         instead of running the Pulumi CLI
  --region R             AWS region (default: the stack output "region", then AWS_REGION)
  --poll-seconds N       seconds between status checks (default ${VERIFY_DEFAULT_POLL_SECONDS})
  --timeout-minutes M    stop watching each service after M minutes; deployments go on. Default:
                         rolling: batches x (health-check grace period + ${TASK_START_AND_HEALTH_MINUTES} min for task start
                         and health checks) + ${ALARM_BAKE_MINUTES} min alarm bake time when deployment alarms are on;
                         bluegreen: grace period + ${TASK_START_AND_HEALTH_MINUTES} min + the service's bake time;
                         codedeploy: traffic shift + termination wait + ${DEPLOYMENT_MARGIN_MINUTES} min (${DEFAULT_TIMEOUT_MINUTES} when the
                         outputs lack those figures)
  -h, --help             show this help

Exit codes: 0 every service verified; 1 a service rolled back, failed, was replaced, timed out
or could not be read from AWS; 2 usage error (bad arguments, stack outputs that cannot be read,
unknown service, outputs lacking a field); 130 interrupted (Ctrl-C stops watching, nothing else).
`;

export interface VerifyCliOptions {
    stack: string;
    services: string[];
    outputsFile?: string;
    region?: string;
    pollSeconds: number;
    /** Undefined unless --timeout-minutes is given: the default depends on each service. */
    timeoutMinutes?: number;
}

export type ParsedVerifyCommand = { help: true } | { help: false; options: VerifyCliOptions };

/** Parses argv (without node and script). Throws UsageError on anything that cannot work. */
export function parseVerifyArgs(argv: string[]): ParsedVerifyCommand {
    const parsed = parseCommandArgs(argv, {});
    if (!parsed) return { help: true };
    const { positionals, common } = parsed;
    if (positionals.length === 0) throw new UsageError("Expected <stack> [service...], got no argument.");
    const [stack, ...services] = positionals;
    return {
        help: false,
        options: { stack, services, ...common, pollSeconds: common.pollSeconds ?? VERIFY_DEFAULT_POLL_SECONDS },
    };
}

/** The whole command; returns the exit code. */
export async function runVerifyCli(io: CliIo): Promise<number> {
    const reporter = createConsoleReporter(io.stdout, io.stderr);
    try {
        const command = parseVerifyArgs(io.argv);
        if (command.help) {
            io.stdout.write(VERIFY_USAGE);
            return EXIT_SUCCESS;
        }
        return await verifyWith(command.options, io, reporter);
    } catch (e) {
        if (!(e instanceof DeployError)) throw e;
        reporter.error(`Error: ${e.message}`);
        if (e.exitCode === EXIT_USAGE) reporter.error("Run with --help for usage.");
        return e.exitCode;
    }
}

async function verifyWith(options: VerifyCliOptions, io: CliIo, reporter: Reporter): Promise<number> {
    const outputs = await loadOutputsAsUsage({ stack: options.stack, outputsFile: options.outputsFile }, io.loadOutputs);
    const region = resolveRegion(options.region, outputs, io.env);
    // Refusals (unknown service, missing fields) come before any AWS client is built.
    const where = options.outputsFile ? `outputs file ${options.outputsFile}` : `stack ${options.stack}`;
    selectVerifyTargets(outputs, options.services, where);
    const { ecs, codeDeploy } = (io.makeClients ?? realClients)(region);
    try {
        const result = await runVerify(
            { stack: options.stack, outputs, services: options.services, region, pollSeconds: options.pollSeconds, timeoutMinutes: options.timeoutMinutes, where },
            { ecs, codeDeploy, reporter, clock: io.clock ?? systemClock, signal: io.signal },
        );
        return result.exitCode;
    } finally {
        ecs.destroy();
        codeDeploy.destroy();
    }
}

function realClients(region: string): { ecs: ECSClient; codeDeploy: CodeDeployClient } {
    return { ecs: new ECSClient({ region }), codeDeploy: new CodeDeployClient({ region }) };
}
