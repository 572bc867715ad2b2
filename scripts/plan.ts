// npm run plan -- [stack] [--json] [--diagram FILE] [--stack-file FILE]: what `pulumi up` would create, offline.
import { planCommand } from "../offline/plan";

planCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof Error ? err.stack : err);
        process.exit(1);
    },
);
