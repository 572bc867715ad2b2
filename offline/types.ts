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
    options: {
        ignoreChanges: string[];
        protect: boolean;
        deleteBeforeReplace: boolean;
        replaceOnChanges: string[];
    };
}
