/**
 * SNS topics that carry deployment alerts.
 *
 * - `sns-topic-policy-not-public` (mandatory): no Allow statement for everyone ("*", {"AWS":"*"},
 *   lists containing "*", NotPrincipal) unless a condition pins the caller's account, organisation or
 *   source (aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalOrgID,
 *   aws:SourceArn, aws:SourceOrgID) to a non-wildcard value. On `aws:sns/topicPolicy:TopicPolicy`
 *   and on `aws:sns/topic:Topic`'s own `policy`.
 * - `sns-eventbridge-topic-kms` (stack, mandatory): a topic an EventBridge rule targets must not be
 *   encrypted with the AWS-managed `alias/aws/sns` key: EventBridge cannot use it and every event
 *   is silently dropped.
 */
import { StackResource } from "../lib/graph";
import { buildEventGraph } from "../lib/events";
import { publicStatements } from "../lib/iam";
import { commonConfigProperties, Finding, ResourceContext, undecided, violation } from "../lib/rule";
import { asString, get, PARSE_ERROR, UNKNOWN } from "../lib/safe";
import { isKind } from "../lib/tokens";
import { resourcePolicy, StackContext, stackPolicy } from "../lib/wiring";

export const PUBLIC_POLICY = "sns-topic-policy-not-public";
export const KMS_POLICY = "sns-eventbridge-topic-kms";

export function checkTopicPolicyNotPublic(props: unknown, ctx: ResourceContext): Finding[] {
    const who = isKind(ctx.type, "snsTopic") ? `SNS topic '${ctx.name}' (policy)` : `SNS topic policy '${ctx.name}'`;
    const found = publicStatements(get(props, "policy"));
    if (found === UNKNOWN) return [undecided(`${who}: the policy document, or a part of it that decides whether it allows everyone, is unknown.`)];
    if (found === PARSE_ERROR) {
        return [undecided(`${who}: the policy is not valid JSON and could not be checked (AWS will reject it).`)];
    }
    return found.map((s) => violation(
        `${who}: statement ${s.sid ? `'${s.sid}'` : `#${s.index}`} allows everyone (Principal "*" / {"AWS":"*"}) without a ` +
        "condition that pins the caller, so any AWS account can use the topic. Use `Principal: { Service: \"events.amazonaws.com\" }` " +
        "and/or add a condition such as `ArnEquals: { \"aws:SourceArn\": <rule ARN> }` or `StringEquals: { \"aws:SourceAccount\": " +
        "<account id> }` (aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceArn, aws:SourceOrgID)."));
}

export const snsTopicPolicyNotPublic = resourcePolicy({
    name: PUBLIC_POLICY,
    description: "An SNS topic policy must not allow everyone: no Allow statement with Principal \"*\" / {\"AWS\":\"*\"} unless a " +
        "condition pins aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceArn or " +
        "aws:SourceOrgID to a non-wildcard value. Grant `Service: events.amazonaws.com` with `ArnEquals aws:SourceArn` on the rule ARNs.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["sns", "security"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    kinds: ["snsTopicPolicy", "snsTopic"],
    check: checkTopicPolicyNotPublic,
});

/** `alias/aws/sns` or its ARN form (`arn:aws:kms:<region>:<account>:alias/aws/sns`). */
export function isAwsManagedSnsKey(v: unknown): boolean | typeof UNKNOWN {
    const s = asString(v);
    if (s === UNKNOWN) return UNKNOWN;
    if (typeof s !== "string") return false;
    const t = s.trim();
    return t === "alias/aws/sns" || t.endsWith(":alias/aws/sns");
}

export function checkEventBridgeTopicKms(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const idx = ctx.index;
    const topics = idx.ofKind("snsTopic");
    if (topics.length === 0 || idx.ofKind("eventTarget").length === 0) return [];
    const graph = buildEventGraph(idx);
    const targeted = graph.targetedTopics();
    // Targets whose topic is not resolved yet could point at any topic.
    const unresolvedTargets = idx.ofKind("eventTarget").some((t) => {
        const a = asString(get(t.props, "arn"));
        return a === UNKNOWN && idx.propDeps(t, "arn", "snsTopic").length === 0;
    });
    const out: Finding[] = [];
    for (const topic of topics) {
        if (ctx.isExempt(topic)) continue;
        const managed = isAwsManagedSnsKey(get(topic.props, "kmsMasterKeyId"));
        // The AWS-managed key is always written as a literal; a key id unknown during preview comes
        // from another resource (a customer-managed key or alias), so it says nothing until `up`.
        if (managed !== true) continue;
        if (targeted.has(topic)) {
            out.push(violation(`SNS topic '${topic.name}' is an EventBridge target but is encrypted with the AWS-managed key ` +
                "alias/aws/sns, which EventBridge cannot use: every event is silently dropped. Use a customer-managed " +
                "`aws.kms.Key` whose key policy lets events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt, and set " +
                "`kmsMasterKeyId` to it.", topic.urn));
        } else if (unresolvedTargets) {
            out.push(undecided(`SNS topic '${topic.name}' uses alias/aws/sns and an EventBridge target's topic is not known yet.`, topic.urn));
        }
    }
    return out;
}

export const snsEventbridgeTopicKms = stackPolicy({
    name: KMS_POLICY,
    description: "A topic that an EventBridge rule targets must not use the AWS-managed key `alias/aws/sns` (EventBridge cannot " +
        "use it and events are silently dropped): encrypt it with a customer-managed KMS key whose policy lets " +
        "events.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["sns", "kms", "eventbridge"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    checkStack: checkEventBridgeTopicKms,
});
