/**
 * The stack as stack rules see it, with indexes built once per stack (every lookup is O(1) or
 * O(number of dependencies), so stack rules stay linear in the number of resources).
 *
 * Resources are joined by URN through `propertyDependencies` / `dependencies` first — in a new stack
 * names and ARNs are unknown during preview, but the engine still knows which resource a property
 * came from — and by names and ARNs when those are known.
 */
import { asString, get, items, keys, raw, UNKNOWN } from "./safe";
import { Kind, kindOf } from "./tokens";

export interface StackResource {
    urn: string;
    name: string;
    type: string;
    kind?: Kind;
    /** Outputs during `pulumi up`, inputs during preview; may hold unknowns. Read with lib/safe. */
    props: unknown;
    /** URNs this resource depends on. */
    dependencies: readonly string[];
    /** Per property, the URNs it depends on. */
    propertyDependencies: Readonly<Record<string, readonly string[]>>;
    parent?: string;
}

function urnOf(v: unknown): string | undefined {
    const r = raw(v);
    if (typeof r === "string") return r;
    const u = asString(get(r, "urn"));
    return typeof u === "string" ? u : undefined;
}

function urnList(v: unknown): string[] {
    const list = items(v);
    if (list === UNKNOWN) return [];
    const out: string[] = [];
    for (const d of list) {
        const u = urnOf(d);
        if (u) out.push(u);
    }
    return out;
}

/**
 * Normalises the SDK's `PolicyResource[]` (dependencies as resource objects) — or anything else —
 * into {@link StackResource}s. Entries without a URN are dropped. Never throws.
 */
export function toStackResources(list: unknown): StackResource[] {
    const arr = items(list);
    if (arr === UNKNOWN) return [];
    const out: StackResource[] = [];
    for (const r of arr) {
        const urn = asString(get(r, "urn"));
        if (typeof urn !== "string" || urn === "") continue;
        const type = asString(get(r, "type"));
        const name = asString(get(r, "name"));
        const pdIn = get(r, "propertyDependencies");
        const propertyDependencies: Record<string, string[]> = {};
        for (const k of keys(pdIn)) propertyDependencies[k] = urnList(get(pdIn, k));
        const parentUrn = urnOf(get(r, "parent"));
        const res: StackResource = {
            urn,
            type: typeof type === "string" ? type : "",
            name: typeof name === "string" ? name : urn.slice(urn.lastIndexOf("::") + 2),
            kind: kindOf(type),
            props: get(r, "props"),
            dependencies: urnList(get(r, "dependencies")),
            propertyDependencies,
        };
        if (parentUrn) res.parent = parentUrn;
        out.push(res);
    }
    return out;
}

export class StackIndex {
    readonly resources: readonly StackResource[];
    private readonly byUrn = new Map<string, StackResource>();
    private readonly byKind = new Map<Kind, StackResource[]>();
    private readonly propIndexes = new Map<string, Map<string, StackResource[]>>();

    constructor(resources: readonly StackResource[]) {
        this.resources = resources;
        for (const r of resources) {
            this.byUrn.set(r.urn, r);
            const kind = r.kind ?? kindOf(r.type);
            if (kind) {
                let list = this.byKind.get(kind);
                if (!list) this.byKind.set(kind, (list = []));
                list.push(r);
            }
        }
    }

    get(urn: string): StackResource | undefined {
        return this.byUrn.get(urn);
    }

    ofKind(kind: Kind): readonly StackResource[] {
        return this.byKind.get(kind) ?? [];
    }

    kindOf(r: StackResource): Kind | undefined {
        return r.kind ?? kindOf(r.type);
    }

    /** Resources of `kind` that property `key` of `r` depends on (by URN). */
    propDeps(r: StackResource, key: string, kind: Kind): StackResource[] {
        const urns = Object.prototype.hasOwnProperty.call(r.propertyDependencies, key) ? r.propertyDependencies[key] : undefined;
        if (!urns || urns.length === 0) return [];
        const out: StackResource[] = [];
        const seen = new Set<string>();
        for (const u of urns) {
            const d = this.byUrn.get(u);
            if (d && !seen.has(u) && this.kindOf(d) === kind) {
                seen.add(u);
                out.push(d);
            }
        }
        return out;
    }

    /** Resources of `kind` anywhere in `r.dependencies`. */
    deps(r: StackResource, kind: Kind): StackResource[] {
        const out: StackResource[] = [];
        for (const u of r.dependencies) {
            const d = this.byUrn.get(u);
            if (d && this.kindOf(d) === kind) out.push(d);
        }
        return out;
    }

    /** Index of `kind` by the string value of a top-level property (built once, on first use). */
    by(kind: Kind, prop: string): Map<string, StackResource[]> {
        const key = `${kind}\u0000${prop}`;
        let m = this.propIndexes.get(key);
        if (!m) {
            m = new Map();
            for (const r of this.ofKind(kind)) {
                const v = asString(get(r.props, prop));
                if (typeof v === "string" && v !== "") {
                    let list = m.get(v);
                    if (!list) m.set(v, (list = []));
                    list.push(r);
                }
            }
            this.propIndexes.set(key, m);
        }
        return m;
    }

    /** Resources of `kind` whose `arn` or `id` equals `value`. */
    byArnOrId(kind: Kind, value: string): StackResource[] {
        return this.by(kind, "arn").get(value) ?? this.by(kind, "id").get(value) ?? [];
    }
}
