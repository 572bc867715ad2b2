import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import { checkTopicPolicyNotPublic, isAwsManagedSnsKey, snsTopicPolicyNotPublic } from "../../policies/rules/sns";
import { compliantStack, mutate, single, U, urnOf } from "./fixtures";
import { validateResource } from "./helpers";

const TP = "aws:sns/topicPolicy:TopicPolicy";
const ctx = { urn: urnOf(TP, "p"), name: "p", type: TP, config: {} };
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Principal: unknown, Condition?: unknown) => ({ Sid: "S", Effect: "Allow", Principal, Action: "sns:Publish", Resource: "*", ...(Condition ? { Condition } : {}) });

describe("sns-topic-policy-not-public", () => {
    it("rejects wildcard principals without a pinning condition", () => {
        for (const principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::1:root", "*"] }, { Service: "events.amazonaws.com", AWS: "*" }]) {
            const f = checkTopicPolicyNotPublic({ policy: doc(allow(principal)) }, ctx);
            assert.strictEqual(f.length, 1, JSON.stringify(principal));
            assert.match(f[0].message, /statement 'S' allows everyone/);
        }
        // a single statement object instead of a list, and NotPrincipal
        assert.strictEqual(checkTopicPolicyNotPublic({ policy: JSON.stringify({ Statement: allow("*") }) }, ctx).length, 1);
        assert.strictEqual(checkTopicPolicyNotPublic({ policy: doc({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Action: "sns:*" }) }, ctx).length, 1);
    });
    it("accepts pinning conditions with literal values", () => {
        for (const cond of [
            { StringEquals: { "aws:SourceAccount": "123456789012" } },
            { StringEquals: { "AWS:SourceOwner": ["123456789012"] } },
            { ArnEquals: { "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/r" } },
            { ArnLike: { "aws:SourceArn": "arn:aws:events:*:123456789012:rule/*" } },
            { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
            { StringEquals: { "aws:PrincipalAccount": "123456789012" } },
            { StringEquals: { "aws:SourceOrgID": "o-abc123" } },
        ]) {
            assert.deepStrictEqual(checkTopicPolicyNotPublic({ policy: doc(allow("*", cond)) }, ctx), [], JSON.stringify(cond));
        }
    });
    it("rejects conditions that do not pin", () => {
        for (const cond of [
            { StringEquals: { "aws:SourceAccount": "*" } },
            { StringLike: { "aws:PrincipalOrgID": "o-*" } },
            { ArnLike: { "aws:SourceArn": "arn:aws:events:*:*:rule/*" } },
            { StringNotEquals: { "aws:SourceAccount": "123456789012" } },
            { StringEqualsIfExists: { "aws:SourceAccount": "123456789012" } },
            { Bool: { "aws:SecureTransport": "true" } },
            { StringEquals: { "aws:UserAgent": "x" } },
        ]) {
            assert.strictEqual(checkTopicPolicyNotPublic({ policy: doc(allow("*", cond)) }, ctx).length, 1, JSON.stringify(cond));
        }
    });
    it("accepts service principals and Deny statements", () => {
        assert.deepStrictEqual(checkTopicPolicyNotPublic({ policy: doc(allow({ Service: "events.amazonaws.com" })) }, ctx), []);
        assert.deepStrictEqual(checkTopicPolicyNotPublic({ policy: doc({ Effect: "Deny", Principal: "*", Action: "sns:Publish" }) }, ctx), []);
        assert.deepStrictEqual(checkTopicPolicyNotPublic({}, ctx), []);
    });
    it("decides a condition on the values it knows: one that does not pin lets anyone in", () => {
        const unknownNext = (...values: unknown[]) => checkTopicPolicyNotPublic({ policy: doc(allow("*", { StringEquals: { "aws:SourceAccount": values } })) }, ctx);
        const open = unknownNext("*", U);
        assert.strictEqual(open.length, 1);
        assert.ok(!open[0].undecided, "a violation, whatever the unknown account turns out to be");
        const pending = unknownNext("123456789012", U);
        assert.ok(pending.length === 1 && pending[0].undecided, "undecided until the unknown account is known");
    });
    it("is undecided on an unknown or invalid document", () => {
        assert.ok(checkTopicPolicyNotPublic({ policy: U }, ctx)[0].undecided);
        assert.ok(checkTopicPolicyNotPublic({ policy: "{not json" }, ctx)[0].undecided);
    });
    it("checks TopicPolicy and the Topic's own policy through the SDK", async () => {
        const pub = doc(allow({ AWS: "*" }));
        assert.strictEqual((await validateResource(snsTopicPolicyNotPublic, single(TP, "p", { arn: "x", policy: pub }))).violations.length, 1);
        assert.strictEqual((await validateResource(snsTopicPolicyNotPublic, single("aws:sns/topic:Topic", "t", { policy: pub }))).violations.length, 1);
        const res = await runPolicyPack(mutate(compliantStack().build(false), "alerts-policy", (i) => { i.policy = pub; }));
        const v = res.violations.filter((x) => x.policyName === "sns-topic-policy-not-public");
        assert.deepStrictEqual(v.map((x) => [x.resourceName, x.enforcementLevel]), [["alerts-policy", "mandatory"]]);
    });
});

describe("sns-eventbridge-topic-kms", () => {
    const P = "sns-eventbridge-topic-kms";
    it("recognises the AWS-managed key in both forms", () => {
        assert.strictEqual(isAwsManagedSnsKey("alias/aws/sns"), true);
        assert.strictEqual(isAwsManagedSnsKey("arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"), true);
        assert.strictEqual(isAwsManagedSnsKey("alias/my-key"), false);
        assert.strictEqual(isAwsManagedSnsKey(undefined), false);
    });
    for (const key of ["alias/aws/sns", "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"]) {
        it(`rejects a targeted topic using ${key}, during up and preview`, async () => {
            for (const preview of [false, true]) {
                const stack = mutate(compliantStack().build(preview), "alerts", (i) => { i.kmsMasterKeyId = key; });
                const v = (await runPolicyPack(stack, { preview })).violations.filter((x) => x.policyName === P);
                assert.deepStrictEqual(v.map((x) => [x.resourceName, x.enforcementLevel]), [["alerts", "mandatory"]], `preview=${preview}`);
                assert.match(v[0].message, /silently dropped/);
            }
        });
    }
    it("accepts customer keys, untargeted topics and unknown key ids", async () => {
        assert.strictEqual((await runPolicyPack(compliantStack().build(false))).violations.filter((x) => x.policyName === P).length, 0);
        const preview = await runPolicyPack(compliantStack().build(true), { preview: true });
        assert.strictEqual(preview.violations.filter((x) => x.policyName === P).length, 0);
        const untargeted = await runPolicyPack([single("aws:sns/topic:Topic", "other", { kmsMasterKeyId: "alias/aws/sns" })]);
        assert.strictEqual(untargeted.violations.filter((x) => x.policyName === P).length, 0);
    });
});
