/**
 * The service a drill runs on, read from the stack outputs (deploy/outputs.ts) and validated
 * before any AWS call: an unknown service, a field the drill needs that is missing, or a stack
 * without its notification topic is bad input (exit 2), never a failed drill.
 */
import { DeployError, UsageError } from "../errors";
import { isRecord, selectCodeDeployService, SERVICE_MODES, type CodeDeployServiceOutput, type ServiceMode, type StackOutputs } from "../outputs";

export const DRILL_KINDS = ["start", "health", "alarm"] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

export interface DrillTarget {
    /** Key of the service in the `services` stack output. */
    name: string;
    mode: ServiceMode;
    /** `kind` output; undefined on stacks whose outputs predate it (then ECS's load balancers decide). */
    kind?: "web" | "worker";
    clusterName: string;
    serviceName: string;
    serviceArn?: string;
    containerName: string;
    containerPort?: number;
    /** The image the stack declares. */
    image?: string;
    /** The service's rollback alarms (web: 5xx, latency, unhealthy hosts per colour; worker: the queue's USE alarms). */
    alarmNames: string[];
    scaling?: { min: number; max: number };
    /** codedeploy services: everything the deploy command needs (AppSpec template, deployment group). */
    codeDeploy?: CodeDeployServiceOutput;
}


export function parseDrillKind(text: string): DrillKind {
    if ((DRILL_KINDS as readonly string[]).includes(text)) return text as DrillKind;
    throw new UsageError(`--kind must be one of ${DRILL_KINDS.join(", ")}, got ${JSON.stringify(text)}.`);
}

/** The stack's notification topic: the drill proves that the failure reaches it. */
export function requireTopicArn(outputs: StackOutputs, where: string): string {
    const arn = outputs.topicArn;
    if (typeof arn !== "string" || !/^arn:[^:]+:sns:[^:]+:\d{12}:[A-Za-z0-9_.-]+$/.test(arn)) {
        throw new UsageError(
            `The outputs of ${where} have no topicArn (the deployment-notification topic)${arn === undefined ? "" : `, or it is not an SNS topic ARN: ${JSON.stringify(arn)}`}. ` +
                "Is the stack up to date (run `pulumi up`)?",
        );
    }
    return arn;
}

export function selectDrillTarget(outputs: StackOutputs, name: string, where: string): DrillTarget {
    const known = Object.keys(outputs.services).sort();
    if (!Object.prototype.hasOwnProperty.call(outputs.services, name)) {
        throw new UsageError(`Unknown service "${name}". Services in the outputs of ${where}: ${known.join(", ") || "(none)"}.`);
    }
    const entry = outputs.services[name];
    if (!isRecord(entry)) throw new UsageError(`services.${name} in the outputs of ${where} is not an object.`);
    const missing: string[] = [];
    const mode = entry.mode;
    if (!SERVICE_MODES.includes(mode as ServiceMode)) missing.push(`mode (got ${JSON.stringify(mode)})`);
    for (const field of ["clusterName", "serviceName", "containerName"]) {
        if (typeof entry[field] !== "string" || entry[field] === "") missing.push(field);
    }
    if (missing.length > 0) {
        throw new UsageError(`services.${name} in the outputs of ${where} lacks ${missing.join(", ")}. Is the stack up to date (run \`pulumi up\`)?`);
    }
    let codeDeploy: CodeDeployServiceOutput | undefined;
    if (mode === "codedeploy") {
        try {
            codeDeploy = selectCodeDeployService(outputs, name);
        } catch (e) {
            // A codedeploy service the deploy command could not release: the outputs are incomplete.
            if (e instanceof DeployError) throw new UsageError(e.message);
            throw e;
        }
    }
    const alarmNames = Array.isArray(entry.alarmNames) ? entry.alarmNames.filter((a): a is string => typeof a === "string" && a !== "") : [];
    const scaling = isRecord(entry.scaling) && typeof entry.scaling.min === "number" && typeof entry.scaling.max === "number"
        ? { min: entry.scaling.min, max: entry.scaling.max }
        : undefined;
    return {
        name,
        mode: mode as ServiceMode,
        kind: entry.kind === "web" || entry.kind === "worker" ? entry.kind : undefined,
        clusterName: entry.clusterName as string,
        serviceName: entry.serviceName as string,
        serviceArn: typeof entry.serviceArn === "string" ? entry.serviceArn : undefined,
        containerName: entry.containerName as string,
        containerPort: typeof entry.containerPort === "number" ? entry.containerPort : undefined,
        image: typeof entry.image === "string" && entry.image !== "" ? entry.image : undefined,
        alarmNames,
        scaling,
        codeDeploy,
    };
}
