/**
 * The CodeDeploy AppSpec for an ECS blue/green deployment.
 *
 * Pure functions, no AWS imports: the Pulumi program imports this file to export an
 * AppSpec *template* per CODE_DEPLOY service, and the deploy command fills the
 * template with the task definition it registers. Keeping both sides on one builder
 * means the stack and the command can never disagree on container name or port.
 *
 * Format (AWS CodeDeploy user guide, "AppSpec File example for an Amazon ECS
 * deployment"):
 *   { "version": 0.0,
 *     "Resources": [{ "TargetService": { "Type": "AWS::ECS::Service", "Properties": {
 *         "TaskDefinition": "...", "LoadBalancerInfo": { "ContainerName": "...", "ContainerPort": 80 },
 *         "PlatformVersion": "LATEST",
 *         "NetworkConfiguration": { "AwsvpcConfiguration": {
 *             "Subnets": ["subnet-..."], "SecurityGroups": ["sg-..."], "AssignPublicIp": "DISABLED" } },
 *         "CapacityProviderStrategy": [{ "CapacityProvider": "...", "Base": 0, "Weight": 1 }] } } }],
 *     "Hooks": [{ "BeforeInstall": "lambda" }, ...] }
 *
 * UpdateService refuses network configuration, platform version and capacity provider changes
 * on a CODE_DEPLOY service: only a CodeDeploy deployment can change them, so the program puts
 * them in the template and every release carries them. Omitted, CodeDeploy keeps the service's
 * current settings (CodeDeploy user guide, "AppSpec 'resources' section for Amazon ECS
 * deployments").
 */

export const TASK_DEFINITION_PLACEHOLDER = "<TASK_DEFINITION>";

/** ECS lifecycle hooks in the order CodeDeploy runs them. */
const HOOK_ORDER = [
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
] as const;

export type AppSpecHookName = (typeof HOOK_ORDER)[number];

export interface AppSpecInput {
    taskDefinitionArn: string;
    containerName: string;
    containerPort: number;
    /** Lambda function name or ARN per lifecycle hook. */
    hooks?: Partial<Record<"BeforeInstall" | "AfterInstall" | "AfterAllowTestTraffic" | "BeforeAllowTraffic" | "AfterAllowTraffic", string>>;
    capacityProviderStrategy?: { capacityProvider: string; base?: number; weight?: number }[];
    /** The awsvpc settings of the replacement task set. */
    networkConfiguration?: AppSpecNetworkConfiguration;
    /** Fargate platform version of the replacement task set, e.g. "LATEST" or "1.4.0". */
    platformVersion?: string;
}

export interface AppSpecNetworkConfiguration {
    subnets: string[];
    securityGroups: string[];
    assignPublicIp: boolean;
}

/** What a template may carry besides container name and port. */
export type AppSpecTemplateOptions = Pick<AppSpecInput, "hooks" | "capacityProviderStrategy" | "networkConfiguration" | "platformVersion">;

/** ECS API limits of AwsVpcConfiguration (API reference); CodeDeploy passes them on to ECS. */
export const MAX_SUBNETS = 16;
export const MAX_SECURITY_GROUPS = 5;
/** ECS API ranges of a capacity provider strategy item. */
const MAX_CAPACITY_PROVIDER_BASE = 100_000;
const MAX_CAPACITY_PROVIDER_WEIGHT = 1_000;

/** Builds the ECS AppSpec object. Throws on inputs CodeDeploy would reject later, mid-deployment. */
export function buildAppSpec(input: AppSpecInput): object {
    validateInput(input);
    const properties: Record<string, unknown> = {
        TaskDefinition: input.taskDefinitionArn,
        LoadBalancerInfo: { ContainerName: input.containerName, ContainerPort: input.containerPort },
    };
    if (input.platformVersion !== undefined) {
        properties.PlatformVersion = input.platformVersion;
    }
    if (input.networkConfiguration) {
        properties.NetworkConfiguration = toAppSpecNetworkConfiguration(input.networkConfiguration);
    }
    if (input.capacityProviderStrategy && input.capacityProviderStrategy.length > 0) {
        properties.CapacityProviderStrategy = input.capacityProviderStrategy.map(toAppSpecCapacityProvider);
    }
    const appSpec: Record<string, unknown> = {
        version: 0.0,
        Resources: [{ TargetService: { Type: "AWS::ECS::Service", Properties: properties } }],
    };
    const hooks = hookList(input.hooks);
    if (hooks.length > 0) {
        appSpec.Hooks = hooks;
    }
    return appSpec;
}

/**
 * JSON text of the AppSpec with {@link TASK_DEFINITION_PLACEHOLDER} as TaskDefinition:
 * the task definition ARN only exists once the deploy command has registered it.
 */
export function appSpecTemplate(containerName: string, containerPort: number, options: AppSpecTemplateOptions = {}): string {
    const appSpec = buildAppSpec({ ...options, taskDefinitionArn: TASK_DEFINITION_PLACEHOLDER, containerName, containerPort });
    return toAppSpecJson(appSpec);
}

/** Fills the template's placeholder(s) with the task definition ARN. */
export function renderAppSpec(template: string, taskDefinitionArn: string): string {
    if (!template.includes(TASK_DEFINITION_PLACEHOLDER)) {
        throw new Error(
            `AppSpec template has no ${TASK_DEFINITION_PLACEHOLDER} placeholder for the task definition ARN; ` +
                "regenerate it with appSpecTemplate() in the Pulumi program and run `pulumi up`.",
        );
    }
    if (taskDefinitionArn.trim() === "") {
        throw new Error("renderAppSpec: the task definition ARN is empty.");
    }
    // The placeholder sits inside a JSON string: escape the ARN as JSON string content so
    // the rendered text stays valid even for an unexpected character.
    const escaped = JSON.stringify(taskDefinitionArn).slice(1, -1);
    return template.split(TASK_DEFINITION_PLACEHOLDER).join(escaped);
}

function validateInput(input: AppSpecInput): void {
    if (!input.taskDefinitionArn || input.taskDefinitionArn.trim() === "") {
        throw new Error("AppSpec: taskDefinitionArn is required.");
    }
    if (!input.containerName || input.containerName.trim() === "") {
        throw new Error("AppSpec: containerName is required (the container the load balancer routes to).");
    }
    if (!Number.isInteger(input.containerPort) || input.containerPort < 1 || input.containerPort > 65535) {
        throw new Error(`AppSpec: containerPort must be an integer from 1 to 65535, got ${String(input.containerPort)}.`);
    }
    for (const name of Object.keys(input.hooks ?? {})) {
        if (!(HOOK_ORDER as readonly string[]).includes(name)) {
            throw new Error(`AppSpec: unknown ECS lifecycle hook "${name}"; expected one of ${HOOK_ORDER.join(", ")}.`);
        }
    }
    if (input.networkConfiguration !== undefined) validateNetworkConfiguration(input.networkConfiguration);
    if (input.platformVersion !== undefined) validatePlatformVersion(input.platformVersion);
    if (input.capacityProviderStrategy !== undefined) validateCapacityProviderStrategy(input.capacityProviderStrategy);
}

/**
 * CodeDeploy takes all of Subnets, SecurityGroups and AssignPublicIp or none of them, so an
 * empty list cannot stand for "keep the current ones": it is refused here rather than by the
 * deployment, after the new tasks were asked for.
 */
function validateNetworkConfiguration(network: AppSpecNetworkConfiguration): void {
    validateIdList("networkConfiguration.subnets", network.subnets, MAX_SUBNETS);
    validateIdList("networkConfiguration.securityGroups", network.securityGroups, MAX_SECURITY_GROUPS);
    if (typeof network.assignPublicIp !== "boolean") {
        throw new Error(`AppSpec: networkConfiguration.assignPublicIp must be true or false, got ${JSON.stringify(network.assignPublicIp)}.`);
    }
}

function validateIdList(field: string, ids: string[], max: number): void {
    if (!Array.isArray(ids) || ids.length === 0) {
        throw new Error(`AppSpec: ${field} must list at least one ID (CodeDeploy needs subnets, security groups and assignPublicIp together).`);
    }
    if (ids.length > max) {
        throw new Error(`AppSpec: ${field} has ${ids.length} entries; ECS accepts at most ${max}.`);
    }
    for (const id of ids) {
        if (typeof id !== "string" || id.trim() === "" || id !== id.trim()) {
            throw new Error(`AppSpec: ${field} has an empty or padded ID ${JSON.stringify(id)}.`);
        }
    }
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined) {
        throw new Error(`AppSpec: ${field} lists ${duplicate} twice.`);
    }
}

/** Fargate platform versions are "LATEST" or a three-part version such as "1.4.0". */
function validatePlatformVersion(version: string): void {
    if (typeof version !== "string" || !/^(LATEST|\d+\.\d+\.\d+)$/.test(version)) {
        throw new Error(`AppSpec: platformVersion must be "LATEST" or a version such as "1.4.0", got ${JSON.stringify(version)}.`);
    }
}

function validateCapacityProviderStrategy(strategy: NonNullable<AppSpecInput["capacityProviderStrategy"]>): void {
    for (const item of strategy) {
        if (typeof item.capacityProvider !== "string" || item.capacityProvider.trim() === "") {
            throw new Error("AppSpec: every capacityProviderStrategy entry needs a capacityProvider name.");
        }
        checkIntegerRange(`capacityProviderStrategy ${item.capacityProvider} base`, item.base, MAX_CAPACITY_PROVIDER_BASE);
        checkIntegerRange(`capacityProviderStrategy ${item.capacityProvider} weight`, item.weight, MAX_CAPACITY_PROVIDER_WEIGHT);
    }
    const withBase = strategy.filter((item) => (item.base ?? 0) > 0).map((item) => item.capacityProvider);
    if (withBase.length > 1) {
        throw new Error(`AppSpec: only one capacity provider of a strategy may have a base; ${withBase.join(" and ")} both do.`);
    }
}

function checkIntegerRange(field: string, value: number | undefined, max: number): void {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < 0 || value > max) {
        throw new Error(`AppSpec: ${field} must be an integer from 0 to ${max}, got ${String(value)}.`);
    }
}

function toAppSpecNetworkConfiguration(network: AppSpecNetworkConfiguration): object {
    return {
        AwsvpcConfiguration: {
            Subnets: [...network.subnets],
            SecurityGroups: [...network.securityGroups],
            AssignPublicIp: network.assignPublicIp ? "ENABLED" : "DISABLED",
        },
    };
}

function toAppSpecCapacityProvider(item: { capacityProvider: string; base?: number; weight?: number }): object {
    const entry: Record<string, unknown> = { CapacityProvider: item.capacityProvider };
    if (item.base !== undefined) entry.Base = item.base;
    if (item.weight !== undefined) entry.Weight = item.weight;
    return entry;
}

/** Hooks as CodeDeploy wants them: a list of single-key objects, in lifecycle order. */
function hookList(hooks: AppSpecInput["hooks"]): Record<string, string>[] {
    if (!hooks) return [];
    return HOOK_ORDER.filter((name) => typeof hooks[name] === "string" && hooks[name]!.trim() !== "").map((name) => ({
        [name]: hooks[name]!,
    }));
}

/**
 * JSON.stringify writes the number 0.0 as `0`. The AWS examples all spell the version
 * `0.0` (the guide even calls it a string), so write it exactly that way rather than
 * rely on CodeDeploy's parser accepting `0`.
 */
function toAppSpecJson(appSpec: object): string {
    return JSON.stringify(appSpec, null, 2).replace(/^(\s*"version": )0(,?)$/m, "$10.0$2");
}
