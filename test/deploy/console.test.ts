import { strict as assert } from "node:assert";
import { createConsoleReporter, formatElapsed, type OutputStream } from "../../deploy/console";
import { consoleUrl, describeCurrentStep, describeOverview, describeProgress, describeTaskSets } from "../../deploy/progress";

function stream(isTTY: boolean, columns?: number): OutputStream & { written: string } {
    const s = { written: "", isTTY, columns, write: (text: string) => (s.written += text) };
    return s;
}

describe("deploy/console reporters", () => {
    it("a log (non-TTY) gets one line per change of state, none for repeats", () => {
        const out = stream(false);
        const reporter = createConsoleReporter(out, stream(false));
        reporter.progress("InProgress | traffic blue 100%", 0);
        reporter.progress("InProgress | traffic blue 100%", 10_000);
        reporter.progress("InProgress | traffic blue 90%", 20_000);
        assert.equal(out.written, "[00:00] InProgress | traffic blue 100%\n[00:20] InProgress | traffic blue 90%\n");
    });

    it("a terminal gets one line redrawn in place, and permanent lines above it", () => {
        const out = stream(true);
        const reporter = createConsoleReporter(out, stream(true));
        reporter.progress("Created", 0);
        reporter.progress("InProgress", 65_000);
        reporter.info("note");
        reporter.progressDone();
        assert.equal(out.written, "\r\x1b[2K[00:00] Created\r\x1b[2K[01:05] InProgress\r\x1b[2Knote\n[01:05] InProgress\n");
        assert.equal(out.written.split("\n").length - 1, 2, "only the note and the final state end with a newline");
    });

    it("a terminal line is cut to the terminal width so that \\r redraws all of it", () => {
        const out = stream(true, 20);
        createConsoleReporter(out, stream(true)).progress("InProgress | traffic blue 100% -> green 0%", 0);
        assert.ok(out.written.replace("\r\x1b[2K", "").length < 20);
    });

    it("errors go to stderr", () => {
        const out = stream(false);
        const err = stream(false);
        createConsoleReporter(out, err).error("boom");
        assert.equal(err.written, "boom\n");
        assert.equal(out.written, "");
    });

    it("formats elapsed time", () => {
        assert.equal(formatElapsed(59_999), "00:59");
        assert.equal(formatElapsed(3_725_000), "1:02:05");
    });
});

describe("deploy/progress text", () => {
    it("describes status, traffic (blue first), current step and target overview", () => {
        const line = describeProgress({
            deployment: { status: "InProgress", deploymentOverview: { InProgress: 1, Succeeded: 0 } },
            target: {
                taskSetsInfo: [
                    { taskSetLabel: "Green", trafficWeight: 10, runningCount: 3, desiredCount: 3 },
                    { taskSetLabel: "Blue", trafficWeight: 90, runningCount: 3, desiredCount: 3 },
                ],
                lifecycleEvents: [
                    { lifecycleEventName: "Install", status: "Succeeded" },
                    { lifecycleEventName: "AllowTraffic", status: "InProgress" },
                    { lifecycleEventName: "AfterAllowTraffic", status: "Pending" },
                ],
            },
        });
        assert.equal(line, "InProgress | traffic blue 90% (3/3) -> green 10% (3/3) | step 2/3 AllowTraffic InProgress | targets InProgress 1");
    });

    it("shows the last event that moved when none is in progress", () => {
        assert.equal(
            describeCurrentStep([
                { lifecycleEventName: "Install", status: "Succeeded" },
                { lifecycleEventName: "AllowTestTraffic", status: "Succeeded" },
                { lifecycleEventName: "AllowTraffic", status: "Pending" },
            ]),
            "step 2/3 AllowTestTraffic Succeeded",
        );
    });

    it("leaves out what is not known yet", () => {
        assert.equal(describeProgress({ deployment: { status: "Created" } }), "Created");
        assert.equal(describeTaskSets([]), undefined);
        assert.equal(describeOverview({ Pending: 0 }), undefined);
    });

    it("links the China console to its own domain", () => {
        assert.equal(consoleUrl("cn-north-1", "d-1"), "https://cn-north-1.console.amazonaws.cn/codesuite/codedeploy/deployments/d-1?region=cn-north-1");
    });
});
