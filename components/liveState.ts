import * as aws from "@pulumi/aws";
import type { Colour } from "./naming";

/**
 * What the deployment controllers changed since the last `pulumi up`, read from AWS before
 * anything is registered. After every ECS native blue/green or CodeDeploy release the green
 * target group serves production and blue is the spare; the next release swaps them back. A
 * program that always declared "production → blue" would, on the next `pulumi up` that touches
 * a listener, a rule or the service (HTTPS on, a new rule after a port change, a mode change),
 * point production at the empty group (hashicorp/terraform-provider-aws#45678). So the program
 * declares the colour that serves production now: what it sends equals what the controller set.
 */
export interface LiveService {
    /** Target group of the service's (first) load balancer: the one serving production. */
    primaryTargetGroupArn?: string;
    controller?: string;
    /** A release still running (traffic shifting, bake time, CodeDeploy's termination wait). */
    inProgress?: string;
}

/** Errors that mean "there is no such service yet" (first `pulumi up`, or a service added to the config). */
const NOT_FOUND = /couldn't find resource|not ?found|empty result|no matching|ClusterNotFoundException|ServiceNotFoundException|MISSING|INACTIVE/i;

/**
 * Reads one ECS service with aws.ecs.getService. Resolves undefined when it does not exist; any
 * other error (permissions, throttling) fails the program rather than guess a colour.
 */
export async function readLiveService(clusterName: string, serviceName: string, opts: { provider: aws.Provider }): Promise<LiveService | undefined> {
    let found: aws.ecs.GetServiceResult;
    try {
        found = await aws.ecs.getService({ clusterArn: clusterName, serviceName }, opts);
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (NOT_FOUND.test(message)) return undefined;
        throw new Error(`Could not read ECS service ${serviceName} in cluster ${clusterName} (needed to know which target group serves production): ${message}`);
    }
    if (found.status && found.status !== "ACTIVE") return undefined;
    return {
        primaryTargetGroupArn: found.loadBalancers?.[0]?.targetGroupArn || undefined,
        controller: found.deploymentControllers?.[0]?.type,
        inProgress: releaseInProgress(found),
    };
}

/** Describes a release that has not finished, from what DescribeServices reports. */
export function releaseInProgress(found: Pick<aws.ecs.GetServiceResult, "taskSets" | "deployments">): string | undefined {
    const taskSets = found.taskSets ?? [];
    if (taskSets.length > 1) return `a CodeDeploy deployment is still running (${taskSets.length} task sets: ${taskSets.map((t) => t.status).join(", ")})`;
    // A finished ECS deployment leaves only the PRIMARY one; the old one stays ACTIVE while tasks
    // move over, and through a blue/green bake time.
    const deployments = found.deployments ?? [];
    if (deployments.length > 1) return `an ECS deployment is still running (${deployments.map((d) => `${d.status} ${d.taskDefinition.split("/").pop()}`).join(", ")})`;
    return undefined;
}

/** Which colour serves production: the one whose target group name the live ARN carries; blue for a new service. */
export function primaryColour(live: LiveService | undefined, names: Record<Colour, string>): Colour {
    const arn = live?.primaryTargetGroupArn;
    if (!arn) return "blue";
    const name = arn.split(":targetgroup/")[1]?.split("/")[0];
    return name === names.green ? "green" : "blue";
}

export function otherColour(c: Colour): Colour {
    return c === "blue" ? "green" : "blue";
}
