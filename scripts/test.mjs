// `npm test`: the type check and the unit tests at the same time (they take about as long, and
// the machine has two cores). Mocha's output streams; tsc's follows it. Fails if either fails.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const run = (script, args, stdio) =>
    new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [require.resolve(script), ...args], { stdio });
        let output = "";
        child.stdout?.on("data", (d) => (output += d));
        child.stderr?.on("data", (d) => (output += d));
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 }));
    });

const [types, tests] = await Promise.all([
    run("typescript/bin/tsc", ["--noEmit", "-p", "."], ["ignore", "pipe", "pipe"]),
    run("mocha/bin/mocha.js", process.argv.slice(2), "inherit"),
]);
process.stdout.write(types.output);
console.log(`type check (tsc --noEmit): ${types.code === 0 ? "passed" : "FAILED"} in ${types.seconds.toFixed(1)} s; tests: ${tests.code === 0 ? "passed" : "FAILED"} in ${tests.seconds.toFixed(1)} s`);
process.exit(types.code || tests.code);
