/**
 * How the drill recognizes production: the stack's policy-pack config
 * (`policies/config/<stack>.json`) makes the `test-listener-not-public` rule mandatory. That is
 * what prod.json does and dev.json does not, and it is the file CI hands `pulumi preview` and
 * `pulumi up` for that stack, so it says what the team treats as production.
 *
 * A stack without a readable config cannot be told apart from production: it is treated as
 * production (refused without the flag), never the other way round.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { PROJECT_DIR } from "../../offline/paths";
import { isRecord } from "../outputs";

export const PRODUCTION_MARKER_RULE = "test-listener-not-public";

export interface ProductionVerdict {
    production: boolean;
    /** One line: which file said so, and how. */
    reason: string;
}

/** `org/dev`, `org/project/dev` and `dev` all use `policies/config/dev.json`. */
export function policyConfigStackName(stack: string): string {
    const parts = stack.split("/").filter((p) => p !== "");
    return parts[parts.length - 1] ?? stack;
}

export function policyConfigPath(stack: string, projectDir = PROJECT_DIR): string {
    return path.join(projectDir, "policies", "config", `${policyConfigStackName(stack)}.json`);
}

/** The verdict from the config file's text (undefined: the file does not exist or cannot be read). */
export function judgeProduction(text: string | undefined, file: string): ProductionVerdict {
    if (text === undefined) {
        return { production: true, reason: `${file} does not exist or cannot be read, so the stack may be production` };
    }
    let config: unknown;
    try {
        config = JSON.parse(text);
    } catch {
        return { production: true, reason: `${file} is not valid JSON, so the stack may be production` };
    }
    if (!isRecord(config)) return { production: true, reason: `${file} is not a JSON object, so the stack may be production` };
    const rule = config[PRODUCTION_MARKER_RULE];
    const level = typeof rule === "string" ? rule : isRecord(rule) ? rule.enforcementLevel : undefined;
    if (level === "mandatory") {
        return { production: true, reason: `${file} makes "${PRODUCTION_MARKER_RULE}" mandatory, which marks a production stack` };
    }
    return { production: false, reason: `${file} leaves "${PRODUCTION_MARKER_RULE}" ${typeof level === "string" ? level : "unset"}: not production` };
}

export async function isProductionStack(
    stack: string,
    read: (file: string) => Promise<string | undefined> = readIfExists,
    projectDir = PROJECT_DIR,
): Promise<ProductionVerdict> {
    const file = policyConfigPath(stack, projectDir);
    return judgeProduction(await read(file), path.relative(projectDir, file) || file);
}

async function readIfExists(file: string): Promise<string | undefined> {
    try {
        return await readFile(file, "utf8");
    } catch {
        return undefined;
    }
}
