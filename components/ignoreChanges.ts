import type { DeploymentMode } from "../config/schema";

/**
 * What Pulumi must leave alone because a deployment controller owns it after the first
 * `pulumi up`. Without these, the next `pulumi up` after a deployment would undo it: send
 * traffic back to the old colour or re-register the old task definition.
 */
export interface IgnoredProperties {
    service: string[];
    /** Listeners whose default action CodeDeploy re-points (its dedicated listener pair). */
    listener: string[];
    /** Listener rules whose forward action ECS rewrites into a weighted forward. */
    listenerRule: string[];
}

export function ignoredProperties(mode: DeploymentMode, opts: { autoscaling?: boolean } = {}): IgnoredProperties {
    // When autoscaling owns the task count, a `pulumi up` must not reset it.
    const scaled = opts.autoscaling ? ["desiredCount"] : [];
    switch (mode) {
        case "rolling":
            return { service: scaled, listener: [], listenerRule: [] };
        case "codedeploy":
            // ECS refuses task-definition and load-balancer changes through UpdateService on a
            // CODE_DEPLOY service; CodeDeploy swaps the listeners' forward target between colours.
            return { service: ["taskDefinition", "loadBalancers", ...scaled], listener: ["defaultActions"], listenerRule: [] };
        case "bluegreen":
            return { service: scaled, listener: [], listenerRule: ["actions"] };
    }
}
