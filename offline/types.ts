/**
 * A resource as the offline engine saw it registered: the shape shared by the mock engine
 * (offline/engine.ts), the in-process policy runner (offline/policyRunner.ts), the plan and the tests.
 * It carries what the Pulumi engine hands to an analyzer: type, URN, inputs, parent,
 * dependencies and property dependencies (by URN), and the resource options.
 */
export interface RegisteredResource {
    urn: string;
    /** Type token, e.g. `aws:ecs/service:Service`. */
    type: string;
    /** Logical name given to the constructor. */
    name: string;
    /** true for provider-backed resources, false for components (and the stack). */
    custom: boolean;
    /** true for a remote component (awsx's VPC): diffed by its inputs, its children not modelled. */
    remote?: boolean;
    /** The physical id the provider returned (custom resources). */
    id?: string;
    parent?: string;
    /** Provider reference `urn::id`, when one was passed. */
    provider?: string;
    /** The inputs the program passed (what an analyzer sees as `props` during preview). */
    inputs: Record<string, any>;
    /** Paths of the inputs that were secret on the wire (`containerDefinitions`, `tags.x`). */
    secretInputs?: string[];
    /** The state the mock provider returned (inputs plus ids, ARNs, computed outputs). */
    outputs: Record<string, any>;
    /** URNs of every resource this one depends on. */
    dependencies: string[];
    /** Per input property, the URNs it depends on. */
    propertyDependencies: Record<string, string[]>;
    /** What `pulumi up` would do to it, when the run was made against an earlier state (offline/day2.ts). */
    step?: Step;
    options: {
        ignoreChanges: string[];
        protect: boolean;
        deleteBeforeReplace: boolean;
        replaceOnChanges: string[];
    };
}

/** The engine's decision for one registration run against an earlier state. */
export interface Step {
    op: "create" | "same" | "update" | "replace";
    /** Top-level properties the update sends (after ignoreChanges). */
    changedKeys: string[];
    /** Those that force a replacement. */
    replaceKeys: string[];
    /** Leaf paths of the changes, for display. */
    changedPaths: string[];
    /** Paths the program now declares differently from its last run, kept at their old value by ignoreChanges. */
    ignoredPaths: string[];
    /** What the provider gets: the inputs, with ignored paths at their prior values. */
    sent: Record<string, any>;
}

/** A resource in Pulumi's state (the checkpoint): what the next `pulumi up` diffs against. */
export interface PriorResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    id?: string;
    inputs: Record<string, any>;
    /** What the program declared, before ignoreChanges: a config change is judged against it. */
    declared?: Record<string, any>;
    outputs: Record<string, any>;
    dependencies: string[];
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    /** How many times it was replaced: new physical ids and ARNs per generation. */
    generation: number;
}

/** What AWS reports for an ECS service (the program reads it with aws.ecs.getService). */
export interface LiveEcsService {
    serviceName: string;
    clusterName: string;
    deploymentController: string;
    loadBalancers: { targetGroupArn: string; containerName?: string; containerPort?: number; advancedConfiguration?: Record<string, string> }[];
    taskDefinition?: string;
    /** CODE_DEPLOY task sets (PRIMARY, ACTIVE): more than one while a CodeDeploy deployment runs. */
    taskSets?: { status: string; taskDefinition?: string }[];
    /** ECS-controller deployments (PRIMARY, ACTIVE): more than one while a release runs. */
    deployments?: { status: string; taskDefinition?: string }[];
}

/** The AWS account as seen through invokes, for runs against an earlier state. */
export interface LiveAccount {
    ecsService(clusterName: string, serviceName: string): LiveEcsService | undefined;
}
