/**
 * The bad revision a drill releases: a copy of the revision the service runs (everything the
 * deploy command copies: deploy/taskDefinition.ts registrationWithImage), with one change that
 * makes it fail the way the drill's kind says.
 *
 *   start   the image with a tag that cannot exist (`drill-<time>-does-not-exist`): the task never
 *           reaches RUNNING (CannotPullContainerError), stage 1 of the circuit breaker.
 *   health  web: the container's entry point replaced by a shell loop that never opens the port,
 *           so the target group's health check fails (connection refused), stage 2 of the circuit
 *           breaker. It needs /bin/sh in the image; without one the container exits and the drill
 *           becomes a start failure (the circuit breaker still rolls it back).
 *           worker: the container health check command replaced by `exit 1`.
 *   alarm   an otherwise identical copy (one environment variable added, so it is a new revision
 *           and visibly a drill): it passes its health checks, and the drill forces one of the
 *           service's rollback alarms into ALARM with CloudWatch SetAlarmState while it deploys.
 *
 * Every drill revision carries the tag `rollback-drill=<kind>-<time>`, so a leftover one is found.
 */
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";
import { UsageError } from "../errors";
import { registrationWithImage, type DescribedTaskDefinition } from "../taskDefinition";
import type { DrillKind } from "./target";

export const DRILL_TAG_KEY = "rollback-drill";
export const DRILL_ENVIRONMENT_VARIABLE = "ROLLBACK_DRILL";
/** Keeps the container alive, never listening; exits at once on SIGTERM so ECS stops it without waiting. */
export const NEVER_LISTENS_SCRIPT = "trap 'exit 0' TERM INT; while true; do sleep 5; done";
export const FAILING_HEALTH_CHECK = ["CMD-SHELL", "exit 1"];

/** `20250601t100000z`-like, but only characters every name and tag accepts: `20250601100000`. */
export function drillStamp(epochMs: number): string {
    return new Date(epochMs).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * `registry:5000/team/web:1.4.2@sha256:…` → `registry:5000/team/web:drill-<stamp>-does-not-exist`.
 * A tag follows the last `:` after the last `/`; a digest (`@…`) pins the image and goes too.
 */
export function imageWithMissingTag(image: string, stamp: string): string {
    const withoutDigest = image.split("@")[0];
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
    if (repository.trim() === "") throw new UsageError(`Cannot derive a missing tag from the image ${JSON.stringify(image)}.`);
    return `${repository}:drill-${stamp}-does-not-exist`;
}

export interface BadRevision {
    request: RegisterTaskDefinitionCommandInput;
    /** One line: what differs from the running revision, and why it fails. */
    change: string;
}

export interface BadRevisionOptions {
    kind: DrillKind;
    containerName: string;
    /** The image the stack declares (the running container's image when the outputs lack it). */
    stackImage?: string;
    /** No load balancer: the container health check is what the circuit breaker watches. */
    worker: boolean;
    stamp: string;
    containerPort?: number;
}

export function badRevision(source: DescribedTaskDefinition, options: BadRevisionOptions): BadRevision {
    const running = containerOf(source.taskDefinition, options.containerName);
    const currentImage = running?.image ?? "";
    const request = registrationWithImage(source.taskDefinition, source.tags, options.containerName, currentImage);
    const container = request.containerDefinitions!.find((c) => c.name === options.containerName)!;
    let change: string;
    switch (options.kind) {
        case "start": {
            const base = options.stackImage ?? currentImage;
            container.image = imageWithMissingTag(base, options.stamp);
            change = `image ${container.image}: a tag that cannot exist, so the task never starts`;
            break;
        }
        case "health":
            if (options.worker) {
                if (!container.healthCheck?.command?.length) {
                    throw new UsageError(
                        `--kind health does not apply: container ${options.containerName} of this worker has no container health check, ` +
                            "so nothing would notice a version that runs but is unhealthy (the stack requires containerHealthCheck for workers).",
                    );
                }
                container.healthCheck = { ...container.healthCheck, command: [...FAILING_HEALTH_CHECK] };
                change = `container health check command replaced by ${JSON.stringify(FAILING_HEALTH_CHECK)}: the task starts and is marked unhealthy`;
            } else {
                container.entryPoint = ["sh", "-c"];
                container.command = [NEVER_LISTENS_SCRIPT];
                change =
                    `container ${options.containerName} runs a shell loop instead of the application (same image), so port ${options.containerPort ?? "(the container port)"} ` +
                    "stays closed and the load balancer's health check fails";
            }
            break;
        case "alarm":
            container.environment = [
                ...(container.environment ?? []).filter((e) => e.name !== DRILL_ENVIRONMENT_VARIABLE),
                { name: DRILL_ENVIRONMENT_VARIABLE, value: options.stamp },
            ];
            change = `otherwise identical (environment ${DRILL_ENVIRONMENT_VARIABLE}=${options.stamp} added): it passes its health checks`;
            break;
    }
    request.tags = [...(request.tags ?? []).filter((t) => t.key !== DRILL_TAG_KEY), { key: DRILL_TAG_KEY, value: `${options.kind}-${options.stamp}` }];
    return { request, change };
}

function containerOf(taskDefinition: TaskDefinition, name: string) {
    return taskDefinition.containerDefinitions?.find((c) => c.name === name);
}
