/**
 * The contract between the Pulumi program and the deploy command: the stack outputs.
 *
 *   region:   "eu-west-1"
 *   services: { <name>: { mode, clusterName, serviceName, serviceArn, containerName,
 *                         containerPort, taskDefinitionArn?,
 *                         codeDeploy?: { applicationName, deploymentGroupName,
 *                                        trafficShiftMinutes?, terminationWaitMinutes? },
 *                         appSpecTemplate? } }
 *
 *   taskDefinitionArn       the revision `pulumi up` registered from the stack's config. A
 *                           CODE_DEPLOY service never runs it by itself (ECS ignores its
 *                           taskDefinition), so a release copies it with the new image: that is
 *                           how environment, cpu and memory changes reach production.
 *   trafficShiftMinutes     minutes from the first to the last traffic shift of the deployment
 *                           config (0 all-at-once, 9 linear 10% every minute, 5 canary 10% 5 min)
 *   terminationWaitMinutes  minutes the original task set is kept after the last shift
 *
 * taskDefinitionArn, trafficShiftMinutes and terminationWaitMinutes came later: stacks not
 * updated since lack them, and the command works without them (with a warning), so it must
 * never require them.
 *
 * Read with `pulumi stack output --json --show-secrets --stack <stack>`, or from a file
 * holding the same JSON (CI jobs that already exported the outputs, tests).
 */
import { execFile as execFileCallback } from "node:child_process";
import { readFile as readFileAsync } from "node:fs/promises";
import { promisify } from "node:util";
import { DeployError, UsageError } from "./errors";

export type ServiceMode = "rolling" | "codedeploy" | "bluegreen";
export const SERVICE_MODES: readonly ServiceMode[] = ["rolling", "bluegreen", "codedeploy"];
/** What a service's taskDefinitionArn output must look like. */
export const TASK_DEFINITION_ARN = /^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\/\S+$/;

export interface ServiceOutput {
    mode: ServiceMode;
    clusterName: string;
    serviceName: string;
    serviceArn: string;
    containerName: string;
    containerPort: number;
    /** The task definition revision the stack declares (registered by `pulumi up`). */
    taskDefinitionArn?: string;
    codeDeploy?: CodeDeployOutput;
    appSpecTemplate?: string;
    /** Present when Application Auto Scaling owns the task count. */
    scaling?: { min: number; max: number };
}

export interface CodeDeployOutput {
    applicationName: string;
    deploymentGroupName: string;
    /** Minutes from the first to the last traffic shift of the deployment config. */
    trafficShiftMinutes?: number;
    /** Minutes the original (blue) task set is kept after the last shift. */
    terminationWaitMinutes?: number;
}

/** A service this command can deploy: the CodeDeploy fields are present. */
export interface CodeDeployServiceOutput extends ServiceOutput {
    mode: "codedeploy";
    codeDeploy: CodeDeployOutput;
    appSpecTemplate: string;
}

export interface StackOutputs {
    region?: string;
    /** The stack's deployment-notification SNS topic (read by the rollback drill). */
    topicArn?: string;
    /** Entries stay loosely typed until selected: a malformed entry for another service must not block this one. */
    services: Record<string, unknown>;
}

export interface OutputsSource {
    stack: string;
    /** When given, read this JSON file instead of running the Pulumi CLI. */
    outputsFile?: string;
}

export type ExecFileFn = (file: string, args: string[], options: { maxBuffer: number }) => Promise<{ stdout: string; stderr?: string }>;

export interface OutputsIo {
    execFile?: ExecFileFn;
    readFile?: (path: string) => Promise<string>;
}

const defaultExecFile: ExecFileFn = promisify(execFileCallback) as unknown as ExecFileFn;
const defaultReadFile = (path: string): Promise<string> => readFileAsync(path, "utf8");

/** The Pulumi CLI arguments; exported so tests and docs show exactly what runs. */
export function pulumiOutputArgs(stack: string): string[] {
    return ["stack", "output", "--json", "--show-secrets", "--stack", stack];
}

export async function loadStackOutputs(source: OutputsSource, io: OutputsIo = {}): Promise<StackOutputs> {
    const text = source.outputsFile
        ? await readOutputsFile(source.outputsFile, io.readFile ?? defaultReadFile)
        : await runPulumiStackOutput(source.stack, io.execFile ?? defaultExecFile);
    const where = source.outputsFile ? `outputs file ${source.outputsFile}` : `stack ${source.stack}`;
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new DeployError(`The outputs of ${where} are not valid JSON: ${(e as Error).message}`);
    }
    return parseStackOutputs(raw, where);
}

/**
 * The outputs for a command that only watches (verify, drill), loaded with `load` (tests pass
 * their own): a stack that cannot be read (unknown stack, the Pulumi CLI failing or missing, a
 * file that is not the outputs) means the command was asked something it cannot check. That is
 * a usage error (exit 2), which a pipeline must not mistake for a rollback or a failed drill (exit 1).
 */
export async function loadOutputsAsUsage(
    source: OutputsSource,
    load: (source: OutputsSource) => Promise<StackOutputs> = (s) => loadStackOutputs(s),
): Promise<StackOutputs> {
    try {
        return await load(source);
    } catch (e) {
        if (e instanceof DeployError) throw new UsageError(e.message);
        throw e;
    }
}
export function parseStackOutputs(raw: unknown, where = "the stack"): StackOutputs {
    if (!isRecord(raw)) {
        throw new DeployError(`The outputs of ${where} are not a JSON object.`);
    }
    if (!isRecord(raw.services)) {
        throw new DeployError(
            `The outputs of ${where} have no "services" object. Is the stack up to date (run \`pulumi up\`)?`,
        );
    }
    const region = typeof raw.region === "string" && raw.region !== "" ? raw.region : undefined;
    const topicArn = typeof raw.topicArn === "string" && raw.topicArn !== "" ? raw.topicArn : undefined;
    return { region, services: raw.services, ...(topicArn ? { topicArn } : {}) };
}

/**
 * The service to deploy, refusing what this command must not touch: an unknown name, or a
 * service whose rollout belongs to ECS (rolling, ECS native blue/green) and so to `pulumi up`.
 */
export function selectCodeDeployService(outputs: StackOutputs, name: string): CodeDeployServiceOutput {
    const known = Object.keys(outputs.services).sort();
    if (!Object.prototype.hasOwnProperty.call(outputs.services, name)) {
        const list = known.length > 0 ? known.join(", ") : "(none)";
        throw new UsageError(`Unknown service "${name}". Services in the stack outputs: ${list}.`);
    }
    const entry = outputs.services[name];
    if (!isRecord(entry)) {
        throw new DeployError(`Stack output services.${name} is not an object.`);
    }
    if (entry.mode === "rolling" || entry.mode === "bluegreen") {
        throw new UsageError(
            `Service "${name}" uses the "${entry.mode}" mode, which this command does not deploy: ` +
                "rolling and bluegreen services are released with `pulumi up` after changing the image in config. " +
                'Only "codedeploy" services are deployed with this command.',
        );
    }
    if (entry.mode !== "codedeploy") {
        throw new DeployError(
            `Stack output services.${name}.mode is ${JSON.stringify(entry.mode)}; expected "rolling", "codedeploy" or "bluegreen".`,
        );
    }
    const missing = missingCodeDeployFields(entry);
    if (missing.length > 0) {
        throw new DeployError(
            `Stack output services.${name} lacks ${missing.join(", ")}. Is the stack up to date (run \`pulumi up\`)?`,
        );
    }
    const malformed = malformedOptionalFields(entry);
    if (malformed.length > 0) {
        throw new DeployError(`Stack output services.${name} has ${malformed.join("; ")}. Check the Pulumi program's outputs.`);
    }
    return entry as unknown as CodeDeployServiceOutput;
}

/**
 * Region precedence: the explicit flag, then the region the stack was deployed to (so a
 * stale AWS_REGION in the shell cannot send the deployment elsewhere), then the environment.
 */
export function resolveRegion(flag: string | undefined, outputs: StackOutputs, env: NodeJS.ProcessEnv): string {
    const region = flag || outputs.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (!region) {
        throw new UsageError("No AWS region: pass --region, export a `region` stack output, or set AWS_REGION.");
    }
    return region;
}

function missingCodeDeployFields(entry: Record<string, unknown>): string[] {
    const missing: string[] = [];
    for (const field of ["clusterName", "serviceName", "containerName", "appSpecTemplate"]) {
        if (typeof entry[field] !== "string" || entry[field] === "") missing.push(field);
    }
    if (typeof entry.containerPort !== "number") missing.push("containerPort");
    const codeDeploy = entry.codeDeploy;
    for (const field of ["applicationName", "deploymentGroupName"]) {
        if (!isRecord(codeDeploy) || typeof codeDeploy[field] !== "string" || codeDeploy[field] === "") {
            missing.push(`codeDeploy.${field}`);
        }
    }
    return missing;
}

/**
 * Optional fields may be absent or null (an older stack), but one that is present and wrong would
 * silently deploy the wrong revision or compute a wrong timeout: refuse it.
 */
function malformedOptionalFields(entry: Record<string, unknown>): string[] {
    const malformed: string[] = [];
    const arn = entry.taskDefinitionArn;
    if (arn != null && (typeof arn !== "string" || !TASK_DEFINITION_ARN.test(arn))) {
        malformed.push(`taskDefinitionArn ${JSON.stringify(arn)}, not a task definition ARN`);
    }
    const codeDeploy = entry.codeDeploy as Record<string, unknown>;
    for (const field of ["trafficShiftMinutes", "terminationWaitMinutes"]) {
        const value = codeDeploy[field];
        if (value != null && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
            malformed.push(`codeDeploy.${field} ${JSON.stringify(value)}, not a number of minutes`);
        }
    }
    return malformed;
}

async function runPulumiStackOutput(stack: string, execFile: ExecFileFn): Promise<string> {
    try {
        // execFile, not exec: the stack name never goes through a shell.
        const { stdout } = await execFile("pulumi", pulumiOutputArgs(stack), { maxBuffer: 64 * 1024 * 1024 });
        return stdout;
    } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string };
        if (err.code === "ENOENT") {
            throw new DeployError("The pulumi CLI was not found on PATH. Install it, or pass --outputs-file FILE.");
        }
        const detail = (err.stderr ?? "").trim() || err.message;
        throw new DeployError(`\`pulumi ${pulumiOutputArgs(stack).join(" ")}\` failed: ${detail}`);
    }
}

async function readOutputsFile(path: string, readFile: (path: string) => Promise<string>): Promise<string> {
    try {
        return await readFile(path);
    } catch (e) {
        throw new DeployError(`Cannot read outputs file ${path}: ${(e as Error).message}`);
    }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
