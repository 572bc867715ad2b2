import { strict as assert } from "assert";
import { ConfigError, parseStackConfig } from "../../config";
import { runProgram, type RunResult } from "../../offline/engine";
import { planStack } from "../../offline/plan";
import { configValues } from "../../offline/stackFiles";
import type { RegisteredResource } from "../../offline/types";

/**
 * `make(key)` computed once per key and test process, for results the tests only read (a run of a
 * committed stack, its plan). Runs are serialised by the engine.
 */
export function once<T>(make: (key: string) => Promise<T>): (key: string) => Promise<T> {
    const made = new Map<string, Promise<T>>();
    return (key) => {
        if (!made.has(key)) made.set(key, make(key));
        return made.get(key)!;
    };
}

/** index.ts run for a stack file. */
export const runStack = once((stack) => runProgram({ stack }));

/** A stack's offline plan with its policy verdict (policies/config/<stack>.json). */
export const planOf = once((stack) => planStack({ stack }));

/** A stack's first `pulumi preview` (computed outputs unknown). */
export const previewStack = once((stack) => runProgram({ stack, preview: true }));

/** Runs index.ts with a config given inline (keys without namespace belong to the project). */
export function runWithConfig(config: Record<string, unknown>, stack = "test"): Promise<RunResult> {
    return runProgram({ stack, config: configValues("ecs-deploy", stack, { "aws:region": "eu-west-1", ...config }) });
}

export function ofType(result: RunResult, ...types: string[]): RegisteredResource[] {
    return result.resources.filter((r) => types.includes(r.type));
}

export function named(result: RunResult, type: string, name: string): RegisteredResource {
    const found = result.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; have ${ofType(result, type).map((r) => r.name).join(", ")}`);
    return found;
}

/** A minimal valid service, to be overridden per test. */
export function service(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name, image: `example/${name}:1`, healthCheck: { path: `/${name}/health` }, routing: { pathPatterns: [`/${name}/*`] }, ...extra };
}

/** Parses a config given inline, as the program would. */
export const parseWith = (config: Record<string, unknown>) =>
    parseStackConfig(configValues("ecs-deploy", "test", { "aws:region": "eu-west-1", ...config }));

/** The problems a config is refused with; fails when it is accepted. */
export function problemsOf(config: Record<string, unknown>): string[] {
    try {
        parseWith(config);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.problems;
    }
    assert.fail("the config was accepted");
}
