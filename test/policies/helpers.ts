/**
 * Hands resources to a policy the way @pulumi/policy's analyzer server does (server.ts): props
 * wrapped in the SDK's unknown-checking proxy, urn/name/type/opts/stackTags/getConfig/notApplicable,
 * and for stack policies PolicyResource objects whose dependencies, propertyDependencies and parent
 * are resource objects. Used to call a policy's callbacks directly, without the runner.
 */
import type {
    PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import type { RegisteredResource } from "../../offline/types";

export interface Reported {
    /** Plain reportViolation(message, urn) calls. */
    violations: { message: string; urn?: string }[];
    /** Object-form reports with enforcementLevel advisory (the pack's "undecided" notes). */
    notes: { message: string; urn?: string; enforcementLevel?: string }[];
}

function collector(): [ReportViolation, Reported] {
    const rep: Reported = { violations: [], notes: [] };
    const fn = ((m: unknown, urn?: string) => {
        if (typeof m === "object" && m !== null) rep.notes.push(m as Reported["notes"][number]);
        else rep.violations.push(urn === undefined ? { message: String(m) } : { message: String(m), urn });
    }) as ReportViolation;
    return [fn, rep];
}

class NotApplicable extends Error {}

export function resourceArgs(r: RegisteredResource, opts: { config?: Record<string, unknown>; stackTags?: Record<string, string>; props?: unknown } = {}): ResourceValidationArgs {
    const props = unknownCheckingProxy(structuredClone(opts.props ?? r.inputs) as Record<string, unknown>);
    const args: ResourceValidationArgs = {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        stackTags: new Map(Object.entries(opts.stackTags ?? { env: "test" })),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => (opts.config ?? {}) as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
    return args;
}

export async function validateResource(policy: ResourceValidationPolicy, r: RegisteredResource, opts: Parameters<typeof resourceArgs>[1] = {}): Promise<Reported> {
    const [fn, rep] = collector();
    const vs = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
    for (const v of vs) await v(resourceArgs(r, opts), fn);
    return rep;
}

export function stackArgs(resources: RegisteredResource[], opts: { preview?: boolean; config?: Record<string, unknown> } = {}): StackValidationArgs {
    const objs = new Map<string, PolicyResource>();
    for (const r of resources) {
        const props = unknownCheckingProxy(structuredClone(opts.preview ? r.inputs : r.outputs) as Record<string, unknown>);
        objs.set(r.urn, {
            type: r.type, props, urn: r.urn, name: r.name,
            opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
            dependencies: [], propertyDependencies: {},
            isType: () => false, asType: () => undefined,
        } as PolicyResource);
    }
    for (const r of resources) {
        const o = objs.get(r.urn)!;
        if (r.parent && objs.get(r.parent)) o.parent = objs.get(r.parent);
        o.dependencies = r.dependencies.map((u) => objs.get(u)).filter((x): x is PolicyResource => !!x);
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
            o.propertyDependencies[k] = urns.map((u) => objs.get(u)).filter((x): x is PolicyResource => !!x);
        }
    }
    return {
        resources: [...objs.values()],
        stackTags: new Map([["env", "test"]]),
        getConfig: <T extends object>() => (opts.config ?? {}) as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
}

export async function validateStack(policy: StackValidationPolicy, resources: RegisteredResource[], opts: Parameters<typeof stackArgs>[1] = {}): Promise<Reported> {
    const [fn, rep] = collector();
    await policy.validateStack(stackArgs(resources, opts), fn);
    return rep;
}

export function messages(rep: Reported): string {
    return rep.violations.map((v) => v.message).join("\n");
}
