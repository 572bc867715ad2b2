/** Shared doubles for the deploy tests: a clock that never waits, a reporter that records. */
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { appSpecTemplate } from "../../deploy/appspec";
import type { Clock, Reporter } from "../../deploy/console";
import type { StackOutputs } from "../../deploy/outputs";

export interface FakeClock extends Clock {
    /** Every sleep asked for, in ms. */
    sleeps: number[];
    /** Runs inside each sleep (e.g. to simulate a Ctrl-C at the n-th poll). */
    onSleep?: (count: number) => void;
}

/** Time moves only when the code under test sleeps: timeouts are reached instantly. */
export function fakeClock(start = 1_700_000_000_000): FakeClock {
    let now = start;
    const clock: FakeClock = {
        sleeps: [],
        now: () => now,
        sleep: async (ms: number) => {
            clock.sleeps.push(ms);
            now += ms;
            clock.onSleep?.(clock.sleeps.length);
        },
    };
    return clock;
}

export interface RecordingReporter extends Reporter {
    infos: string[];
    errors: string[];
    states: string[];
    /** Everything printed, in order, one string. */
    text(): string;
}

export function recordingReporter(): RecordingReporter {
    const all: string[] = [];
    const reporter: RecordingReporter = {
        infos: [],
        errors: [],
        states: [],
        info: (m) => {
            reporter.infos.push(m);
            all.push(m);
        },
        error: (m) => {
            reporter.errors.push(m);
            all.push(m);
        },
        progress: (s) => {
            reporter.states.push(s);
            all.push(s);
        },
        progressDone: () => undefined,
        text: () => all.join("\n"),
    };
    return reporter;
}

export const REGION = "eu-west-1";
export const CURRENT_TD_ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:7";
export const NEW_TD_ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:8";
/** The revision `pulumi up` registered from the stack's config (ECS never runs it by itself). */
export const DECLARED_TD_ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:6";
export const OLD_IMAGE = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0";
export const NEW_IMAGE = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.1.0";

export function stackOutputs(): StackOutputs {
    return {
        region: REGION,
        services: {
            api: {
                mode: "codedeploy",
                clusterName: "main",
                serviceName: "api-svc",
                serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/main/api-svc",
                containerName: "app",
                containerPort: 8080,
                codeDeploy: { applicationName: "api-app", deploymentGroupName: "api-dg" },
                appSpecTemplate: appSpecTemplate("app", 8080),
            },
            web: {
                mode: "rolling",
                clusterName: "main",
                serviceName: "web-svc",
                serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/main/web-svc",
                containerName: "web",
                containerPort: 80,
            },
            shop: {
                mode: "bluegreen",
                clusterName: "main",
                serviceName: "shop-svc",
                serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/main/shop-svc",
                containerName: "shop",
                containerPort: 80,
            },
        },
    };
}

/** A described task definition with every registrable field set, and the read-only ones too. */
export function describedTaskDefinition(): TaskDefinition {
    return {
        taskDefinitionArn: CURRENT_TD_ARN,
        family: "api",
        revision: 7,
        status: "ACTIVE",
        taskRoleArn: "arn:aws:iam::111122223333:role/api-task",
        executionRoleArn: "arn:aws:iam::111122223333:role/api-exec",
        networkMode: "awsvpc",
        containerDefinitions: [
            {
                name: "app",
                image: OLD_IMAGE,
                essential: true,
                portMappings: [{ containerPort: 8080, protocol: "tcp" }],
                environment: [{ name: "LOG_LEVEL", value: "info" }],
                secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db" }],
                logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/api" } },
            },
            { name: "envoy", image: "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29", essential: false },
        ],
        volumes: [{ name: "tmp" }],
        placementConstraints: [],
        requiresCompatibilities: ["FARGATE"],
        compatibilities: ["EC2", "FARGATE"],
        requiresAttributes: [{ name: "com.amazonaws.ecs.capability.logging-driver.awslogs" }],
        cpu: "512",
        memory: "1024",
        runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
        ephemeralStorage: { sizeInGiB: 30 },
        proxyConfiguration: { type: "APPMESH", containerName: "envoy", properties: [{ name: "AppPorts", value: "8080" }] },
        pidMode: "task",
        registeredAt: new Date("2025-01-01T00:00:00Z"),
        registeredBy: "arn:aws:sts::111122223333:assumed-role/deployer/ci",
        deregisteredAt: undefined,
    };
}

/** Stack outputs of a stack updated since the command needs taskDefinitionArn and the CodeDeploy timings. */
export function currentStackOutputs(codeDeploy: { trafficShiftMinutes?: number; terminationWaitMinutes?: number } = {}): StackOutputs {
    const outputs = stackOutputs();
    const api = outputs.services.api as Record<string, unknown>;
    api.taskDefinitionArn = DECLARED_TD_ARN;
    api.codeDeploy = { ...(api.codeDeploy as object), ...codeDeploy };
    return outputs;
}

/**
 * What the stack declares after a config change the running revision lacks: a new environment
 * variable, a changed one, one removed, a new secret, more memory, a new health check.
 */
export function declaredTaskDefinition(): TaskDefinition {
    const declared = describedTaskDefinition();
    declared.taskDefinitionArn = DECLARED_TD_ARN;
    declared.revision = 6;
    declared.memory = "2048";
    const app = declared.containerDefinitions![0];
    // The image the config held when `pulumi up` ran: the release replaces it.
    app.image = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:0.9.0";
    app.environment = [
        { name: "LOG_LEVEL", value: "debug" },
        { name: "FEATURE_CHECKOUT_V2", value: "on" },
    ];
    app.secrets = [
        ...app.secrets!,
        { name: "STRIPE_KEY", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:stripe" },
    ];
    app.healthCheck = { command: ["CMD-SHELL", "curl -f http://localhost:8080/health"], interval: 10 };
    return declared;
}

export const READ_ONLY_FIELDS = [
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
];

type CommandClass = abstract new (...args: never[]) => { input: unknown };
type Handler = (input: any) => unknown;

/** What the drill test asks of a mocked AWS client: aws-sdk-client-mock's surface, without its sinon stubs. */
export interface ClientDouble {
    on(command: CommandClass): { resolves(output: unknown): ClientDouble; callsFake(fn: Handler): ClientDouble };
    /** Forgets the handlers and the calls. */
    reset(): void;
    calls(): { args: [{ input: unknown }] }[];
    commandCalls(command: CommandClass): { args: [{ input: unknown }] }[];
}

/**
 * Replaces `client.send` with a dispatch on the command's class (a command with no handler
 * resolves to undefined, as with aws-sdk-client-mock) and records every command sent. sinon's
 * argument matching and call records made the drill's polling scenarios several times slower.
 */
export function clientDouble(client: { send: unknown }): ClientDouble {
    const handlers = new Map<unknown, Handler>();
    const sent: { input: unknown }[] = [];
    (client as { send: (command: { input: unknown }) => Promise<unknown> }).send = async (command) => {
        sent.push(command);
        return handlers.get(command.constructor)?.(command.input);
    };
    const double: ClientDouble = {
        on: (command) => ({
            resolves: (output) => (handlers.set(command, () => output), double),
            callsFake: (fn) => (handlers.set(command, fn), double),
        }),
        reset: () => {
            handlers.clear();
            sent.length = 0;
        },
        calls: () => sent.map((c) => ({ args: [c] as [{ input: unknown }] })),
        commandCalls: (command) => sent.filter((c) => c instanceof command).map((c) => ({ args: [c] as [{ input: unknown }] })),
    };
    return double;
}
