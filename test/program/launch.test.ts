import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// An ES module: loaded through a computed specifier so that neither tsc nor tsx rewrites the import into require().
const LAUNCH = path.join(__dirname, "..", "..", "scripts", "launch.mjs");
const importLaunch = new Function("specifier", "return import(specifier)") as (s: string) => Promise<{ buildIsCurrent(dir: string): boolean; BUILD_STAMP: string }>;

describe("scripts/launch.mjs", () => {
    it("uses the build only while no source is newer than it", async () => {
        const { buildIsCurrent, BUILD_STAMP } = await importLaunch(LAUNCH);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launch-"));
        fs.mkdirSync(path.join(dir, "components"));
        fs.mkdirSync(path.join(dir, "bin"));
        const source = path.join(dir, "components", "stack.ts");
        fs.writeFileSync(source, "export {};\n");
        assert.equal(buildIsCurrent(dir), false, "no build yet");

        fs.writeFileSync(path.join(dir, BUILD_STAMP), "built\n");
        const built = fs.statSync(path.join(dir, BUILD_STAMP)).mtime;
        fs.utimesSync(source, new Date(built.getTime() - 60_000), new Date(built.getTime() - 60_000));
        assert.equal(buildIsCurrent(dir), true, "built after the last edit");

        fs.utimesSync(source, new Date(built.getTime() + 60_000), new Date(built.getTime() + 60_000));
        assert.equal(buildIsCurrent(dir), false, "a source edited after the build");
    });
});
