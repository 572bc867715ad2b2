/**
 * A new task definition revision: the one the service runs now, with one container's image
 * replaced. Everything else (roles, secrets, logging, sizes...) is copied so the deploy
 * changes the image and nothing more.
 */
import {
    DescribeServicesCommand,
    DescribeTaskDefinitionCommand,
    ECSClient,
    RegisterTaskDefinitionCommand,
    type RegisterTaskDefinitionCommandInput,
    type Service,
    type Tag,
    type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { DeployError } from "./errors";

/**
 * Fields of a described task definition that RegisterTaskDefinition accepts. A whitelist, so
 * read-only fields (taskDefinitionArn, revision, status, requiresAttributes, compatibilities,
 * registeredAt, registeredBy, deregisteredAt, deleteRequestedAt) can never leak into the request.
 */
export const REGISTRABLE_FIELDS = [
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
    "ephemeralStorage",
    "proxyConfiguration",
    "pidMode",
    "ipcMode",
    "inferenceAccelerators",
    "enableFaultInjection",
] as const satisfies readonly (keyof RegisterTaskDefinitionCommandInput & keyof TaskDefinition)[];

// Compile-time guard: when an SDK upgrade adds a registrable field, tsc fails here until the
// field is listed above; otherwise a deploy would silently drop that setting.
type UncopiedField = Exclude<keyof RegisterTaskDefinitionCommandInput, (typeof REGISTRABLE_FIELDS)[number] | "tags">;
const allRegistrableFieldsCopied: [UncopiedField] extends [never] ? true : UncopiedField = true;
void allRegistrableFieldsCopied;

export interface RegisteredTaskDefinition {
    taskDefinitionArn: string;
    previousTaskDefinitionArn: string;
    previousImage: string | undefined;
}

/** The task definition production runs: the PRIMARY task set's (CODE_DEPLOY services use task sets). */
export async function currentTaskDefinitionArn(ecs: ECSClient, cluster: string, serviceName: string): Promise<string> {
    const { services, failures } = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
    const service = services?.[0];
    if (!service || (failures && failures.length > 0)) {
        const reason = failures?.[0]?.reason ?? "not returned";
        throw new DeployError(`ECS service ${serviceName} in cluster ${cluster}: ${reason}.`);
    }
    assertCodeDeployService(service, cluster);
    const arn =
        service.taskSets?.find((set) => set.status === "PRIMARY")?.taskDefinition ??
        service.deployments?.find((deployment) => deployment.status === "PRIMARY")?.taskDefinition ??
        service.taskDefinition;
    if (!arn) {
        throw new DeployError(`ECS service ${serviceName} has no current task definition (no PRIMARY task set).`);
    }
    return arn;
}

/** The RegisterTaskDefinition request: a copy of `taskDefinition` with `containerName` running `image`. */
export function registrationWithImage(
    taskDefinition: TaskDefinition,
    tags: Tag[] | undefined,
    containerName: string,
    image: string,
): RegisterTaskDefinitionCommandInput {
    const request: Record<string, unknown> = {};
    for (const field of REGISTRABLE_FIELDS) {
        if (taskDefinition[field] !== undefined) {
            // Deep copy: the caller's described task definition must stay untouched.
            request[field] = structuredClone(taskDefinition[field]);
        }
    }
    const containers = (request.containerDefinitions ?? []) as NonNullable<TaskDefinition["containerDefinitions"]>;
    const container = containers.find((c) => c.name === containerName);
    if (!container) {
        const names = containers.map((c) => c.name).join(", ") || "(none)";
        throw new DeployError(
            `Task definition ${describeRevision(taskDefinition)} has no container named "${containerName}" ` +
                `(its containers: ${names}). The stack output containerName must name the load-balanced container.`,
        );
    }
    container.image = image;
    const userTags = (tags ?? []).filter((tag) => !tag.key?.startsWith("aws:"));
    if (userTags.length > 0) {
        // "aws:" tags are reserved: AWS sets them and refuses them in a registration.
        request.tags = userTags.map((tag) => ({ ...tag }));
    }
    return request as unknown as RegisterTaskDefinitionCommandInput;
}

/** Registers a new revision of `currentArn` with the new image; returns its ARN. */
export async function registerWithImage(
    ecs: ECSClient,
    currentArn: string,
    containerName: string,
    image: string,
): Promise<RegisteredTaskDefinition> {
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: currentArn, include: ["TAGS"] }));
    if (!described.taskDefinition) {
        throw new DeployError(`DescribeTaskDefinition returned nothing for ${currentArn}.`);
    }
    const previousImage = described.taskDefinition.containerDefinitions?.find((c) => c.name === containerName)?.image;
    const request = registrationWithImage(described.taskDefinition, described.tags, containerName, image);
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(request));
    const arn = registered.taskDefinition?.taskDefinitionArn;
    if (!arn) {
        throw new DeployError("RegisterTaskDefinition returned no task definition ARN.");
    }
    return { taskDefinitionArn: arn, previousTaskDefinitionArn: currentArn, previousImage };
}

/** Refuses services ECS deploys itself: CodeDeploy would fail on them with a less clear error. */
function assertCodeDeployService(service: Service, cluster: string): void {
    if (service.status && service.status !== "ACTIVE") {
        throw new DeployError(`ECS service ${service.serviceName} in cluster ${cluster} is ${service.status}.`);
    }
    const controller = service.deploymentController?.type ?? "ECS";
    if (controller !== "CODE_DEPLOY") {
        throw new DeployError(
            `ECS service ${service.serviceName} uses the ${controller} deployment controller, not CODE_DEPLOY, ` +
                "although the stack outputs say codedeploy. Is the stack up to date (run `pulumi up`)?",
        );
    }
}

function describeRevision(taskDefinition: TaskDefinition): string {
    if (taskDefinition.family && taskDefinition.revision !== undefined) {
        return `${taskDefinition.family}:${taskDefinition.revision}`;
    }
    return taskDefinition.taskDefinitionArn ?? taskDefinition.family ?? "(unnamed)";
}
