/**
 * A new task definition revision: the one the stack declares (registered by `pulumi up`), or
 * the one the service runs when the stack does not export it, with one container's image
 * replaced. Everything else (roles, secrets, logging, sizes...) is copied, so the release
 * carries the stack's configuration and the new image. Also: what such a release changes
 * compared with the running revision, for the operator to see before it goes out.
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

/** A DescribeTaskDefinition answer: the revision and its tags (copied into the new revision). */
export interface DescribedTaskDefinition {
    taskDefinition: TaskDefinition;
    tags?: Tag[];
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

export async function describeTaskDefinition(ecs: ECSClient, arn: string): Promise<DescribedTaskDefinition> {
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
    if (!described.taskDefinition) {
        throw new DeployError(`DescribeTaskDefinition returned nothing for ${arn}.`);
    }
    return { taskDefinition: described.taskDefinition, tags: described.tags };
}

/** Registers a copy of `source` with the new image; returns the new revision's ARN. */
export async function registerWithImage(
    ecs: ECSClient,
    source: DescribedTaskDefinition,
    containerName: string,
    image: string,
): Promise<string> {
    return registerTaskDefinition(ecs, registrationWithImage(source.taskDefinition, source.tags, containerName, image));
}

/** Registers `request`; returns the new revision's ARN. */
export async function registerTaskDefinition(ecs: ECSClient, request: RegisterTaskDefinitionCommandInput): Promise<string> {
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(request));
    const arn = registered?.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new DeployError("RegisterTaskDefinition returned no task definition ARN.");
    return arn;
}

export function containerImage(taskDefinition: TaskDefinition, containerName: string): string | undefined {
    return taskDefinition.containerDefinitions?.find((c) => c.name === containerName)?.image;
}

/**
 * Fields whose values are printed. Everything else is named only: environment values,
 * commands, log options and the like may hold secrets, and a deploy log is widely readable.
 */
const SHOWN_TASK_FIELDS = new Set(["family", "cpu", "memory"]);
const SHOWN_CONTAINER_FIELDS = new Set(["image", "cpu", "memory", "memoryReservation"]);

/**
 * What a release of `declared` changes compared with `running`, besides the image of
 * `containerName` (the release replaces it anyway): one line per change, e.g.
 * `task memory 1024 -> 2048`, `container app: environment added FEATURE_X; changed LOG_LEVEL`.
 * Names only for environment variables and secrets, never values. Empty when nothing differs.
 */
export function configurationChanges(running: TaskDefinition, declared: TaskDefinition, containerName: string): string[] {
    const lines: string[] = [];
    const taskFields = REGISTRABLE_FIELDS.filter((field) => field !== "containerDefinitions");
    const changed = taskFields.filter((field) => !sameSetting(running[field], declared[field]));
    for (const field of changed.filter((f) => SHOWN_TASK_FIELDS.has(f))) {
        lines.push(`task ${field} ${shown(running[field])} -> ${shown(declared[field])}`);
    }
    const named = changed.filter((f) => !SHOWN_TASK_FIELDS.has(f));
    if (named.length > 0) lines.push(`task settings changed: ${named.join(", ")}`);

    const before = new Map((running.containerDefinitions ?? []).map((c) => [c.name ?? "", c]));
    const after = new Map((declared.containerDefinitions ?? []).map((c) => [c.name ?? "", c]));
    for (const [name, container] of after) {
        const previous = before.get(name);
        if (!previous) {
            lines.push(`container ${name} added`);
            continue;
        }
        const ignored = name === containerName ? ["image"] : [];
        lines.push(...containerChanges(name, previous, container, ignored));
    }
    for (const name of before.keys()) {
        if (!after.has(name)) lines.push(`container ${name} removed`);
    }
    return lines;
}

type ContainerDefinition = NonNullable<TaskDefinition["containerDefinitions"]>[number];

function containerChanges(name: string, running: ContainerDefinition, declared: ContainerDefinition, ignored: string[]): string[] {
    const lines: string[] = [];
    for (const field of ["environment", "secrets"] as const) {
        const change = namedEntryChanges(running[field], declared[field]);
        if (change) lines.push(`container ${name}: ${field} ${change}`);
    }
    const fields = [...new Set([...Object.keys(running), ...Object.keys(declared)])]
        .filter((field) => field !== "environment" && field !== "secrets" && !ignored.includes(field))
        .filter((field) => !sameSetting(running[field as keyof ContainerDefinition], declared[field as keyof ContainerDefinition]))
        .sort();
    for (const field of fields.filter((f) => SHOWN_CONTAINER_FIELDS.has(f))) {
        const key = field as keyof ContainerDefinition;
        lines.push(`container ${name}: ${field} ${shown(running[key])} -> ${shown(declared[key])}`);
    }
    const named = fields.filter((f) => !SHOWN_CONTAINER_FIELDS.has(f));
    if (named.length > 0) lines.push(`container ${name}: settings changed: ${named.join(", ")}`);
    return lines;
}

/** `added A, B; removed C; changed D` for name/value lists (environment, secrets), or undefined. */
function namedEntryChanges(
    running: { name?: string; value?: string; valueFrom?: string }[] | undefined,
    declared: { name?: string; value?: string; valueFrom?: string }[] | undefined,
): string | undefined {
    const before = new Map((running ?? []).map((e) => [e.name ?? "", e.value ?? e.valueFrom]));
    const after = new Map((declared ?? []).map((e) => [e.name ?? "", e.value ?? e.valueFrom]));
    const added = [...after.keys()].filter((n) => !before.has(n)).sort();
    const removed = [...before.keys()].filter((n) => !after.has(n)).sort();
    const changed = [...after.keys()].filter((n) => before.has(n) && before.get(n) !== after.get(n)).sort();
    const parts = [
        added.length > 0 ? `added ${added.join(", ")}` : "",
        removed.length > 0 ? `removed ${removed.join(", ")}` : "",
        changed.length > 0 ? `changed ${changed.join(", ")}` : "",
    ].filter(Boolean);
    return parts.length > 0 ? parts.join("; ") : undefined;
}

/** Equal as settings: key order does not matter, and absent, null, [] and {} all mean "not set". */
function sameSetting(a: unknown, b: unknown): boolean {
    return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) {
        const items = value.map(canonical);
        return items.length > 0 ? items : undefined;
    }
    if (typeof value === "object" && value !== null) {
        const entries = Object.keys(value)
            .sort()
            .map((key) => [key, canonical((value as Record<string, unknown>)[key])] as const)
            .filter(([, v]) => v !== undefined);
        return entries.length > 0 ? Object.fromEntries(entries) : undefined;
    }
    return value ?? undefined;
}

function shown(value: unknown): string {
    return value === undefined || value === null ? "(unset)" : String(value);
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
