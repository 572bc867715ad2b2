import { strict as assert } from "assert";
import { arnOf } from "../../components/naming";
import { PROJECT_DIR, type RunResult } from "../../offline/engine";
import { DEFAULT_ACCOUNT } from "../../offline/mocks";
import { loadPolicyPackConfig, runPolicyPack } from "../../offline/policyRunner";
import { ofType, previewStack, runStack } from "./helpers";
import * as path from "path";

/**
 * A new stack's first `pulumi preview` must enforce every mandatory rule: the values they read
 * are known before anything exists (ARNs built from names and the account, not from outputs).
 */
describe("a first preview decides every mandatory policy", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: no mandatory rule is left undecided, none is violated`, async () => {
            const run = await previewStack(stack);
            assert.equal(run.error, undefined, run.error?.stack);
            // The engine simulates a first preview: what AWS computes for a new resource is unknown.
            const service = ofType(run, "aws:ecs/service:Service")[0];
            assert.equal(service.outputs.arn, "04da6b54-80e4-46f7-96ec-b56ff0331ba9");
            const config = loadPolicyPackConfig(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`));
            const result = await runPolicyPack(run.resources, { config, preview: true });
            const mandatory = new Set(result.policies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name));
            assert.ok(mandatory.has("deployment-failures-notify") && mandatory.has("sns-topic-policy-not-public"));
            const undecided = result.violations.filter((v) => mandatory.has(v.policyName) && /undecided during preview/.test(v.message));
            assert.deepEqual(undecided.map((v) => `${v.policyName} ${v.resourceName}`), []);
            assert.equal(result.mandatoryCount, 0, result.violations.map((v) => v.message).join("\n"));
        });
    }
});

describe("predicted ARNs equal the ARNs the resources report", () => {
    const scope = { partition: DEFAULT_ACCOUNT.partition, region: "eu-west-1", accountId: DEFAULT_ACCOUNT.accountId };
    for (const stack of ["dev", "prod"]) {
        it(stack, async () => {
            const run: RunResult = await runStack(stack);
            const arnsOf = (type: string) => ofType(run, type).map((r) => r.outputs.arn);
            for (const r of ofType(run, "aws:cloudwatch/eventRule:EventRule")) assert.equal(arnOf.eventRule(scope, r.inputs.name), r.outputs.arn);
            for (const r of ofType(run, "aws:sns/topic:Topic")) assert.equal(arnOf.snsTopic(scope, r.inputs.name), r.outputs.arn);
            for (const r of ofType(run, "aws:sqs/queue:Queue")) assert.equal(arnOf.sqsQueue(scope, r.inputs.name), r.outputs.arn);
            const cluster = ofType(run, "aws:ecs/cluster:Cluster")[0].inputs.name;
            for (const r of ofType(run, "aws:ecs/service:Service")) assert.equal(arnOf.ecsService(scope, cluster, r.inputs.name), r.outputs.arn);
            // And the documents built from them name the real resources.
            const ruleArns = arnsOf("aws:cloudwatch/eventRule:EventRule").sort();
            const policy = JSON.parse(ofType(run, "aws:sns/topicPolicy:TopicPolicy")[0].inputs.policy);
            assert.deepEqual([...policy.Statement[0].Condition.ArnEquals["aws:SourceArn"]].sort(), ruleArns);
            assert.equal(policy.Statement[0].Resource, arnsOf("aws:sns/topic:Topic")[0]);
            const patterns = ofType(run, "aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(r.inputs.eventPattern));
            for (const arn of arnsOf("aws:ecs/service:Service")) assert.ok(patterns.some((p) => (p.resources ?? []).includes(arn)), arn);
        });
    }
});
