// npm run plan -- [stack] [--json]: what `pulumi up` would create, offline.
import { parseArgs } from "util";
import { EXIT, planStack, renderPlan } from "../offline/plan";

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: "boolean" } } });
    const stack = positionals[0] ?? "dev";
    const { plan } = await planStack({ stack });
    process.stdout.write((values.json ? JSON.stringify(plan, null, 2) : renderPlan(plan)) + "\n");
    if (plan.configErrors) return EXIT.invalidConfig;
    return plan.error ? EXIT.mandatoryViolation : EXIT.ok;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(EXIT.invalidConfig);
    },
);
