/**
 * Which services `npm run verify` checks, read from the stack outputs (deploy/outputs.ts) and
 * validated before any AWS call: every problem of every selected service in one message.
 *
 * Needed per service: `mode`, `clusterName`, `serviceName`; for codedeploy services also
 * `codeDeploy.applicationName` and `codeDeploy.deploymentGroupName`. Optional, and refused only
 * when present and malformed: `taskDefinitionArn` (without it a completed rollback to the previous
 * revision can only be seen through ECS's service deployments), `codeDeploy.trafficShiftMinutes`
 * and `terminationWaitMinutes` (without them the CodeDeploy timeout is the 60-minute default).
 */
import { UsageError } from "../errors";
import { isRecord, SERVICE_MODES, TASK_DEFINITION_ARN, type CodeDeployOutput, type ServiceMode, type StackOutputs } from "../outputs";

export interface VerifyTarget {
    /** Key of the service in the `services` stack output. */
    name: string;
    mode: ServiceMode;
    clusterName: string;
    serviceName: string;
    /** The revision the stack declares; undefined on stacks whose outputs predate it. */
    taskDefinitionArn?: string;
    /** Present for codedeploy services. */
    codeDeploy?: CodeDeployOutput;
}

/**
 * The services to verify: `names` in the order given (duplicates dropped), or every service of
 * the stack, sorted, when none is named. Throws UsageError (exit 2) naming what is unknown,
 * missing or malformed.
 */
export function selectVerifyTargets(outputs: StackOutputs, names: string[], where: string): VerifyTarget[] {
    const known = Object.keys(outputs.services).sort();
    if (known.length === 0) {
        throw new UsageError(`The outputs of ${where} have no services: nothing to verify. Is the stack up to date (run \`pulumi up\`)?`);
    }
    const selected = names.length > 0 ? [...new Set(names)] : known;
    const unknown = selected.filter((name) => !Object.prototype.hasOwnProperty.call(outputs.services, name));
    if (unknown.length > 0) {
        throw new UsageError(
            `Unknown service${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => `"${n}"`).join(", ")}. ` +
                `Services in the outputs of ${where}: ${known.join(", ")}.`,
        );
    }
    const problems: string[] = [];
    const targets: VerifyTarget[] = [];
    for (const name of selected) {
        const { target, issues } = readTarget(name, outputs.services[name]);
        problems.push(...issues);
        if (target) targets.push(target);
    }
    if (problems.length > 0) {
        throw new UsageError(
            `The outputs of ${where} cannot be verified: ${problems.join("; ")}. ` +
                "Is the stack up to date (run `pulumi up`), and are these its outputs?",
        );
    }
    return targets;
}

function readTarget(name: string, entry: unknown): { target?: VerifyTarget; issues: string[] } {
    const at = `services.${name}`;
    if (!isRecord(entry)) return { issues: [`${at} is not an object`] };
    const missing: string[] = [];
    const malformed: string[] = [];
    const mode = entry.mode;
    if (mode === undefined || mode === null || mode === "") missing.push("mode");
    else if (!SERVICE_MODES.includes(mode as ServiceMode)) malformed.push(`mode ${JSON.stringify(mode)} (expected "rolling", "bluegreen" or "codedeploy")`);
    for (const field of ["clusterName", "serviceName"]) {
        if (typeof entry[field] !== "string" || entry[field] === "") missing.push(field);
    }
    const arn = entry.taskDefinitionArn;
    if (arn != null && (typeof arn !== "string" || !TASK_DEFINITION_ARN.test(arn))) {
        malformed.push(`taskDefinitionArn ${JSON.stringify(arn)} (not a task definition ARN)`);
    }
    let codeDeploy: CodeDeployOutput | undefined;
    if (mode === "codedeploy") {
        const group = isRecord(entry.codeDeploy) ? entry.codeDeploy : {};
        for (const field of ["applicationName", "deploymentGroupName"]) {
            if (typeof group[field] !== "string" || group[field] === "") missing.push(`codeDeploy.${field}`);
        }
        for (const field of ["trafficShiftMinutes", "terminationWaitMinutes"]) {
            const value = group[field];
            if (value != null && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
                malformed.push(`codeDeploy.${field} ${JSON.stringify(value)} (not a number of minutes)`);
            }
        }
        codeDeploy = group as unknown as CodeDeployOutput;
    }
    const issues = [
        ...(missing.length > 0 ? [`${at} lacks ${missing.join(", ")}`] : []),
        ...(malformed.length > 0 ? [`${at} has ${malformed.join(", ")}`] : []),
    ];
    if (issues.length > 0) return { issues };
    return {
        target: {
            name,
            mode: mode as ServiceMode,
            clusterName: entry.clusterName as string,
            serviceName: entry.serviceName as string,
            taskDefinitionArn: typeof arn === "string" ? arn : undefined,
            codeDeploy,
        },
        issues,
    };
}
