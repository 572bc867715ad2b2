/**
 * The command line of `npm run drill`: arguments, help, the production guard, wiring of the real
 * clients. scripts/drill.ts only adds the process glue (signals, exit code); everything here is
 * testable with injected streams, clients and outputs.
 */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { CliIo } from "../cli";
import { numberFlag, parseCommandArgs } from "../commandArgs";
import { createConsoleReporter, systemClock, type OutputStream, type Reporter } from "../console";
import { DeployError, EXIT_SUCCESS, EXIT_USAGE, UsageError } from "../errors";
import { loadOutputsAsUsage, resolveRegion } from "../outputs";
import { isProductionStack, type ProductionVerdict } from "./production";
import { drillJson } from "./report";
import { DEFAULT_NOTIFICATION_MINUTES, WATCH_MARGIN_MINUTES, printDrillReport, runDrill, type DrillClients } from "./run";
import { DRILL_KINDS, parseDrillKind, requireTopicArn, selectDrillTarget, type DrillKind } from "./target";
import { DEFAULT_TOLERANCE } from "./timing";

export const DRILL_DEFAULT_POLL_SECONDS = 10;
export const PRODUCTION_FLAG = "--i-understand-this-is-production";

export const DRILL_USAGE = `Usage: npm run drill -- <stack> <service> [--kind start|health|alarm] [options]

Rollback drill: releases a revision of <service> that fails on purpose, the way the service's mode
releases (UpdateService for rolling, bluegreen and workers; a CodeDeploy deployment for codedeploy),
follows it as \`npm run verify\` does, and passes only when
  1. the mechanism the plan predicts rolls it back (the circuit breaker for start and health on
     ECS-controller services, the deployment alarm for alarm, CodeDeploy's auto-rollback for
     codedeploy),
  2. within the modelled time to detect and roll back (policies/lib/timing.ts) plus the tolerance,
  3. the failure notification reaches the stack's topic (output topicArn; read through a temporary
     SQS queue subscribed for the drill), and
  4. the service ends on its previous revision, steady.
Whatever happens (failure, Ctrl-C), the service is put back on its previous revision if it still
runs the drill's, the drill's revision is deregistered, a forced alarm is set back to OK, auto
scaling is resumed, and the queue and its subscription are deleted.

Kinds:
  start    the stack's image with a tag that cannot exist: the task never starts (default)
  health   web: the container runs a shell loop that never opens its port, so the target group's
           health check fails; worker: the container health check command is \`exit 1\`
  alarm    an otherwise identical revision; one of the service's rollback alarms (5xx for web,
           the queue's for workers) is set to ALARM with CloudWatch SetAlarmState while it deploys

Arguments:
  <stack>     Pulumi stack (e.g. dev, or org/dev); policies/config/<stack>.json decides whether
              it is production
  <service>   key of the service in the stack output "services"

Options:
  --kind K                    start | health | alarm (default start)
  --json                      print the report as JSON on stdout (progress goes to stderr)
  --outputs-file FILE         read the stack outputs from FILE instead of running the Pulumi CLI
  --region R                  AWS region (default: the stack output "region", then AWS_REGION)
  --poll-seconds N            seconds between status checks (default ${DRILL_DEFAULT_POLL_SECONDS})
  --timeout-minutes M         stop watching after M minutes (default: the allowance + ${WATCH_MARGIN_MINUTES} min,
                              and at least what a deployment of the service may take)
  --notification-minutes N    wait this long for the notification after the failure (default ${DEFAULT_NOTIFICATION_MINUTES})
  --tolerance-percent P       allowed excess over the model, in percent (default ${DEFAULT_TOLERANCE.percent})
  --tolerance-minutes M       allowed excess over the model, in minutes, added (default ${DEFAULT_TOLERANCE.minutes})
  ${PRODUCTION_FLAG}
                              drill a stack whose policy config makes test-listener-not-public
                              mandatory (production); refused without it
  -h, --help                  show this help

Exit codes: 0 the way back worked and the team was notified; 1 it did not (or the drill could not
run: another deployment in progress, an AWS call refused); 2 bad input (arguments, production
without the flag, unknown stack or service, outputs lacking a field, a kind that does not apply);
130 interrupted (after the clean-up).
`;

export interface DrillCliOptions {
    stack: string;
    service: string;
    kind: DrillKind;
    json: boolean;
    outputsFile?: string;
    region?: string;
    pollSeconds: number;
    timeoutMinutes?: number;
    notificationMinutes: number;
    tolerancePercent: number;
    toleranceMinutes: number;
    production: boolean;
}

export type ParsedDrillCommand = { help: true } | { help: false; options: DrillCliOptions };

export function parseDrillArgs(argv: string[]): ParsedDrillCommand {
    const parsed = parseCommandArgs(argv, {
        kind: { type: "string" },
        json: { type: "boolean" },
        "notification-minutes": { type: "string" },
        "tolerance-percent": { type: "string" },
        "tolerance-minutes": { type: "string" },
        [PRODUCTION_FLAG.slice(2)]: { type: "boolean" },
    });
    if (!parsed) return { help: true };
    const { values, positionals, common } = parsed;
    if (positionals.length !== 2) throw new UsageError(`Expected <stack> <service>, got ${positionals.length} argument(s).`);
    const [stack, service] = positionals;
    const kind = parseDrillKind((values.kind as string | undefined) ?? "start");
    const flag = (name: string, positive: boolean) => numberFlag(`--${name}`, values[name] as string | undefined, { positive });
    return {
        help: false,
        options: {
            stack,
            service,
            kind,
            json: (values.json as boolean | undefined) ?? false,
            ...common,
            pollSeconds: common.pollSeconds ?? DRILL_DEFAULT_POLL_SECONDS,
            notificationMinutes: flag("notification-minutes", true) ?? DEFAULT_NOTIFICATION_MINUTES,
            tolerancePercent: flag("tolerance-percent", false) ?? DEFAULT_TOLERANCE.percent,
            toleranceMinutes: flag("tolerance-minutes", false) ?? DEFAULT_TOLERANCE.minutes,
            production: (values[PRODUCTION_FLAG.slice(2)] as boolean | undefined) ?? false,
        },
    };
}

export interface DrillCliIo extends Omit<CliIo, "makeClients"> {
    makeClients?: (region: string) => DrillClients;
    /** Whether the stack is production (default: policies/config/<stack>.json). */
    isProduction?: (stack: string) => Promise<ProductionVerdict>;
    /** Receives the commands that undo what is still pending, for a clean-up that is abandoned. */
    onCleanupPending?: (pending: () => string[]) => void;
}

/** The whole command; returns the exit code. */
export async function runDrillCli(io: DrillCliIo): Promise<number> {
    let json = false;
    const reporterFor = (asJson: boolean): Reporter => (asJson ? createConsoleReporter(io.stderr, io.stderr) : createConsoleReporter(io.stdout, io.stderr));
    let reporter = reporterFor(false);
    try {
        const command = parseDrillArgs(io.argv);
        if (command.help) {
            io.stdout.write(DRILL_USAGE);
            return EXIT_SUCCESS;
        }
        json = command.options.json;
        reporter = reporterFor(json);
        return await drillWith(command.options, io, reporter, io.stdout);
    } catch (e) {
        if (!(e instanceof DeployError)) throw e;
        reporter.error(`Error: ${e.message}`);
        if (e.exitCode === EXIT_USAGE) reporter.error("Run with --help for usage.");
        if (json) io.stdout.write(`${JSON.stringify({ passed: false, exitCode: e.exitCode, error: e.message }, null, 2)}\n`);
        return e.exitCode;
    }
}

async function drillWith(options: DrillCliOptions, io: DrillCliIo, reporter: Reporter, stdout: OutputStream): Promise<number> {
    // The production guard comes first: nothing is read from the stack before it.
    const verdict = await (io.isProduction ?? ((stack: string) => isProductionStack(stack)))(options.stack);
    if (verdict.production && !options.production) {
        throw new UsageError(
            `Refusing to drill stack ${options.stack}: ${verdict.reason}. A drill releases a failing revision to the service; ` +
                `add ${PRODUCTION_FLAG} if that is what you want.`,
        );
    }
    if (verdict.production) reporter.error(`Warning: stack ${options.stack} is production (${verdict.reason}); drilling it as asked.`);
    const outputs = await loadOutputsAsUsage({ stack: options.stack, outputsFile: options.outputsFile }, io.loadOutputs);
    const where = options.outputsFile ? `outputs file ${options.outputsFile}` : `stack ${options.stack}`;
    // Bad input is refused before any AWS client is built.
    selectDrillTarget(outputs, options.service, where);
    requireTopicArn(outputs, where);
    const region = resolveRegion(options.region, outputs, io.env);
    const clients = (io.makeClients ?? realClients)(region);
    try {
        const report = await runDrill(
            {
                stack: options.stack,
                outputs,
                service: options.service,
                kind: options.kind,
                region,
                pollSeconds: options.pollSeconds,
                timeoutMinutes: options.timeoutMinutes,
                notificationMinutes: options.notificationMinutes,
                tolerance: { percent: options.tolerancePercent, minutes: options.toleranceMinutes },
                where,
            },
            { ...clients, reporter, clock: io.clock ?? systemClock, signal: io.signal, onCleanupPending: io.onCleanupPending },
        );
        if (report.steps.length > 0) printDrillReport(report, reporter);
        if (options.json) stdout.write(`${drillJson(report)}\n`);
        return report.exitCode;
    } finally {
        for (const client of Object.values(clients)) client?.destroy();
    }
}

function realClients(region: string): DrillClients {
    return {
        ecs: new ECSClient({ region }),
        codeDeploy: new CodeDeployClient({ region }),
        sqs: new SQSClient({ region }),
        sns: new SNSClient({ region }),
        cloudWatch: new CloudWatchClient({ region }),
        autoScaling: new ApplicationAutoScalingClient({ region }),
    };
}

export { DRILL_KINDS };
