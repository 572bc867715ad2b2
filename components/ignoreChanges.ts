import type { DeploymentMode } from "../config/schema";

/**
 * What Pulumi must leave alone because a deployment controller owns it after the first
 * `pulumi up`, or because AWS refuses to change it outside that controller. Without these, the
 * next `pulumi up` after a release would undo it (re-register the old task definition, move
 * listener weights back) or fail.
 *
 * What a controller changes *between* releases (which colour serves production) is not
 * ignored but read from AWS and declared as it is (components/liveState.ts): an ignored
 * property keeps its old value even when a config change needs a new one (Pulumi resets every
 * ignored path to the old inputs, and drops it when the old inputs lack it), so a listener
 * turning from redirect to forward, or a rolling service becoming blue/green, could never be
 * expressed.
 */
export interface IgnoredProperties {
    service: string[];
    /** Listener rules whose forward action ECS rewrites into a weighted forward. */
    listenerRule: string[];
}

/**
 * ECS's UpdateService refuses these on a CODE_DEPLOY service ("only desired count, deployment
 * configuration, health check grace period, placement, managed tags and tag propagation can be
 * updated"): they change with the next CodeDeploy deployment, whose AppSpec carries them.
 */
export const CODE_DEPLOY_RELEASE_FIELDS = ["taskDefinition", "loadBalancers", "networkConfiguration", "platformVersion", "capacityProviderStrategies"] as const;

export function ignoredProperties(mode: DeploymentMode, opts: { autoscaling?: boolean } = {}): IgnoredProperties {
    // When autoscaling owns the task count, a `pulumi up` must not reset it.
    const scaled = opts.autoscaling ? ["desiredCount"] : [];
    switch (mode) {
        case "rolling":
            return { service: scaled, listenerRule: [] };
        case "codedeploy":
            return { service: [...CODE_DEPLOY_RELEASE_FIELDS, ...scaled], listenerRule: [] };
        case "bluegreen":
            return { service: scaled, listenerRule: ["actions"] };
    }
}
