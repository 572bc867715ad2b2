import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** What the Pulumi CLI would pass a program for one stack: flat `ns:key` → text, and which keys are secret. */
export interface StackConfigValues {
    project: string;
    stack: string;
    values: Record<string, string>;
    secretKeys: string[];
}

/** Offline there is no passphrase or service to decrypt `secure:` values: they read as this. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` as the CLI does: keys without a namespace
 * belong to the project, structured values reach the program as JSON, declared defaults of
 * the project file fill keys the stack leaves out, and a key holding any `secure:` value is secret.
 */
export function readStackConfig(projectDir: string, stack: string, file?: string): StackConfigValues {
    const project = parseYamlFile(path.join(projectDir, "Pulumi.yaml")) as { name: string; config?: Record<string, unknown> };
    const stackFile = file ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${stackFile} (stacks here: ${listStacks(projectDir).join(", ") || "none"})`);
    const stackDoc = (parseYamlFile(stackFile) ?? {}) as { config?: Record<string, unknown> };
    return configValues(project.name, stack, stackDoc.config ?? {}, project.config ?? {});
}

const parsed = new Map<string, { text: string; doc: unknown }>();
/** A YAML file's document, parsed again only when its text changed (the tests and the day-2 model read the stack files hundreds of times; configValues only reads it). */
function parseYamlFile(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    const hit = parsed.get(file);
    if (hit?.text === text) return hit.doc;
    const doc = parse(text) as unknown;
    parsed.set(file, { text, doc });
    return doc;
}

export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The values the CLI passes for a stack's config. `reveal` stands in for decryption: it turns a
 * `secure:` ciphertext into the plaintext the program sees (the placeholder when not given).
 */
export function configValues(
    project: string,
    stack: string,
    stackConfig: Record<string, unknown>,
    declarations: Record<string, unknown> = {},
    reveal: (ciphertext: string) => string = () => SECRET_PLACEHOLDER,
): StackConfigValues {
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    for (const [key, raw] of Object.entries(stackConfig)) {
        const { value, secret } = plain(raw, reveal);
        values[qualify(key)] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(qualify(key));
    }
    for (const [key, decl] of Object.entries(declarations)) {
        const d = decl as { default?: unknown } | null;
        if (values[qualify(key)] === undefined && d && typeof d === "object" && "default" in d) {
            values[qualify(key)] = typeof d.default === "string" ? d.default : JSON.stringify(d.default);
        }
    }
    return { project, stack, values, secretKeys };
}

/** Replaces `{secure: …}` with what `reveal` makes of it, reporting whether any was found. */
function plain(value: unknown, reveal: (ciphertext: string) => string): { value: unknown; secret: boolean } {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") return { value: reveal(obj.secure), secret: true };
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            const p = plain(v, reveal);
            out[k] = p.value;
            secret ||= p.secret;
        }
        return { value: out, secret };
    }
    if (Array.isArray(value)) {
        const items = value.map((v) => plain(v, reveal));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    return { value, secret: false };
}
