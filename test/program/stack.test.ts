import { strict as assert } from "assert";
import { matchesPattern } from "../../components/eventPatterns";
import { isWeb, parseStackConfig } from "../../config";
import type { RunResult } from "../../offline/engine";
import { readStackConfig } from "../../offline/stackFiles";
import { PROJECT_DIR } from "../../offline/engine";
import { named, ofType, runStack, runWithConfig, service } from "./helpers";

const SERVICE = "aws:ecs/service:Service";
const TG = "aws:lb/targetGroup:TargetGroup";

const serviceOf = (r: RunResult, name: string) => named(r, SERVICE, name);
const eventRules = (r: RunResult) =>
    ofType(r, "aws:cloudwatch/eventRule:EventRule").map((rule) => ({ rule, pattern: JSON.parse(rule.inputs.eventPattern) }));

for (const stack of ["dev", "prod"]) {
    describe(`stack ${stack} under mocks`, () => {
        let result: RunResult;
        const config = parseStackConfig(readStackConfig(PROJECT_DIR, stack));
        const web = config.services.filter(isWeb);
        before(async () => {
            result = await runStack(stack);
            assert.equal(result.error, undefined, result.error?.stack);
        });

        it("gives every ECS-controller service the circuit breaker and alarms, both with rollback", () => {
            for (const svc of web.filter((s) => s.deployment.mode !== "codedeploy")) {
                const s = serviceOf(result, svc.name).inputs;
                assert.equal(s.deploymentController.type, "ECS");
                assert.deepEqual(s.deploymentCircuitBreaker, { enable: true, rollback: true });
                assert.equal(s.alarms.enable, true);
                assert.equal(s.alarms.rollback, true);
                assert.equal(s.alarms.alarmNames.length, 6);
                assert.equal(s.deploymentMinimumHealthyPercent, 100);
                assert.equal(s.deploymentMaximumPercent, 200);
                assert.equal(s.healthCheckGracePeriodSeconds, svc.healthCheck.gracePeriodSeconds);
            }
        });

        it("creates every alarm a service lists, on the RED signals of both target groups", () => {
            const alarms = new Map(ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.name, a.inputs]));
            for (const svc of web) {
                const names = result.outputs.services && (result.outputs.services as any)[svc.name].alarmNames;
                assert.equal(names.length, 6);
                for (const n of names) assert.ok(alarms.has(n), `alarm ${n} is listed but not created`);
                const metrics = names.map((n: string) => alarms.get(n)!.metricName ?? "math");
                for (const m of ["UnHealthyHostCount", "TargetResponseTime"]) assert.equal(metrics.filter((x: string) => x === m).length, 2);
            }
        });

        it("gives every target group its service's health-check path", () => {
            const byName = new Map(web.map((s) => [s.name, s]));
            const groups = ofType(result, TG).filter((t) => t.inputs.tags?.service);
            assert.equal(groups.length, web.length * 2);
            for (const tg of groups) {
                const svc = byName.get(tg.inputs.tags.service)!;
                assert.equal(tg.inputs.healthCheck.path, svc.healthCheck.path);
                assert.equal(tg.inputs.healthCheck.enabled, true);
                assert.equal(tg.inputs.targetType, "ip");
                assert.ok(tg.inputs.name.length <= 32);
            }
        });

        it("attaches only the blue target group to each service", () => {
            for (const svc of web) {
                const lbs = serviceOf(result, svc.name).inputs.loadBalancers;
                assert.equal(lbs.length, 1);
                const blue = named(result, TG, `${svc.name}-blue`);
                assert.equal(lbs[0].targetGroupArn, blue.outputs.arn);
            }
        });

        it("publishes to the topic only from EventBridge rules of this stack, with conditions", () => {
            const [policy] = ofType(result, "aws:sns/topicPolicy:TopicPolicy");
            const doc = JSON.parse(policy.inputs.policy);
            const ruleArns = ofType(result, "aws:cloudwatch/eventRule:EventRule").map((r) => r.outputs.arn).sort();
            const allows = doc.Statement.filter((s: any) => s.Effect === "Allow");
            assert.equal(allows.length, 1);
            assert.deepEqual(allows[0].Principal, { Service: "events.amazonaws.com" });
            assert.deepEqual([...allows[0].Condition.ArnEquals["aws:SourceArn"]].sort(), ruleArns);
            assert.equal(allows[0].Condition.StringEquals["aws:SourceAccount"], "123456789012");
            for (const s of doc.Statement) if (s.Principal === "*" || s.Principal?.AWS === "*") assert.ok(s.Condition);
        });

        it("wires each service's deployment failures to the topic, matched by its ARN or CodeDeploy group", () => {
            const topic = ofType(result, "aws:sns/topic:Topic")[0].outputs.arn;
            const targets = ofType(result, "aws:cloudwatch/eventTarget:EventTarget");
            const rules = eventRules(result);
            for (const svc of config.services) {
                const out = (result.outputs.services as any)[svc.name];
                const event =
                    svc.deployment.mode === "codedeploy"
                        ? { source: "aws.codedeploy", "detail-type": "CodeDeploy Deployment State-change Notification", detail: { state: "FAILURE", application: out.codeDeploy.applicationName, deploymentGroup: out.codeDeploy.deploymentGroupName } }
                        : { source: "aws.ecs", "detail-type": "ECS Deployment State Change", resources: [out.serviceArn], detail: { eventName: "SERVICE_DEPLOYMENT_FAILED", reason: "x" } };
                const matching = rules.filter((r) => matchesPattern(r.pattern, event));
                assert.equal(matching.length, 1, `${svc.name}: ${matching.length} rules match its failure`);
                const target = targets.find((t) => t.inputs.rule === matching[0].rule.outputs.name)!;
                assert.equal(target.inputs.arn, topic);
                assert.ok(target.inputs.deadLetterConfig.arn.includes(":sqs:"));
                assert.ok(target.inputs.retryPolicy.maximumRetryAttempts > 0);
                assert.ok(target.inputs.inputTransformer.inputTemplate.includes("Console"));
                // Another stack's service does not match.
                if (event.resources) assert.ok(!matchesPattern(matching[0].pattern, { ...event, resources: [out.serviceArn + "-other"] }));
            }
            const alarmRule = rules.find((r) => r.pattern.source[0] === "aws.cloudwatch")!;
            const allAlarms = Object.values(result.outputs.services as any).flatMap((s: any) => s.alarmNames);
            assert.deepEqual([...alarmRule.pattern.detail.alarmName].sort(), [...allAlarms].sort());
        });

        it("tags everything through the provider's default tags, and per-service resources with the service", () => {
            const [provider] = ofType(result, "pulumi:providers:aws");
            const tags = JSON.parse(provider.inputs.defaultTags).tags; // provider config travels as JSON text
            assert.deepEqual(tags, { project: "ecs-deploy", stack, "managed-by": "pulumi" });
            for (const svc of config.services) assert.equal(serviceOf(result, svc.name).inputs.tags.service, svc.name);
        });

        it("exports the outputs a user and a pipeline need", () => {
            const o = result.outputs as any;
            assert.match(o.clusterName, /^ecs-deploy-/);
            assert.match(o.topicArn, /^arn:aws:sns:/);
            assert.match(o.url, /^https?:\/\//);
            assert.match(o.testUrl, /:8080$/);
            for (const svc of config.services) {
                assert.match(o.services[svc.name].serviceArn, /^arn:aws:ecs:/);
                assert.match(o.services[svc.name].taskDefinitionArn, /^arn:aws:ecs:.*:task-definition\//);
                if (svc.kind === "web") {
                    assert.match(o.services[svc.name].targetGroups.blue, /targetgroup/);
                    assert.match(o.services[svc.name].targetGroups.green, /targetgroup/);
                } else {
                    assert.match(o.services[svc.name].queue.arn, /^arn:aws:sqs:/);
                    assert.equal(o.services[svc.name].targetGroups, undefined);
                }
            }
        });

        it("lets tasks be reached only from their load balancer, and workers from nowhere", () => {
            for (const svc of config.services) {
                const sg = named(result, "aws:ec2/securityGroup:SecurityGroup", svc.name).inputs;
                if (svc.kind === "worker") {
                    assert.deepEqual(sg.ingress, []);
                    continue;
                }
                assert.equal(sg.ingress.length, 1);
                assert.equal(sg.ingress[0].cidrBlocks, undefined);
                assert.equal(sg.ingress[0].securityGroups.length, 1);
            }
        });

        it("gives the execution role only the managed execution policy", () => {
            const attachments = ofType(result, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
            for (const svc of config.services) {
                const exec = attachments.filter((a) => a.name === `${svc.name}-execution`);
                assert.equal(exec.length, 1);
                assert.match(exec[0].inputs.policyArn, /service-role\/AmazonECSTaskExecutionRolePolicy$/);
                assert.equal(attachments.filter((a) => a.name === `${svc.name}-task`).length, 0);
            }
        });
    });
}

describe("stack files", () => {
    it("dev is small and rolling; prod has three AZs, deletion protection, both blue/green modes", async () => {
        const dev = await runStack("dev");
        const prod = await runStack("prod");
        assert.equal(ofType(dev, "awsx:ec2:Vpc")[0].inputs.natGateways.strategy, "Single");
        assert.ok(ofType(dev, SERVICE).every((s) => s.inputs.deploymentController.type === "ECS" && s.inputs.deploymentConfiguration.strategy === "ROLLING"));
        assert.equal(ofType(prod, "awsx:ec2:Vpc")[0].inputs.numberOfAvailabilityZones, 3);
        assert.ok(ofType(prod, "aws:lb/loadBalancer:LoadBalancer").every((lb) => lb.inputs.enableDeletionProtection === true));
        assert.deepEqual(ofType(prod, SERVICE).map((s) => s.inputs.deploymentController.type).sort(), ["CODE_DEPLOY", "ECS", "ECS"]);
    });
});

describe("HTTPS, KMS, existing VPC and invalid config", () => {
    it("serves HTTPS on 443 with a redirect from 80 when a certificate is given", async () => {
        const r = await runWithConfig({ certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123", services: [service("web")] });
        assert.equal(r.error, undefined, r.error?.message);
        const listeners = ofType(r, "aws:lb/listener:Listener").map((l) => l.inputs);
        const prod = listeners.find((l) => l.port === 443)!;
        assert.equal(prod.protocol, "HTTPS");
        assert.equal(prod.certificateArn, "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123");
        const redirect = listeners.find((l) => l.port === 80)!;
        assert.equal(redirect.defaultActions[0].type, "redirect");
        assert.equal(redirect.defaultActions[0].redirect.protocol, "HTTPS");
        assert.match((r.outputs as any).url, /^https:/);
    });

    it("encrypts the topic with a customer-managed key EventBridge may use", async () => {
        const r = await runWithConfig({ kmsEncryption: true, services: [service("web")] });
        const [key] = ofType(r, "aws:kms/key:Key");
        const [topic] = ofType(r, "aws:sns/topic:Topic");
        assert.equal(topic.inputs.kmsMasterKeyId, key.outputs.arn);
        assert.ok(JSON.parse(key.inputs.policy).Statement.some((s: any) => s.Principal?.Service === "events.amazonaws.com"));
    });

    it("uses an existing VPC without creating one", async () => {
        const r = await runWithConfig({
            vpcId: "vpc-0abc",
            publicSubnetIds: ["subnet-01", "subnet-02"],
            privateSubnetIds: ["subnet-03"],
            services: [service("web")],
        });
        assert.equal(r.error, undefined, r.error?.message);
        assert.equal(ofType(r, "awsx:ec2:Vpc").length, 0);
        assert.deepEqual(named(r, SERVICE, "web").inputs.networkConfiguration.subnets, ["subnet-03"]);
        assert.deepEqual(ofType(r, "aws:lb/loadBalancer:LoadBalancer")[0].inputs.subnets, ["subnet-01", "subnet-02"]);
    });

    it("refuses invalid config before registering any resource, naming every key", async () => {
        const r = await runWithConfig({ testListenerPort: 99999, services: [service("web", { cpu: 3 })] });
        assert.ok(r.error);
        assert.match(r.error!.message, /ecs-deploy:testListenerPort: expected <= 65535, got 99999/);
        assert.match(r.error!.message, /ecs-deploy:services\[0\]\.cpu: expected a Fargate cpu size/);
        assert.deepEqual(r.resources.map((x) => x.type), ["pulumi:pulumi:Stack"]);
    });

    it("keeps environment values from a secret key secret in the task definition", async () => {
        const r = await runWithConfig({ services: [service("web", { environment: { TOKEN: { secure: "v1:xyz" } } })] });
        const td = named(r, "aws:ecs/taskDefinition:TaskDefinition", "web");
        assert.equal(typeof td.inputs.containerDefinitions, "string");
        const raw = JSON.stringify(r.resources.find((x) => x.type === "aws:ecs/taskDefinition:TaskDefinition"));
        assert.ok(raw.includes("[secret]"));
    });
});
