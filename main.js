// What `pulumi preview` and `pulumi up` run (Pulumi.yaml `main: main.js`, `typescript: false`): the
// program as `npm ci` / `npm run build` compiled it to bin/ (tsc: type-checked, and nothing emitted on a
// type error), and only while bin/ was built from the sources as they are now; otherwise it stops
// before anything is registered and says why. Node loads the compiled program in a fraction of the
// time ts-node took to compile and type-check index.ts on every run. See README, "Performance".
"use strict";
const path = require("node:path");
const { buildStatus, BUILD_STAMP } = require("./scripts/buildStamp.cjs");

mapOwnFramesOnly(path.join(__dirname, "bin") + path.sep);

const status = buildStatus(__dirname);
if (!status.current) {
    const { RunError } = require("@pulumi/pulumi");
    const shown = status.changed.slice(0, 5).join(", ") + (status.changed.length > 5 ? `, and ${status.changed.length - 5} more` : "");
    throw new RunError(
        (status.missing
            ? `There is no complete build of this program (${BUILD_STAMP} is missing: \`npm run build\` never ran, failed on an error, or is running).`
            : `The compiled program in bin/ was not built from these sources (changed since the build: ${shown}).`) +
            " Run `npm run build` (it type-checks and compiles the program; `npm ci` runs it too), then run this command again." +
            " `pulumi preview` and `pulumi up` run only a build of the current sources, so code that does not type-check is never deployed.",
    );
}

module.exports = require("./bin/index.js");

/**
 * The runtime (cmd/run) maps every frame of every stack trace through source maps
 * (source-map-support), and the SDK takes a stack trace for each promise it makes and an unbounded
 * one for each resource: with the compiled program that mapping was a third of the run. Only the
 * program's own frames are worth mapping (bin/*.js to the TypeScript), so errors and resource source
 * positions still name the .ts files: the frames under `dir` are mapped, once per position, and the
 * others are left as V8 prints them. The SDK's own maps point at sources it does not ship
 * (node_modules/@pulumi/resource.ts), and on Node 20.19.6 and later util.inspect loops on such a
 * frame until it runs out of memory (nodejs/node#64011): cmd/run inspects every error it reports,
 * so an error, this file's refusal included, took about 15 s to appear. Hence installed first.
 */
function mapOwnFramesOnly(dir) {
    let mapSourcePosition;
    try {
        // The copy cmd/run registered (its caches of files and maps are shared).
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        ({ mapSourcePosition } = require(require.resolve("source-map-support", { paths: [pulumiDir] })));
    } catch {
        return; // keep the runtime's own handling
    }
    const mapped = new Map();
    const mapFrame = (frame) => {
        const text = String(frame);
        const file = frame.getFileName();
        if (!file || !file.startsWith(dir)) return text;
        const at = `${file}:${frame.getLineNumber()}:${frame.getColumnNumber()}`;
        let to = mapped.get(at);
        if (to === undefined) {
            const pos = mapSourcePosition({ source: file, line: frame.getLineNumber(), column: frame.getColumnNumber() - 1 });
            to = `${pos.source}:${pos.line}:${pos.column + 1}`;
            mapped.set(at, to);
        }
        return text.replace(at, to);
    };
    Error.prepareStackTrace = (error, frames) => {
        let head;
        try {
            head = Error.prototype.toString.call(error);
        } catch {
            head = "Error";
        }
        return head + frames.map((frame) => {
            try {
                return `\n    at ${mapFrame(frame)}`;
            } catch {
                return `\n    at ${frame}`;
            }
        }).join("");
    };
}
