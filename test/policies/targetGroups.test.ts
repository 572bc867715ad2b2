import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import { checkDedicatedHealthPath, checkTargetGroupHealthCheck, isHttpTargetGroup, targetGroupHealthCheckPath } from "../../policies/rules/targetGroups";
import { TOKENS } from "../../policies/lib/tokens";
import { single, U, urnOf } from "./fixtures";
import { validateResource } from "./helpers";

const ctx = (config: Record<string, unknown> = {}) => ({ urn: urnOf("aws:lb/targetGroup:TargetGroup", "tg"), name: "tg", type: "aws:lb/targetGroup:TargetGroup", config });

describe("target-group-health-check-path", () => {
    it("covers every target group token of @pulumi/aws 7, aliases included", () => {
        assert.deepStrictEqual([...TOKENS.targetGroup].sort(), [
            "aws:alb/targetGroup:TargetGroup",
            "aws:applicationloadbalancing/targetGroup:TargetGroup",
            "aws:elasticloadbalancingv2/targetGroup:TargetGroup",
            "aws:lb/targetGroup:TargetGroup",
        ]);
    });
    for (const type of TOKENS.targetGroup) {
        it(`rejects an HTTP target group without a health check path (${type})`, async () => {
            const rep = await validateResource(targetGroupHealthCheckPath, single(type, "tg", { protocol: "HTTP", port: 80, targetType: "ip" }));
            assert.strictEqual(rep.violations.length, 1, type);
            const ok = await validateResource(targetGroupHealthCheckPath, single(type, "tg", { protocol: "HTTP", healthCheck: { path: "/health" } }));
            assert.strictEqual(ok.violations.length, 0, type);
        });
    }
    it("decides which target groups are concerned", () => {
        assert.strictEqual(isHttpTargetGroup({ protocol: "HTTPS" }), true);
        assert.strictEqual(isHttpTargetGroup({ protocol: "http" }), true);
        assert.strictEqual(isHttpTargetGroup({ targetType: "ip" }), true, "missing protocol on non-lambda");
        assert.strictEqual(isHttpTargetGroup({}), true);
        for (const protocol of ["TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"]) assert.strictEqual(isHttpTargetGroup({ protocol }), false, protocol);
        assert.strictEqual(isHttpTargetGroup({ targetType: "lambda" }), false);
        assert.strictEqual(typeof isHttpTargetGroup({ protocol: U }), "symbol");
        assert.strictEqual(isHttpTargetGroup({ protocol: U, targetType: "lambda" }), false);
        assert.strictEqual(typeof isHttpTargetGroup({ protocol: "HTTP", targetType: U }), "symbol", "an unknown target type may be lambda");
    });
    it("rejects a disabled check, a missing or relative path", () => {
        assert.match(checkTargetGroupHealthCheck({ protocol: "HTTP", healthCheck: { enabled: false, path: "/health" } }, ctx())[0].message, /disabled/);
        assert.match(checkTargetGroupHealthCheck({ protocol: "HTTP", healthCheck: { enabled: true } }, ctx())[0].message, /no explicit health check path/);
        assert.match(checkTargetGroupHealthCheck({ protocol: "HTTP", healthCheck: { path: "health" } }, ctx())[0].message, /must start with/);
        assert.match(checkTargetGroupHealthCheck({ protocol: "HTTP" }, ctx())[0].message, /no healthCheck block/);
    });
    it("ignores TCP and lambda target groups", () => {
        assert.deepStrictEqual(checkTargetGroupHealthCheck({ protocol: "TCP" }, ctx()), []);
        assert.deepStrictEqual(checkTargetGroupHealthCheck({ targetType: "lambda" }, ctx()), []);
    });
    it("is undecided on unknowns", () => {
        for (const props of [{ protocol: U }, { protocol: "HTTP", healthCheck: U }, { protocol: "HTTP", healthCheck: { path: U } }, { protocol: "HTTP", targetType: U }]) {
            const f = checkTargetGroupHealthCheck(props, ctx());
            assert.ok(f.length === 1 && f[0].undecided, JSON.stringify(props));
        }
    });
    it("runs in the runner with the alb alias token and preview unknowns", async () => {
        const res = await runPolicyPack([
            single("aws:alb/targetGroup:TargetGroup", "bad", { protocol: "HTTPS", healthCheck: { enabled: false } }),
            single("aws:alb/targetGroup:TargetGroup", "unknown", { protocol: "HTTP", healthCheck: { path: U } }),
            single("aws:lb/targetGroup:TargetGroup", "nlb", { protocol: "TCP" }),
        ], { preview: true });
        const v = res.violations.filter((x) => x.policyName === "target-group-health-check-path");
        assert.deepStrictEqual(v.map((x) => [x.resourceName, x.enforcementLevel]), [["bad", "mandatory"], ["unknown", "advisory"]]);
        assert.match(v[1].message, /undecided/);
    });
});

describe("target-group-dedicated-health-path (advisory)", () => {
    it("flags `/` and accepts a dedicated path", () => {
        assert.strictEqual(checkDedicatedHealthPath({ protocol: "HTTP", healthCheck: { path: "/" } }, ctx()).length, 1);
        assert.deepStrictEqual(checkDedicatedHealthPath({ protocol: "HTTP", healthCheck: { path: "/health" } }, ctx()), []);
        assert.deepStrictEqual(checkDedicatedHealthPath({ protocol: "TCP", healthCheck: { path: "/" } }, ctx()), []);
    });
    it("only leaves a note for `/` while healthCheck.enabled is unknown (a disabled check probes nothing)", () => {
        const f = checkDedicatedHealthPath({ protocol: "HTTP", healthCheck: { enabled: U, path: "/" } }, ctx());
        assert.ok(f.length === 1 && f[0].undecided, JSON.stringify(f));
        assert.deepStrictEqual(checkDedicatedHealthPath({ protocol: "HTTP", healthCheck: { enabled: false, path: "/" } }, ctx()), []);
    });
    it("honours allowedPaths", () => {
        const config = { allowedPaths: ["/healthz"] };
        assert.strictEqual(checkDedicatedHealthPath({ protocol: "HTTP", healthCheck: { path: "/health" } }, ctx(config)).length, 1);
        assert.deepStrictEqual(checkDedicatedHealthPath({ protocol: "HTTP", healthCheck: { path: "/healthz" } }, ctx(config)), []);
    });
    it("is reported as advisory by the runner", async () => {
        const res = await runPolicyPack([single("aws:lb/targetGroup:TargetGroup", "root", { protocol: "HTTP", healthCheck: { path: "/" } })]);
        const v = res.violations.filter((x) => x.policyName === "target-group-dedicated-health-path");
        assert.deepStrictEqual(v.map((x) => x.enforcementLevel), ["advisory"]);
        assert.strictEqual(res.mandatoryCount, 0);
    });
});
