import { strict as assert } from "assert";
import type { RunResult } from "../../offline/engine";
import { named, ofType, runStack, runWithConfig, service } from "./helpers";

const SERVICE = "aws:ecs/service:Service";
const TG = "aws:lb/targetGroup:TargetGroup";
const RULE = "aws:lb/listenerRule:ListenerRule";
const LISTENER = "aws:lb/listener:Listener";

describe("deployment modes under mocks (prod: web on codedeploy, api on bluegreen)", () => {
    let prod: RunResult;
    before(async () => {
        prod = await runStack("prod");
        assert.equal(prod.error, undefined, prod.error?.stack);
    });

    describe("codedeploy", () => {
        it("puts the service on CODE_DEPLOY with only blue attached, no circuit breaker, and ignores what CodeDeploy owns", () => {
            const web = named(prod, SERVICE, "web");
            assert.equal(web.inputs.deploymentController.type, "CODE_DEPLOY");
            assert.equal(web.inputs.deploymentCircuitBreaker, undefined);
            assert.equal(web.inputs.alarms, undefined);
            assert.equal(web.inputs.loadBalancers.length, 1);
            assert.equal(web.inputs.loadBalancers[0].targetGroupArn, named(prod, TG, "web-blue").outputs.arn);
            assert.equal(web.inputs.loadBalancers[0].advancedConfiguration, undefined);
            // UpdateService refuses these on a CODE_DEPLOY service; the next release's AppSpec carries them.
            // And the task count, which auto scaling owns.
            assert.deepEqual(web.options.ignoreChanges, ["taskDefinition", "loadBalancers", "networkConfiguration", "platformVersion", "capacityProviderStrategies", "desiredCount"]);
        });

        it("gives the service its own listener pair forwarding to the colour serving production (blue on a new stack)", () => {
            const listeners = ofType(prod, LISTENER).filter((l) => l.name.startsWith("web-alb"));
            assert.equal(listeners.length, 2);
            for (const l of listeners) {
                // Declared as AWS has it between releases (read live), not ignored: see components/liveState.ts.
                assert.deepEqual(l.options.ignoreChanges, []);
                assert.equal(l.inputs.defaultActions[0].type, "forward");
                assert.equal(l.inputs.defaultActions[0].targetGroupArn, named(prod, TG, "web-blue").outputs.arn);
            }
            assert.equal(ofType(prod, RULE).filter((r) => r.name.startsWith("web-")).length, 0);
        });

        it("creates a deployment group with traffic control, both target groups, both routes, alarms and rollback", () => {
            const [group] = ofType(prod, "aws:codedeploy/deploymentGroup:DeploymentGroup");
            const g = group.inputs;
            assert.deepEqual(g.deploymentStyle, { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" });
            assert.deepEqual(g.autoRollbackConfiguration, { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] });
            assert.equal(g.alarmConfiguration.enabled, true);
            const alarms: string[] = g.alarmConfiguration.alarms;
            assert.equal(alarms.length, 6);
            assert.ok(alarms.some((a) => a.includes("-blue-")) && alarms.some((a) => a.includes("-green-")));
            const pair = g.loadBalancerInfo.targetGroupPairInfo;
            assert.deepEqual(pair.targetGroups.map((t: any) => t.name), [named(prod, TG, "web-blue").inputs.name, named(prod, TG, "web-green").inputs.name]);
            const [prodListener, testListener] = ["web-alb-http", "web-alb-test"].map((n) => named(prod, LISTENER, n).outputs.arn);
            assert.deepEqual(pair.prodTrafficRoute.listenerArns, [prodListener]);
            assert.deepEqual(pair.testTrafficRoute.listenerArns, [testListener]);
            assert.equal(g.deploymentConfigName, "CodeDeployDefault.ECSLinear10PercentEvery1Minutes");
            assert.equal(g.blueGreenDeploymentConfig.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes, 30);
            assert.equal(g.ecsService.serviceName, named(prod, SERVICE, "web").outputs.name);
            // The deployment group joins its service by dependency, as the policy pack does.
            assert.ok(group.propertyDependencies.ecsService.includes(named(prod, SERVICE, "web").urn));
        });

        it("gives the CodeDeploy role the managed ECS policy and nothing more", () => {
            const attachments = ofType(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name === "web-codedeploy");
            assert.equal(attachments.length, 1);
            assert.match(attachments[0].inputs.policyArn, /:policy\/AWSCodeDeployRoleForECS$/);
            const role = named(prod, "aws:iam/role:Role", "web-codedeploy");
            assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "codedeploy.amazonaws.com");
        });

        it("exports what the pipeline needs", () => {
            const web = (prod.outputs.services as any).web;
            assert.equal(web.codeDeploy.applicationName, "ecs-deploy-prod-web");
            assert.equal(web.codeDeploy.deploymentGroupName, "ecs-deploy-prod-web");
            assert.equal(web.containerName, "web");
            assert.equal(web.containerPort, 8080);
            assert.match(web.appSpecTemplate, /<TASK_DEFINITION>/);
            assert.match(web.appSpecTemplate, /"ContainerName": "web"/);
        });

        it("creates a custom linear config when asked", async () => {
            const r = await runWithConfig({ services: [service("web", { deployment: { mode: "codedeploy", config: { type: "canary", percent: 20, intervalMinutes: 5 } } })] });
            const [config] = ofType(r, "aws:codedeploy/deploymentConfig:DeploymentConfig");
            assert.deepEqual(config.inputs.trafficRoutingConfig, { type: "TimeBasedCanary", timeBasedCanary: { percentage: 20, interval: 5 } });
            assert.equal(ofType(r, "aws:codedeploy/deploymentGroup:DeploymentGroup")[0].inputs.deploymentConfigName, config.inputs.deploymentConfigName);
        });
    });

    describe("bluegreen (ECS native)", () => {
        it("uses the ECS controller with BLUE_GREEN, a bake time, the circuit breaker and alarms with rollback", () => {
            const api = named(prod, SERVICE, "api").inputs;
            assert.equal(api.deploymentController.type, "ECS");
            assert.deepEqual(api.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "15" });
            assert.deepEqual(api.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.equal(api.alarms.rollback, true);
        });

        it("names green as the alternate target group with the production and test listener rules and an infrastructure role", () => {
            const lb = named(prod, SERVICE, "api").inputs.loadBalancers[0];
            assert.equal(lb.targetGroupArn, named(prod, TG, "api-blue").outputs.arn);
            const adv = lb.advancedConfiguration;
            assert.equal(adv.alternateTargetGroupArn, named(prod, TG, "api-green").outputs.arn);
            assert.equal(adv.productionListenerRule, named(prod, RULE, "api-production").outputs.arn);
            assert.equal(adv.testListenerRule, named(prod, RULE, "api-test").outputs.arn);
            assert.equal(adv.roleArn, named(prod, "aws:iam/role:Role", "api-infrastructure").outputs.arn);
            const attachment = named(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "api-infrastructure");
            assert.match(attachment.inputs.policyArn, /AmazonECSInfrastructureRolePolicyForLoadBalancers$/);
        });

        it("leaves the rewritten listener-rule actions to ECS and keeps every action on its listeners a forward", () => {
            for (const kind of ["production", "test"]) {
                const rule = named(prod, RULE, `api-${kind}`);
                assert.deepEqual(rule.options.ignoreChanges, ["actions"]);
                assert.equal(rule.inputs.actions[0].type, "forward");
            }
            for (const l of ofType(prod, LISTENER).filter((x) => x.name.startsWith("alb-"))) {
                assert.equal(l.inputs.defaultActions[0].type, "forward", `${l.name} mixes a non-forward default action`);
            }
        });
    });

    it("rolling services keep a plain fixed-response default and no ignored properties", async () => {
        const r = await runWithConfig({ services: [service("web")] });
        assert.deepEqual(named(r, SERVICE, "web").options.ignoreChanges, []);
        assert.equal(named(r, RULE, "web-production").options.ignoreChanges.length, 0);
        assert.equal(named(r, LISTENER, "alb-http").inputs.defaultActions[0].type, "fixed-response");
    });
});
