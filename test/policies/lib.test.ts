import * as assert from "assert";
import * as fs from "fs";
import { unknownCheckingProxy } from "@pulumi/policy";
import { matchEventPattern } from "../../policies/lib/eventPattern";
import { isExempt, resolveConfig } from "../../policies/lib/rule";
import { asBool, asNumber, get, items, path, raw, UNKNOWN } from "../../policies/lib/safe";
import { kindOf, TOKENS } from "../../policies/lib/tokens";
import { U } from "./fixtures";

describe("lib/safe", () => {
    it("reads through the SDK's unknown-checking proxy without throwing", () => {
        const props = unknownCheckingProxy({ a: { b: U, c: [1, U] }, d: "x" });
        assert.throws(() => (props as Record<string, any>).a.b, /can't be known during preview/, "the SDK proxy throws");
        assert.strictEqual(path(props, "a", "b"), UNKNOWN);
        assert.strictEqual(path(props, "a", "c", 1), UNKNOWN);
        assert.strictEqual(path(props, "a", "c", 0), 1);
        assert.strictEqual(get(props, "d"), "x");
        assert.strictEqual(get(props, "missing"), undefined);
        assert.deepStrictEqual(items(path(props, "a", "c")), [1, UNKNOWN]);
        assert.strictEqual(path(unknownCheckingProxy({ a: U }), "a", "b", "c"), UNKNOWN);
    });
    it("never throws on odd shapes", () => {
        for (const v of [null, undefined, 0, "s", [], [1], true, () => 1, new Map(), Symbol("s")]) {
            assert.doesNotThrow(() => [get(v, "x"), path(v, "a", 0, "b"), items(v), raw(v), asBool(v), asNumber(v)]);
        }
        const hostile = new Proxy({}, { get() { throw new Error("boom"); }, has() { throw new Error("boom"); }, getOwnPropertyDescriptor() { throw new Error("boom"); } });
        assert.doesNotThrow(() => [get(hostile, "x"), path(hostile, "a"), items(hostile), raw(hostile)]);
    });
    it("unwraps secrets", () => {
        assert.strictEqual(get({ s: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "v" } }, "s"), "v");
    });
    it("coerces booleans and numbers", () => {
        assert.strictEqual(asBool("true"), true);
        assert.strictEqual(asBool(1), undefined);
        assert.strictEqual(asNumber("10"), 10);
        assert.strictEqual(asNumber(" 6e1 "), 60);
        assert.strictEqual(asNumber("x"), undefined);
        for (const notDecimal of ["0x3c", "0b1", "0o7", "1_000", "Infinity", ""]) assert.strictEqual(asNumber(notDecimal), undefined, notDecimal);
        assert.strictEqual(asNumber(U), UNKNOWN);
    });
});

describe("lib/eventPattern", () => {
    const event = { source: "aws.ecs", "detail-type": "ECS Deployment State Change", resources: ["arn:aws:ecs:r:1:service/c/s"], detail: { eventName: "SERVICE_DEPLOYMENT_FAILED" } };
    it("implements the EventBridge matching rules", () => {
        assert.strictEqual(matchEventPattern({ source: ["aws.ecs"] }, event), true);
        assert.strictEqual(matchEventPattern({ source: ["aws.ec2"] }, event), false);
        assert.strictEqual(matchEventPattern({ detail: { eventName: [{ prefix: "SERVICE_" }] } }, event), true);
        assert.strictEqual(matchEventPattern({ detail: { eventName: [{ suffix: "_FAILED" }] } }, event), true);
        assert.strictEqual(matchEventPattern({ detail: { eventName: [{ "equals-ignore-case": "service_deployment_failed" }] } }, event), true);
        assert.strictEqual(matchEventPattern({ detail: { reason: [{ exists: false }] } }, event), true);
        assert.strictEqual(matchEventPattern({ detail: { reason: [{ exists: true }] } }, event), false);
        assert.strictEqual(matchEventPattern({ resources: [{ wildcard: "*:service/c/*" }] }, event), true);
        assert.strictEqual(matchEventPattern({ $or: [{ source: ["x"] }, { source: ["aws.ecs"] }] }, event), true);
        assert.strictEqual(matchEventPattern({}, event), false);
        assert.strictEqual(matchEventPattern("nonsense", event), false);
    });
    it("is three-valued on unknown event values", () => {
        const e = { ...event, resources: [UNKNOWN] };
        assert.strictEqual(matchEventPattern({ resources: ["arn:aws:ecs:r:1:service/c/s"] }, e), UNKNOWN);
        assert.strictEqual(matchEventPattern({ resources: ["arn"], source: ["aws.ec2"] }, e), false);
        assert.strictEqual(matchEventPattern({ resources: [{ exists: true }] }, e), true);
    });
});

describe("lib/rule and tokens", () => {
    it("matches exemptions by name or URN with *", () => {
        assert.ok(isExempt(["legacy-*"], "legacy-api", "urn:x"));
        assert.ok(isExempt(["*::aws:ecs/service:Service::api"], "api", "urn:pulumi:s::p::aws:ecs/service:Service::api"));
        assert.ok(!isExempt(["legacy"], "legacy-api", "urn:x"));
        assert.ok(!isExempt(["a.c"], "abc", "u"), "dots are literal");
        assert.ok(!isExempt([], "a", "b"));
    });
    it("applies schema defaults and replaces wrongly typed values", () => {
        const schema = { properties: { n: { type: "integer" as const, default: 5, minimum: 0 }, l: { type: "array" as const, items: { type: "string" as const }, default: [] } } };
        assert.deepStrictEqual(resolveConfig(schema, {}), { n: 5, l: [] });
        assert.deepStrictEqual(resolveConfig(schema, { n: 7, l: ["a"] }), { n: 7, l: ["a"] });
        assert.deepStrictEqual(resolveConfig(schema, { n: "7", l: [1] }), { n: 5, l: [] });
        assert.deepStrictEqual(resolveConfig(schema, { n: -1 }), { n: 5, l: [] });
        assert.deepStrictEqual(resolveConfig(schema, null), { n: 5, l: [] });
    });
    it("maps every alias token to its kind", () => {
        for (const t of ["aws:lb/listener:Listener", "aws:alb/listener:Listener", "aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"]) {
            assert.ok(kindOf(t), t);
        }
        assert.strictEqual(kindOf("awsx:ecs:FargateService"), undefined);
        assert.strictEqual(TOKENS.listenerRule.length, 4);
    });
    it("knows every token @pulumi/aws declares for the kinds it covers (no missing alias)", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pairs: [string, string][] = [["lb", "TargetGroup"], ["alb", "TargetGroup"], ["lb", "Listener"], ["alb", "Listener"], ["lb", "ListenerRule"], ["alb", "ListenerRule"], ["lb", "LoadBalancer"], ["alb", "LoadBalancer"]];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const aws = require("@pulumi/aws");
        for (const [mod, cls] of pairs) {
            const ctor = aws[mod][cls];
            assert.ok(kindOf(ctor.__pulumiType), ctor.__pulumiType);
            // and the legacy type tokens each class declares as aliases
            const file = require.resolve(`@pulumi/aws/${mod}/${cls[0].toLowerCase()}${cls.slice(1)}.js`);
            const aliases = [...fs.readFileSync(file, "utf8").matchAll(/aliases: \[([^\]]*)\]/g)].flatMap((m) => [...m[1].matchAll(/type: "([^"]+)"/g)].map((x) => x[1]));
            assert.ok(aliases.length > 0, file);
            for (const a of aliases) assert.strictEqual(kindOf(a), kindOf(ctor.__pulumiType), a);
        }
    });
});

describe("lib/wiring", () => {
    it("turns a bug in a decision function into an advisory note, never a throw", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { resourcePolicy, stackPolicy } = require("../../policies/lib/wiring") as typeof import("../../policies/lib/wiring");
        const buggy = resourcePolicy({
            name: "buggy", description: "d", enforcementLevel: "mandatory", configSchema: { properties: {} }, kinds: ["ecsService"],
            check: () => { throw new Error("bug"); },
        });
        const reported: unknown[] = [];
        await (buggy.validateResource as (a: unknown, r: (m: unknown) => void) => Promise<void>)(
            { type: "aws:ecs/service:Service", props: {}, urn: "u", name: "n", getConfig: () => ({}) }, (m) => reported.push(m));
        assert.strictEqual(reported.length, 1);
        assert.deepStrictEqual((reported[0] as { enforcementLevel: string }).enforcementLevel, "advisory");
        assert.match((reported[0] as { message: string }).message, /internal error/);
        const buggyStack = stackPolicy({ name: "b", description: "d", enforcementLevel: "mandatory", configSchema: { properties: {} }, checkStack: () => { throw new Error("bug"); } });
        const r2: unknown[] = [];
        await buggyStack.validateStack({ resources: [], getConfig: <T extends object>() => ({}) as T, stackTags: new Map(), notApplicable: () => { throw new Error(); } }, (m) => r2.push(m));
        assert.strictEqual(r2.length, 1);
    });
});
