import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { importEsm } from "../../offline/importEsm";

const LAUNCH = path.join(__dirname, "..", "..", "scripts", "launch.mjs");

interface BuildStamp {
    BUILD_STAMP: string;
    SOURCES: string[];
    sourceDigest(root: string): { digest: string; files: Record<string, string> };
    writeStamp(root: string, digest: { digest: string; files: Record<string, string> }): void;
    removeStamp(root: string): void;
    buildStatus(root: string): { current: boolean; missing: boolean; changed: string[] };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stamp = require("../../scripts/buildStamp.cjs") as BuildStamp;

function project(): { dir: string; write(rel: string, text: string): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launch-"));
    const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    };
    write("index.ts", "export {};\n");
    write("components/stack.ts", "export const a = 1;\n");
    write("tsconfig.json", "{}\n");
    return { dir, write };
}

describe("scripts/launch.mjs and the build stamp", () => {
    it("use the build only while the sources are those it was built from", async () => {
        const { buildIsCurrent, BUILD_STAMP } = await importEsm<{ buildIsCurrent(dir: string): boolean; BUILD_STAMP: string }>(LAUNCH);
        const { dir, write } = project();
        assert.equal(buildIsCurrent(dir), false, "no build yet");

        stamp.writeStamp(dir, stamp.sourceDigest(dir));
        assert.ok(fs.existsSync(path.join(dir, BUILD_STAMP)));
        assert.equal(buildIsCurrent(dir), true, "built from these sources");

        write("components/stack.ts", "export const a = 2;\n");
        assert.equal(buildIsCurrent(dir), false, "a source edited after the build");
    });

    it("compare contents, not times: a touched file is current, an edit with an old time is not", () => {
        const { dir, write } = project();
        stamp.writeStamp(dir, stamp.sourceDigest(dir));
        const source = path.join(dir, "components", "stack.ts");
        const later = new Date(Date.now() + 3600_000);
        fs.utimesSync(source, later, later);
        assert.equal(stamp.buildStatus(dir).current, true, "touched, not changed");

        // e.g. a copy or a restored cache that keeps old modification times
        write("components/stack.ts", "export const a = 3;\n");
        const earlier = new Date(Date.now() - 3600_000);
        fs.utimesSync(source, earlier, earlier);
        assert.deepEqual(stamp.buildStatus(dir), { current: false, missing: false, changed: ["components/stack.ts"] });
    });

    it("name added and removed sources, and report a missing stamp as no build", () => {
        const { dir, write } = project();
        stamp.writeStamp(dir, stamp.sourceDigest(dir));
        write("config/schema.ts", "export {};\n");
        fs.rmSync(path.join(dir, "components", "stack.ts"));
        write("test/unrelated.test.ts", "export {};\n"); // tests are not built
        write("components/notes.md", "not a source\n");
        assert.deepEqual(stamp.buildStatus(dir).changed, ["components/stack.ts", "config/schema.ts"]);

        stamp.removeStamp(dir);
        assert.deepEqual(stamp.buildStatus(dir), { current: false, missing: true, changed: [] });
        fs.writeFileSync(path.join(dir, stamp.BUILD_STAMP), "2026-01-01T00:00:00.000Z\n"); // an older stamp's format
        assert.equal(stamp.buildStatus(dir).missing, true);
    });

    it("cover every directory the build compiles, and the dependencies' lock", () => {
        const build = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "tsconfig.build.json"), "utf8")) as { include: string[] };
        for (const pattern of build.include) {
            const top = pattern.split("/**")[0];
            assert.ok(stamp.SOURCES.some((s) => s === top || top.startsWith(`${s}/`)), `${pattern} is compiled but not in SOURCES`);
        }
        assert.ok(stamp.SOURCES.includes("package-lock.json") && stamp.SOURCES.includes("policies/tsconfig.json"));
    });
});
