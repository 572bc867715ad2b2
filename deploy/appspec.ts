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
 *         "CapacityProviderStrategy": [{ "CapacityProvider": "...", "Base": 0, "Weight": 1 }] } } }],
 *     "Hooks": [{ "BeforeInstall": "lambda" }, ...] }
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
}

/** What a template may carry besides container name and port. */
export type AppSpecTemplateOptions = Pick<AppSpecInput, "hooks" | "capacityProviderStrategy">;

/** Builds the ECS AppSpec object. Throws on inputs CodeDeploy would reject later, mid-deployment. */
export function buildAppSpec(input: AppSpecInput): object {
    validateInput(input);
    const properties: Record<string, unknown> = {
        TaskDefinition: input.taskDefinitionArn,
        LoadBalancerInfo: { ContainerName: input.containerName, ContainerPort: input.containerPort },
    };
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
