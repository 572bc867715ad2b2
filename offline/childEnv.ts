/**
 * A child process's environment: `base` with `overrides` applied, where an `undefined` value
 * removes the variable (a run must not inherit e.g. the shell's PULUMI_CONFIG).
 */
export function childEnv(overrides: Record<string, string | undefined> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...base };
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
    }
    return env;
}
