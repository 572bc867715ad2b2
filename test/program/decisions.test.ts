import { strict as assert } from "assert";
import { ignoredProperties } from "../../components/ignoreChanges";
import {
    alarmStatePattern,
    codeDeployFailurePattern,
    deploymentFailedMessage,
    deploymentFailedPattern,
    matchesPattern,
    serviceActionPattern,
} from "../../components/eventPatterns";
import { alarmName, fitName, LIMITS, loadBalancerName, roleName, targetGroupName } from "../../components/naming";
import { deploymentTopicPolicy, topicKeyPolicy } from "../../components/policyDocuments";

const SERVICE_ARN = "arn:aws:ecs:eu-west-1:123456789012:service/c/web";

describe("naming", () => {
    const long = "a-very-long-service-name-that-goes-on";
    it("keeps target-group and load-balancer names within 32 characters, valid and distinct", () => {
        const names = new Set<string>();
        for (const stack of ["dev", "production-eu-west-1-blue", "x".repeat(60)]) {
            for (const svc of ["web", long, long + "-2", "a"]) {
                for (const colour of ["blue", "green"] as const) {
                    const n = targetGroupName(stack, svc, colour, "8080/HTTP");
                    assert.ok(n.length <= LIMITS.targetGroup, `${n} is ${n.length} long`);
                    assert.match(n, /^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
                    assert.ok(!names.has(n), `duplicate ${n}`);
                    names.add(n);
                }
            }
            assert.ok(loadBalancerName(stack, long).length <= LIMITS.loadBalancer);
        }
    });
    it("is stable, and changes when a replacement-forcing setting changes", () => {
        assert.equal(targetGroupName("dev", "web", "blue", "8080/HTTP"), targetGroupName("dev", "web", "blue", "8080/HTTP"));
        assert.notEqual(targetGroupName("dev", "web", "blue", "8080/HTTP"), targetGroupName("dev", "web", "blue", "9090/HTTP"));
    });
    it("cuts long names with a hash so they stay distinct", () => {
        const a = fitName(["p".repeat(40), "one"], 32);
        const b = fitName(["p".repeat(40), "two"], 32);
        assert.ok(a.length <= 32 && b.length <= 32);
        assert.notEqual(a, b);
        assert.equal(fitName(["short", "name"], 32), "short-name");
        assert.ok(roleName("p".repeat(50), "stack", "web-execution").length <= LIMITS.iamRole);
        assert.equal(alarmName("ecs-deploy", "dev", "web", "blue", "5xx"), "ecs-deploy-dev-web-blue-5xx");
    });
});

describe("event patterns", () => {
    it("matches a SERVICE_DEPLOYMENT_FAILED of the service and nothing else", () => {
        const event = { source: "aws.ecs", "detail-type": "ECS Deployment State Change", resources: [SERVICE_ARN], detail: { eventName: "SERVICE_DEPLOYMENT_FAILED" } };
        assert.ok(matchesPattern(deploymentFailedPattern(SERVICE_ARN), event));
        assert.ok(!matchesPattern(deploymentFailedPattern(SERVICE_ARN), { ...event, resources: [SERVICE_ARN + "2"] }));
        assert.ok(!matchesPattern(deploymentFailedPattern(SERVICE_ARN), { ...event, detail: { eventName: "SERVICE_DEPLOYMENT_COMPLETED" } }));
    });
    it("matches service warnings, alarms and CodeDeploy failures", () => {
        assert.ok(matchesPattern(serviceActionPattern([SERVICE_ARN]), { source: "aws.ecs", "detail-type": "ECS Service Action", resources: [SERVICE_ARN], detail: { eventType: "WARN" } }));
        assert.ok(!matchesPattern(serviceActionPattern([SERVICE_ARN]), { source: "aws.ecs", "detail-type": "ECS Service Action", resources: [SERVICE_ARN], detail: { eventType: "INFO" } }));
        const alarm = { source: "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", detail: { alarmName: "a1", state: { value: "ALARM" } } };
        assert.ok(matchesPattern(alarmStatePattern(["a1"]), alarm));
        assert.ok(!matchesPattern(alarmStatePattern(["a1"]), { ...alarm, detail: { alarmName: "a1", state: { value: "OK" } } }));
        const cd = { source: "aws.codedeploy", "detail-type": "CodeDeploy Deployment State-change Notification", detail: { state: "STOP", application: "app", deploymentGroup: "g" } };
        assert.ok(matchesPattern(codeDeployFailurePattern(["app"], ["g"]), cd));
        assert.ok(!matchesPattern(codeDeployFailurePattern(["app"], ["g"]), { ...cd, detail: { ...cd.detail, state: "SUCCESS" } }));
    });
    it("builds a readable message template that is a JSON string naming the service and a console link", () => {
        const m = deploymentFailedMessage({ cluster: "c", service: "web", ecsService: "dev-web", stack: "dev" });
        const text = JSON.parse(m.inputTemplate) as string;
        assert.match(text, /service web \(<serviceArn>\) FAILED/);
        // The console knows the ECS service by its own name, not by the name in the stack config.
        assert.match(text, /clusters\/c\/services\/dev-web\/deployments\?/);
        assert.doesNotMatch(text, /services\/web\//);
        assert.equal(m.inputPaths.serviceArn, "$.resources[0]");
        for (const variable of Object.keys(m.inputPaths)) assert.ok(text.includes(`<${variable}>`), variable);
    });
});

describe("policy documents", () => {
    it("lets only this stack's EventBridge rules publish, and denies insecure transport", () => {
        const doc = deploymentTopicPolicy({ topicArn: "arn:t", ruleArns: ["arn:r1", "arn:r2"], accountId: "123456789012" });
        const allows = doc.Statement.filter((s) => s.Effect === "Allow");
        assert.equal(allows.length, 1);
        assert.deepEqual(allows[0].Principal, { Service: "events.amazonaws.com" });
        assert.equal(allows[0].Action, "sns:Publish");
        assert.deepEqual(allows[0].Condition?.ArnEquals, { "aws:SourceArn": ["arn:r1", "arn:r2"] });
        assert.deepEqual(allows[0].Condition?.StringEquals, { "aws:SourceAccount": "123456789012" });
        const deny = doc.Statement.find((s) => s.Effect === "Deny")!;
        assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
        for (const s of doc.Statement) if (s.Principal === "*") assert.ok(s.Condition && s.Effect === "Deny");
    });
    it("lets EventBridge use the topic key", () => {
        const doc = topicKeyPolicy({ accountId: "123456789012", partition: "aws" });
        const events = doc.Statement.find((s) => JSON.stringify(s.Principal).includes("events.amazonaws.com"))!;
        assert.deepEqual(events.Action, ["kms:GenerateDataKey*", "kms:Decrypt"]);
    });
});

describe("ignored properties", () => {
    it("leaves what each deployment controller owns to it", () => {
        assert.deepEqual(ignoredProperties("rolling"), { service: [], listenerRule: [] });
        // UpdateService refuses these on a CODE_DEPLOY service: they go out with the next release.
        const release = ["taskDefinition", "loadBalancers", "networkConfiguration", "platformVersion", "capacityProviderStrategies"];
        assert.deepEqual(ignoredProperties("codedeploy").service, release);
        assert.deepEqual(ignoredProperties("codedeploy", { autoscaling: true }).service, [...release, "desiredCount"]);
        assert.deepEqual(ignoredProperties("bluegreen").listenerRule, ["actions"]);
        assert.deepEqual(ignoredProperties("bluegreen").service, []);
        assert.deepEqual(ignoredProperties("rolling", { autoscaling: true }).service, ["desiredCount"]);
    });
});
