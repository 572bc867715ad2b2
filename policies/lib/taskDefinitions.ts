/**
 * ECS task definitions: their container definitions (a JSON document in a string — possibly a
 * secret, possibly unknown during preview) and which task definition of the stack a service runs.
 *
 * A service names its task definition in `taskDefinition`: a full ARN (`arn:…:task-definition/
 * family:revision`), an ARN without revision, `family:revision` or `family` (the latest ACTIVE
 * revision). It is joined to the `aws:ecs/taskDefinition:TaskDefinition` resources of the stack by
 * the URNs `taskDefinition` depends on first (works in a new stack's preview, where the ARN is
 * unknown), then by family (and revision / ARN when both sides know them).
 */
import { StackIndex, StackResource } from "./graph";
import { asBool, asNumber, asObject, asString, get, items, PARSE_ERROR, ParseError, raw, Tri, triAnd, triSome, Unknown, UNKNOWN, upperOrUndefined } from "./safe";

/**
 * The container definitions: the objects of the parsed list, and its unknown elements (an element
 * that exists is a container, whatever it turns out to hold). A lone object is a list of one;
 * absent, blank or a non-JSON type is no container (the provider refuses it); {@link PARSE_ERROR}
 * when the string is not JSON; UNKNOWN when the document is.
 */
export function containersOf(props: unknown): unknown[] | Unknown | ParseError {
    const cd = raw(get(props, "containerDefinitions"));
    if (cd === UNKNOWN) return UNKNOWN;
    let doc: unknown;
    if (typeof cd === "string") {
        if (cd.trim() === "") return [];
        try {
            doc = JSON.parse(cd) as unknown;
        } catch {
            return PARSE_ERROR;
        }
    } else if (cd !== null && typeof cd === "object") {
        doc = cd;
    } else {
        return [];
    }
    const list = items(doc);
    if (list === UNKNOWN) return UNKNOWN;
    return list.filter((c) => c === UNKNOWN || asObject(c) !== undefined);
}

/** A container's name for messages: its `name`, else its position. */
export function containerLabel(c: unknown, i: number): string {
    const n = asString(get(c, "name"));
    return typeof n === "string" && n.trim() !== "" ? `'${n}'` : `#${i}`;
}

/** `essential`: omitted (or not a boolean) means true, as in ECS. */
export function isEssential(c: unknown): Tri {
    const e = asBool(get(c, "essential"));
    if (e === UNKNOWN) return UNKNOWN;
    return e !== false;
}

/**
 * The container has a health check that runs something: `healthCheck.command` starts with `CMD` or
 * `CMD-SHELL` (what ECS accepts; Docker's `NONE` disables the check) followed by a non-blank string.
 */
export function hasHealthCheckCommand(c: unknown): Tri {
    const hc = get(c, "healthCheck");
    if (hc === UNKNOWN) return UNKNOWN;
    if (asObject(hc) === undefined) return false;
    const cmd = items(get(hc, "command"));
    if (cmd === UNKNOWN) return UNKNOWN;
    if (cmd.length === 0) return false;
    const kind = upperOrUndefined(cmd[0]);
    if (kind === UNKNOWN) return UNKNOWN;
    if (kind !== "CMD" && kind !== "CMD-SHELL") return false;
    return triSome(cmd.slice(1), (x) => (x === UNKNOWN ? UNKNOWN : typeof x === "string" && x.trim() !== ""));
}

export interface ContainerHealth {
    /** Some essential container has a health check command; UNKNOWN when that depends on unknowns (or the JSON is invalid). */
    ok: Tri;
    parseError: boolean;
    /** Essential containers known to have no health check command (for messages). */
    essentialWithout: string[];
    /** Containers with a health check command that are known not to be essential (ECS ignores their health for the task's). */
    checkedNotEssential: string[];
}

/** Does an essential container of the task definition have a health check command? */
export function containerHealth(tdProps: unknown): ContainerHealth {
    const containers = containersOf(tdProps);
    if (containers === UNKNOWN) return { ok: UNKNOWN, parseError: false, essentialWithout: [], checkedNotEssential: [] };
    if (containers === PARSE_ERROR) return { ok: UNKNOWN, parseError: true, essentialWithout: [], checkedNotEssential: [] };
    const essentialWithout: string[] = [];
    const checkedNotEssential: string[] = [];
    const ok = triSome(containers, (c) => {
        const essential = isEssential(c);
        const checked = hasHealthCheckCommand(c);
        return triAnd([essential, checked]);
    });
    if (ok === false) {
        containers.forEach((c, i) => {
            if (isEssential(c) === true && hasHealthCheckCommand(c) === false) essentialWithout.push(containerLabel(c, i));
            if (isEssential(c) === false && hasHealthCheckCommand(c) === true) checkedNotEssential.push(containerLabel(c, i));
        });
    }
    return { ok, parseError: false, essentialWithout, checkedNotEssential };
}

// ---------------------------------------------------------------------------------------------
// Which task definition a service runs
// ---------------------------------------------------------------------------------------------

export interface TaskDefinitionRef {
    family: string;
    revision?: number;
    /** For an ARN: the ARN without its revision. */
    arnBase?: string;
}

const TD_ARN_MARK = ":task-definition/";

/** Parses `arn:…:task-definition/family[:revision]`, `family:revision` or `family`; undefined when it names none. */
export function parseTaskDefinitionRef(value: string): TaskDefinitionRef | undefined {
    const v = value.trim();
    let rest = v;
    let prefix: string | undefined;
    if (v.startsWith("arn:")) {
        const i = v.lastIndexOf(TD_ARN_MARK);
        if (i < 0) return undefined;
        prefix = v.slice(0, i + TD_ARN_MARK.length);
        rest = v.slice(i + TD_ARN_MARK.length);
    }
    let family = rest;
    let revision: number | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon >= 0 && /^\d+$/.test(rest.slice(colon + 1))) {
        family = rest.slice(0, colon);
        revision = Number(rest.slice(colon + 1));
    }
    if (family === "" || family.includes(":") || family.includes("/")) return undefined;
    const ref: TaskDefinitionRef = { family };
    if (revision !== undefined) ref.revision = revision;
    if (prefix !== undefined) ref.arnBase = prefix + family;
    return ref;
}

/** The task definition's ARN without revision, when known. */
function arnBaseOf(td: StackResource): string | undefined {
    const base = asString(get(td.props, "arnWithoutRevision"));
    if (typeof base === "string" && base.trim() !== "") return base.trim();
    const arn = asString(get(td.props, "arn"));
    if (typeof arn === "string" && arn.trim() !== "") return arn.trim().replace(/:\d+$/, "");
    return undefined;
}

/** Nothing the task definition is known to be contradicts the reference's revision and ARN. */
function compatible(td: StackResource, ref: TaskDefinitionRef): boolean {
    if (ref.revision !== undefined) {
        const rev = asNumber(get(td.props, "revision"));
        if (typeof rev === "number" && rev !== ref.revision) return false;
    }
    if (ref.arnBase !== undefined) {
        const base = arnBaseOf(td);
        if (base !== undefined && base !== ref.arnBase) return false;
    }
    return true;
}

export type ServiceTaskDefinition =
    /** `guessed`: the value is unknown and the only hint is a resource dependency: a failure there is not certain. */
    | { kind: "inStack"; taskDefinitions: StackResource[]; guessed: boolean }
    | { kind: "unknown"; why: string }
    /** A known reference that names no task definition of this stack (another stack's, or one made outside Pulumi). */
    | { kind: "outside"; ref: string }
    /** No `taskDefinition` at all. */
    | { kind: "none" };

/** Joins services to the stack's task definitions; built once per stack. */
export class TaskDefinitionIndex {
    /** Task definitions whose family is unknown (yet): any known reference might be one of them. */
    private readonly familyUnknown: StackResource[];

    constructor(private readonly index: StackIndex) {
        this.familyUnknown = index.ofKind("ecsTaskDefinition").filter((td) => asString(get(td.props, "family")) === UNKNOWN);
    }

    of(svc: StackResource): ServiceTaskDefinition {
        const byDeps = this.index.propDeps(svc, "taskDefinition", "ecsTaskDefinition");
        if (byDeps.length > 0) return { kind: "inStack", taskDefinitions: byDeps, guessed: false };
        const value = asString(get(svc.props, "taskDefinition"));
        if (value === UNKNOWN) {
            const deps = [...new Set(this.index.deps(svc, "ecsTaskDefinition"))];
            if (deps.length === 1) return { kind: "inStack", taskDefinitions: deps, guessed: true };
            return { kind: "unknown", why: "its taskDefinition is unknown and does not come from a task definition of this stack" };
        }
        if (value === undefined || value.trim() === "") return { kind: "none" };
        const ref = parseTaskDefinitionRef(value);
        if (ref === undefined) return { kind: "outside", ref: value };
        const exact = (this.index.by("ecsTaskDefinition", "family").get(ref.family) ?? []).filter((td) => compatible(td, ref));
        if (exact.length > 0) return { kind: "inStack", taskDefinitions: exact, guessed: false };
        const possible = this.familyUnknown.filter((td) => compatible(td, ref));
        if (possible.length > 0) {
            return { kind: "unknown", why: `its task definition '${value}' may be ${possible.map((td) => `'${td.name}'`).join(" or ")}, whose family is unknown` };
        }
        return { kind: "outside", ref: value };
    }
}
