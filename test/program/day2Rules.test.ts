import { strict as assert } from "assert";
import { primaryColour, releaseInProgress } from "../../components/liveState";
import { testListenerSources } from "../../components/loadBalancer";
import { trafficShiftMinutes } from "../../components/codedeploy";
import { applyIgnoreChanges, providerDiff } from "../../offline/providerDiff";
import { named, ofType, runStack, runWithConfig, service } from "./helpers";

describe("day 2 rules as pure functions", () => {
    it("ignoreChanges as Pulumi applies it: old value kept, and a path the old inputs lack is dropped", () => {
        const old = { loadBalancers: [{ targetGroupArn: "blue" }], desiredCount: 2 };
        const news = { loadBalancers: [{ targetGroupArn: "green", advancedConfiguration: { alternateTargetGroupArn: "blue" } }], desiredCount: 3 };
        assert.deepEqual(applyIgnoreChanges(news, old, ["loadBalancers[0].targetGroupArn"]).loadBalancers, [
            { targetGroupArn: "blue", advancedConfiguration: { alternateTargetGroupArn: "blue" } },
        ]);
        // Why a rolling service could never become blue/green with the alternate ignored.
        const dropped = applyIgnoreChanges(news, old, ["loadBalancers[0].advancedConfiguration.alternateTargetGroupArn"]);
        assert.deepEqual(dropped.loadBalancers, [{ targetGroupArn: "green", advancedConfiguration: {} }]);
        assert.equal(applyIgnoreChanges(news, old, ["desiredCount"]).desiredCount, 2);
    });

    it("the provider diff: replacement properties, computed fields, and a refreshed field the program does not declare", () => {
        const tg = providerDiff("aws:lb/targetGroup:TargetGroup", { port: 80, name: "a", tagsAll: { x: "1" } }, { port: 80, name: "a" }, { port: 8080, name: "a" });
        assert.deepEqual(tg, { changedKeys: ["port"], replaceKeys: ["port"], changedPaths: ["port"] });
        // ECS filled the cluster's strategy in: undeclared, it is a diff the provider tries to apply.
        const svc = providerDiff("aws:ecs/service:Service", { name: "s", capacityProviderStrategies: [{ capacityProvider: "FARGATE" }], platformVersion: "1.4.0" }, { name: "s" }, { name: "s" });
        assert.deepEqual(svc.changedKeys, ["capacityProviderStrategies"]);
        assert.deepEqual(svc.replaceKeys, []);
    });

    it("reads which colour serves production from the live service, blue for a new one or replaced target groups", () => {
        const names = { blue: "prod-api-b-1", green: "prod-api-g-2" };
        assert.equal(primaryColour(undefined, names), "blue");
        assert.equal(primaryColour({ primaryTargetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/prod-api-g-2/abc" }, names), "green");
        assert.equal(primaryColour({ primaryTargetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/prod-api-b-1/abc" }, names), "blue");
        assert.equal(primaryColour({ primaryTargetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/old-name/abc" }, names), "blue");
    });

    it("sees a release in progress in task sets (CodeDeploy) or deployments (ECS)", () => {
        assert.match(String(releaseInProgress({ taskSets: [{ status: "PRIMARY" }, { status: "ACTIVE" }] as any, deployments: [] })), /CodeDeploy deployment is still running/);
        assert.match(String(releaseInProgress({ taskSets: [], deployments: [{ status: "PRIMARY", taskDefinition: "td:2" }, { status: "ACTIVE", taskDefinition: "td:1" }] as any })), /ECS deployment/);
        assert.equal(releaseInProgress({ taskSets: [{ status: "PRIMARY" }] as any, deployments: [{ status: "PRIMARY" }] as any }), undefined);
    });

    it("traffic shifting minutes of each CodeDeploy config (what the deploy timeout covers)", () => {
        assert.equal(trafficShiftMinutes("CodeDeployDefault.ECSAllAtOnce"), 0);
        assert.equal(trafficShiftMinutes("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"), 9);
        assert.equal(trafficShiftMinutes("CodeDeployDefault.ECSLinear10PercentEvery3Minutes"), 27);
        assert.equal(trafficShiftMinutes("CodeDeployDefault.ECSCanary10Percent15Minutes"), 15);
        assert.equal(trafficShiftMinutes({ type: "linear", percent: 30, intervalMinutes: 2 }), 6);
        assert.equal(trafficShiftMinutes({ type: "canary", percent: 5, intervalMinutes: 7 }), 7);
    });
});

describe("defect 11: who reaches the test listener", () => {
    it("an internet-facing ALB admits the NAT gateways' addresses (how tasks in the VPC reach it), not the VPC CIDR", () => {
        assert.deepEqual(testListenerSources({ internal: false, vpcCidr: "10.0.0.0/16", natPublicIps: ["203.0.1.2", "203.0.3.4"], testListenerCidrs: ["198.51.100.0/24"] }), [
            "203.0.1.2/32",
            "203.0.3.4/32",
            "198.51.100.0/24",
        ]);
        assert.deepEqual(testListenerSources({ internal: true, vpcCidr: "10.0.0.0/16", natPublicIps: ["203.0.1.2"], testListenerCidrs: [] }), ["10.0.0.0/16"]);
        assert.deepEqual(testListenerSources({ internal: false, vpcCidr: "10.0.0.0/16", natPublicIps: [], testListenerCidrs: [] }), []);
    });

    it("prod's test listener rule lists its three NAT addresses and the configured CIDR", async () => {
        const prod = await runStack("prod");
        const ips = ofType(prod, "aws:ec2/eip:Eip").map((e) => `${e.outputs.publicIp}/32`);
        assert.equal(ips.length, 3, "one NAT gateway per AZ, each with an address of ours");
        const vpc = ofType(prod, "awsx:ec2:Vpc")[0];
        assert.deepEqual(vpc.inputs.natGateways.elasticIpAllocationIds, ofType(prod, "aws:ec2/eip:Eip").map((e) => e.outputs.allocationId));
        const sg = named(prod, "aws:ec2/securityGroup:SecurityGroup", "alb-alb");
        const test = sg.inputs.ingress.find((i: any) => i.description === "test listener");
        assert.deepEqual(test.cidrBlocks, [...ips, "198.51.100.0/24"]);
        assert.ok(!test.cidrBlocks.includes("10.20.0.0/16"));
    });

    it("without NAT and without test CIDRs, no test listener rule at all (AWS refuses a rule without sources)", async () => {
        const r = await runWithConfig({ natGateways: "none", services: [service("web")] });
        assert.equal(r.error, undefined, r.error?.message);
        const sg = named(r, "aws:ec2/securityGroup:SecurityGroup", "alb-alb");
        assert.equal(sg.inputs.ingress.filter((i: any) => i.description === "test listener").length, 0);
    });
});
