// One compilation at a time per repository. `npm test` runs its files on two workers, and
// `npm run build` may run beside them: two tsc processes writing bin/ or policies/bin/ at once
// leave a mix of both. Whoever builds holds bin/.build-lock (created exclusively, holding its pid);
// the others wait for it, then look again at whether their build is still needed. A lock left by
// a process that died is taken over. Plain CommonJS, like buildStamp.cjs, so the build scripts,
// the offline tools and the tests share it.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const BUILD_LOCK = path.join("bin", ".build-lock");
const POLL_MS = 100;

function holderAlive(file) {
    let pid;
    try {
        pid = Number(fs.readFileSync(file, "utf8"));
    } catch {
        return false; // released meanwhile
    }
    // Created but its pid not yet written: the holder is starting.
    if (!Number.isInteger(pid) || pid <= 0) return true;
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return e.code === "EPERM";
    }
}

/** Runs `fn` (which may return a promise) holding the build lock of the repository at `root`. */
async function withBuildLock(root, fn) {
    const file = path.join(root, BUILD_LOCK);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (;;) {
        try {
            fs.writeFileSync(file, String(process.pid), { flag: "wx" });
            break;
        } catch (e) {
            if (e.code !== "EEXIST") throw e;
        }
        if (!holderAlive(file)) fs.rmSync(file, { force: true });
        else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    try {
        return await fn();
    } finally {
        fs.rmSync(file, { force: true });
    }
}

module.exports = { BUILD_LOCK, withBuildLock };
