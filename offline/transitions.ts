/**
 * The config changes a team makes to a living stack, as data: each turns one stack config into
 * the next. The day-2 tests run each on dev and prod after releases, and `plan --against`
 * explains the same kind of change for any two configs.
 */
import { withConfig, withService, type StepReport, type UpResult } from "./day2";
import type { StackConfigValues } from "./stackFiles";

export interface Transition {
    name: string;
    /** The stack to start from, when the transition needs one (HTTPS off starts with HTTPS on). */
    from?(config: StackConfigValues): StackConfigValues;
    apply(config: StackConfigValues): StackConfigValues;
    /** Stacks the transition does not apply to (it would change nothing, or needs a mode they lack). */
    appliesTo?(config: StackConfigValues): boolean;
}

const CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123";

/** The web services (workers have no load balancer, alarms of their own, and only the rolling mode). */
function services(config: StackConfigValues): { name: string; deployment?: { mode?: string } }[] {
    return JSON.parse(config.values[`${config.project}:services`]).filter((s: { kind?: string }) => (s.kind ?? "web") === "web");
}

/** The first service of the given mode. */
function serviceOf(config: StackConfigValues, mode: string): string {
    return services(config).find((s) => (s.deployment?.mode ?? "rolling") === mode)!.name;
}

const hasMode = (mode: string) => (c: StackConfigValues) => services(c).some((s) => (s.deployment?.mode ?? "rolling") === mode);
const number = (c: StackConfigValues, key: string, fallback: number) => Number(c.values[`${c.project}:${key}`] ?? fallback);

const set = (key: string, value: unknown) => (c: StackConfigValues) => withConfig(c, key, () => value);
const eachService = (fn: (svc: any) => any) => (c: StackConfigValues) => withConfig(c, "services", (services: any[]) => services.map(fn));
const eachWebService = (fn: (svc: any) => any) => eachService((s) => ((s.kind ?? "web") === "web" ? fn(s) : s));

export const TRANSITIONS: readonly Transition[] = [
    { name: "HTTPS on", apply: set("certificateArn", CERTIFICATE) },
    { name: "HTTPS off", from: set("certificateArn", CERTIFICATE), apply: set("certificateArn", undefined) },
    { name: "NAT single → none", from: set("natGateways", "single"), apply: set("natGateways", "none") },
    { name: "NAT none → single", from: set("natGateways", "none"), apply: set("natGateways", "single") },
    { name: "NAT single → one per AZ", from: set("natGateways", "single"), apply: set("natGateways", "one-per-az") },
    { name: "NAT one per AZ → single", from: set("natGateways", "one-per-az"), apply: set("natGateways", "single") },
    { name: "one more AZ", apply: (c) => set("availabilityZones", number(c, "availabilityZones", 2) + 1)(c) },
    { name: "new image", apply: eachService((s) => ({ ...s, image: `${s.image}-next` })) },
    { name: "new environment variable", apply: eachService((s) => ({ ...s, environment: { ...s.environment, FEATURE_FLAG: "on" } })) },
    { name: "cpu and memory", apply: eachService((s) => ({ ...s, cpu: 1024, memory: 4096 })) },
    { name: "alarm thresholds", apply: eachWebService((s) => ({ ...s, alarms: { ...s.alarms, p99LatencySeconds: 3, evaluationPeriods: 5 } })) },
    {
        name: "desired count",
        apply: eachService((s) => (s.scaling ? s : { ...s, desiredCount: (s.desiredCount ?? 2) + 1 })),
        appliesTo: (c) => JSON.parse(c.values[`${c.project}:services`]).some((s: { scaling?: unknown }) => !s.scaling),
    },
    { name: "scaling range", apply: eachService((s) => (s.scaling ? { ...s, scaling: { ...s.scaling, max: s.scaling.max + 2 } } : s)), appliesTo: (c) => c.values[`${c.project}:services`].includes('"scaling"') },
    {
        name: "add a service",
        apply: (c) =>
            withConfig(c, "services", (services: any[]) => [
                ...services,
                { name: "admin", image: "example/admin:1", healthCheck: { path: "/admin/health" }, routing: { pathPatterns: ["/admin/*"], priority: 500 } },
            ]),
    },
    { name: "remove a service", apply: (c) => withConfig(c, "services", (services: any[]) => services.slice(0, -1)) },
    {
        name: "rolling → bluegreen",
        appliesTo: hasMode("rolling"),
        apply: (c) => withService(c, serviceOf(c, "rolling"), (s) => ({ ...s, deployment: { mode: "bluegreen", bakeTimeMinutes: 5 } })),
    },
    {
        name: "bluegreen → rolling",
        appliesTo: hasMode("bluegreen"),
        apply: (c) => withService(c, serviceOf(c, "bluegreen"), (s) => ({ ...s, deployment: { mode: "rolling" } })),
    },
    { name: "test listener port", apply: set("testListenerPort", 9443) },
];

export interface TransitionSummary {
    created: string[];
    updated: string[];
    replaced: string[];
    deleted: string[];
    /** Held back on CODE_DEPLOY services until the next release. */
    deferred: string[];
}

const label = (s: StepReport) => `${s.type.split(":").pop()} ${s.name}`;

export function summarize(result: Pick<UpResult, "steps">): TransitionSummary {
    const of = (op: string) => result.steps.filter((s) => s.op === op).map(label).sort();
    return {
        created: of("create"),
        updated: result.steps.filter((s) => s.op === "update").map((s) => `${label(s)} (${s.changedPaths.join(", ")})`).sort(),
        replaced: result.steps.filter((s) => s.op === "replace").map((s) => `${label(s)} (${s.replaceKeys.join(", ")})`).sort(),
        deleted: of("delete"),
        deferred: result.steps.filter((s) => s.deferred.length > 0).map((s) => `${label(s)} (${s.deferred.join(", ")})`).sort(),
    };
}
