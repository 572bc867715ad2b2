/**
 * The command line of `npm run deploy`: arguments, help, wiring of the real dependencies.
 * scripts/deploy.ts only adds the process glue (signals, exit code); everything here is
 * testable with injected streams, clients and outputs.
 */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import { parseCommandArgs } from "./commandArgs";
import { createConsoleReporter, systemClock, type Clock, type OutputStream, type Reporter } from "./console";
import { DeployError, EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE, UsageError } from "./errors";
import { loadStackOutputs, resolveRegion, selectCodeDeployService, type OutputsSource, type StackOutputs } from "./outputs";
import { runDeploy } from "./run";
import { DEFAULT_TIMEOUT_MINUTES, DEPLOYMENT_MARGIN_MINUTES } from "./timeout";

export const DEFAULT_POLL_SECONDS = 10;

export const USAGE = `Usage: npm run deploy -- <stack> <service> <image> [options]

Deploys a new image to a CODE_DEPLOY-controlled ECS service: registers a copy of the task
definition the stack declares (output services.<service>.taskDefinitionArn, registered by
\`pulumi up\`) with <image> for the service's container, so configuration changes (environment,
secrets, cpu, memory) go out with the image; starts a CodeDeploy blue/green deployment with the
stack's AppSpec, and follows it (and any rollback) to the end. A stack that does not export
taskDefinitionArn yet gets a copy of the running revision (image change only) and a warning.
Rolling and bluegreen services are released with \`pulumi up\` instead.

CodeDeploy runs one deployment per deployment group at a time, and a deployment stays active
through its termination wait. If one is active, the command stops before registering anything
and names it (exit 1), unless --wait-for-active is given.

Arguments:
  <stack>     Pulumi stack whose outputs describe the services (e.g. dev, prod)
  <service>   key of the service in the stack output "services"
  <image>     the new container image (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2)

Options:
  --outputs-file FILE    read the stack outputs from FILE (JSON of \`pulumi stack output --json\`)
                         instead of running the Pulumi CLI
  --region R             AWS region (default: the stack output "region", then AWS_REGION)
  --poll-seconds N       seconds between status checks (default ${DEFAULT_POLL_SECONDS})
  --timeout-minutes M    stop watching a deployment after M minutes; the deployment itself goes on.
                         Default: the stack's traffic shift + termination wait minutes (outputs
                         codeDeploy.trafficShiftMinutes, terminationWaitMinutes) + ${DEPLOYMENT_MARGIN_MINUTES} for task
                         start and health checks; ${DEFAULT_TIMEOUT_MINUTES} when the outputs lack them
  --wait-for-active      if a deployment is already active in the group, follow it to its end
                         (whatever its outcome, within the timeout), then release
  --description TEXT     description of the CodeDeploy deployment
  -h, --help             show this help

Exit codes: 0 succeeded; 1 failed / stopped / rolled back / timed out, or another deployment
active; 2 usage error; 130 interrupted (Ctrl-C stops watching, not the deployment).
`;

export interface CliOptions {
    stack: string;
    service: string;
    image: string;
    outputsFile?: string;
    region?: string;
    pollSeconds: number;
    /** Undefined unless --timeout-minutes is given: the default depends on the stack outputs. */
    timeoutMinutes?: number;
    waitForActive: boolean;
    description?: string;
}

export type ParsedCommand = { help: true } | { help: false; options: CliOptions };

/** Parses argv (without node and script). Throws UsageError on anything that cannot work. */
export function parseDeployArgs(argv: string[]): ParsedCommand {
    const parsed = parseCommandArgs(argv, {
        "wait-for-active": { type: "boolean" },
        description: { type: "string" },
    });
    if (!parsed) return { help: true };
    const { values, positionals, common } = parsed;
    if (positionals.length !== 3) {
        throw new UsageError(`Expected <stack> <service> <image>, got ${positionals.length} argument(s).`);
    }
    const [stack, service, image] = positionals;
    if (!/^\S+$/.test(image)) {
        throw new UsageError(`Invalid image ${JSON.stringify(image)}: an image reference has no spaces.`);
    }
    return {
        help: false,
        options: {
            stack,
            service,
            image,
            ...common,
            pollSeconds: common.pollSeconds ?? DEFAULT_POLL_SECONDS,
            waitForActive: (values["wait-for-active"] as boolean | undefined) ?? false,
            description: values.description as string | undefined,
        },
    };
}

export interface CliIo {
    argv: string[];
    env: NodeJS.ProcessEnv;
    stdout: OutputStream;
    stderr: OutputStream;
    signal?: AbortSignal;
    clock?: Clock;
    loadOutputs?: (source: OutputsSource) => Promise<StackOutputs>;
    makeClients?: (region: string) => { ecs: ECSClient; codeDeploy: CodeDeployClient; autoScaling?: ApplicationAutoScalingClient };
}

/** The whole command; returns the exit code. */
export async function runCli(io: CliIo): Promise<number> {
    const reporter = createConsoleReporter(io.stdout, io.stderr);
    try {
        const command = parseDeployArgs(io.argv);
        if (command.help) {
            io.stdout.write(USAGE);
            return EXIT_SUCCESS;
        }
        return await deployWith(command.options, io, reporter);
    } catch (e) {
        if (!(e instanceof DeployError)) throw e;
        reporter.error(`Error: ${e.message}`);
        if (e.exitCode === EXIT_USAGE) reporter.error("Run with --help for usage.");
        return e.exitCode;
    }
}

async function deployWith(options: CliOptions, io: CliIo, reporter: Reporter): Promise<number> {
    const loadOutputs = io.loadOutputs ?? ((source: OutputsSource) => loadStackOutputs(source));
    const outputs = await loadOutputs({ stack: options.stack, outputsFile: options.outputsFile });
    // Refuse an unknown or non-codedeploy service before building AWS clients or resolving a region.
    selectCodeDeployService(outputs, options.service);
    const region = resolveRegion(options.region, outputs, io.env);
    const { ecs, codeDeploy, autoScaling } = (io.makeClients ?? realClients)(region);
    try {
        const result = await runDeploy(
            { ...options, outputs, region },
            { ecs, codeDeploy, autoScaling, reporter, clock: io.clock ?? systemClock, signal: io.signal },
        );
        return result.exitCode;
    } catch (e) {
        reporter.error(`Error: ${(e as Error).message}`);
        return EXIT_FAILURE;
    } finally {
        ecs.destroy();
        codeDeploy.destroy();
        autoScaling?.destroy();
    }
}

function realClients(region: string): { ecs: ECSClient; codeDeploy: CodeDeployClient; autoScaling?: ApplicationAutoScalingClient } {
    return { ecs: new ECSClient({ region }), codeDeploy: new CodeDeployClient({ region }), autoScaling: new ApplicationAutoScalingClient({ region }) };
}
