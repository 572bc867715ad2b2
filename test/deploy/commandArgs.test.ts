import { strict as assert } from "node:assert";
import { numberFlag, parseCommandArgs } from "../../deploy/commandArgs";
import { UsageError } from "../../deploy/errors";
import { parseDeployArgs } from "../../deploy/cli";
import { parseDrillArgs } from "../../deploy/drill/cli";
import { parseVerifyArgs } from "../../deploy/verify/cli";

describe("command-line arguments shared by deploy, verify and drill", () => {
    it("reads the common options beside a command's own", () => {
        const parsed = parseCommandArgs(["prod", "--region", "eu-west-1", "--poll-seconds", "2.5", "--json"], { json: { type: "boolean" } });
        assert.ok(parsed);
        assert.deepEqual(parsed.positionals, ["prod"]);
        assert.equal(parsed.values.json, true);
        assert.deepEqual(parsed.common, { outputsFile: undefined, region: "eu-west-1", pollSeconds: 2.5, timeoutMinutes: undefined });
    });

    it("returns undefined for --help and -h", () => {
        assert.equal(parseCommandArgs(["--help"], {}), undefined);
        assert.equal(parseCommandArgs(["prod", "-h"], {}), undefined);
    });

    it("refuses a blank, non-numeric, zero or negative wait with the flag and the value given", () => {
        for (const text of [" ", "", "soon", "0", "-3", "Infinity"]) {
            assert.throws(() => numberFlag("--poll-seconds", text, { positive: true }), (e: unknown) =>
                e instanceof UsageError && e.message === `--poll-seconds must be a positive number, got ${JSON.stringify(text)}.`);
        }
        assert.equal(numberFlag("--tolerance-minutes", "0", { positive: false }), 0);
        assert.throws(() => numberFlag("--tolerance-minutes", "-1", { positive: false }), /--tolerance-minutes must be a non-negative number, got "-1"/);
        assert.equal(numberFlag("--poll-seconds", undefined, { positive: true }), undefined);
    });

    it("makes the three commands agree on a bad common flag", () => {
        const messages = [
            () => parseDeployArgs(["prod", "web", "img:1", "--timeout-minutes", " "]),
            () => parseVerifyArgs(["prod", "--timeout-minutes", " "]),
            () => parseDrillArgs(["prod", "web", "--timeout-minutes", " "]),
        ].map((parse) => {
            try {
                parse();
                return "no error";
            } catch (e) {
                return (e as Error).message;
            }
        });
        assert.deepEqual(messages, Array(3).fill('--timeout-minutes must be a positive number, got " ".'));
    });

    it("refuses an option another command owns", () => {
        assert.throws(() => parseVerifyArgs(["prod", "--kind", "start"]), UsageError);
        assert.throws(() => parseDeployArgs(["prod", "web", "img:1", "--json"]), UsageError);
    });
});
