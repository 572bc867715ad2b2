import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import { ConfigError, formatIssues } from "./errors";
import { ProjectConfig, projectConfigSchema, projectConfigShape } from "./schema";

export * from "./schema";
export { ConfigError } from "./errors";

/** The validated configuration of one stack: the only thing components are given. */
export interface StackConfig extends ProjectConfig {
    project: string;
    stack: string;
    region: string;
    /** Top-level project keys holding `secure:` values: what they feed stays secret. */
    secretKeys: string[];
}

export interface ConfigSource {
    project: string;
    stack: string;
    /** Fully qualified key (`ns:key`) → value as the CLI passes it (structured values as JSON). */
    values: Record<string, string>;
    secretKeys?: string[];
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

/** Keys whose raw text is the value; every other key's text is JSON (numbers, booleans, lists, objects). */
const TEXT_KEYS = new Set(
    // Typed loosely on purpose: checking each schema of the shape against z.ZodType took tsc a second.
    Object.entries(projectConfigShape as Record<string, unknown>)
        .filter(([, schema]) => baseType(schema as AnySchema) === "string" || baseType(schema as AnySchema) === "enum")
        .map(([key]) => key),
);

/** Validates a stack's configuration once; throws ConfigError listing every problem. */
export function parseStackConfig(source: ConfigSource): StackConfig {
    const ns = source.project;
    const decoded: Record<string, unknown> = {};
    for (const [fullKey, raw] of Object.entries(source.values)) {
        const sep = fullKey.indexOf(":");
        if (fullKey.slice(0, sep) !== ns) continue;
        const key = fullKey.slice(sep + 1);
        decoded[key] = TEXT_KEYS.has(key) ? raw : decodeJson(raw);
    }

    const problems: string[] = [];
    const region = source.values["aws:region"];
    if (region === undefined || !REGION.test(region)) {
        problems.push(
            `aws:region: expected an AWS region such as eu-west-1 (pulumi config set aws:region <region>), got ${region === undefined ? "nothing" : JSON.stringify(region)}`,
        );
    }
    const result = projectConfigSchema.safeParse(decoded, { reportInput: true });
    if (!result.success) problems.push(...formatIssues(ns, result.error.issues, (path) => knownKeysAt(path, decoded)));
    if (problems.length > 0 || !result.success) throw new ConfigError(source.stack, problems);

    const secretKeys = (source.secretKeys ?? [])
        .filter((k) => k.startsWith(`${ns}:`))
        .map((k) => k.slice(ns.length + 1));
    return { ...result.data, project: ns, stack: source.stack, region: region!, secretKeys };
}

/** Reads the configuration the Pulumi engine passed to this program. */
export function loadStackConfig(): StackConfig {
    const values = pulumi.runtime.allConfig();
    // The SDK knows which keys held `secure:` values but does not declare the function in its typings.
    const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };
    const secretKeys = Object.keys(values).filter((k) => isConfigSecret(k));
    return parseStackConfig({ project: pulumi.getProject(), stack: pulumi.getStack(), values, secretKeys });
}

function decodeJson(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        // Not JSON: hand the text to the schema, which names the type it expected.
        return raw;
    }
}

type AnySchema = z.ZodType;

function def(schema: AnySchema): any {
    return (schema as any)._zod.def;
}

/** Unwraps defaults, optionals and pipes down to the schema that decides the type. */
function unwrap(schema: AnySchema): AnySchema {
    let s = schema;
    for (;;) {
        const d = def(s);
        if (["default", "prefault", "optional", "nullable", "readonly", "catch"].includes(d.type)) s = d.innerType;
        // A preprocess is a pipe from a transform into the schema that decides; .transform() the reverse.
        else if (d.type === "pipe") s = def(d.in).type === "transform" ? d.out : d.in;
        else return s;
    }
}

function baseType(schema: AnySchema): string {
    return def(unwrap(schema)).type;
}

/** The keys the schema accepts at `path`, following the data through lists and unions. */
function knownKeysAt(path: readonly PropertyKey[], data: unknown): string[] {
    // Through unknown: relating the whole schema's type to z.ZodType cost tsc most of a second.
    let schema = projectConfigSchema as unknown as AnySchema;
    let value: unknown = data;
    for (const part of path) {
        schema = resolveUnion(unwrap(schema), value);
        const d = def(schema);
        value = value !== null && typeof value === "object" ? (value as any)[part as any] : undefined;
        if (d.type === "object") schema = d.shape[part as string];
        else if (d.type === "array") schema = d.element;
        else if (d.type === "record") schema = d.valueType;
        else return [];
        if (!schema) return [];
    }
    const target = resolveUnion(unwrap(schema), value);
    return def(target).type === "object" ? Object.keys(def(target).shape) : [];
}

/** For a discriminated union, the option whose discriminator matches the data. */
function resolveUnion(schema: AnySchema, value: unknown): AnySchema {
    const d = def(schema);
    if (d.type !== "union") return schema;
    const options: AnySchema[] = d.options.map(unwrap);
    const disc = d.discriminator as string | undefined;
    const wanted = disc && value && typeof value === "object" ? (value as any)[disc] : undefined;
    const match = options.find((o) => def(o).type === "object" && def(def(o).shape[disc ?? ""] ?? o).values?.includes?.(wanted));
    return match ?? options.find((o) => def(o).type === "object") ?? schema;
}
