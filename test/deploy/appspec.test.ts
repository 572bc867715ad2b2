import { strict as assert } from "node:assert";
import { TASK_DEFINITION_PLACEHOLDER, appSpecTemplate, buildAppSpec, renderAppSpec, type AppSpecInput } from "../../deploy/appspec";

const ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:8";
const NETWORK = { subnets: ["subnet-0a", "subnet-0b"], securityGroups: ["sg-0task"], assignPublicIp: false };

function properties(input: Partial<AppSpecInput>): Record<string, unknown> {
    const appSpec = buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 8080, ...input });
    return (appSpec as { Resources: { TargetService: { Properties: Record<string, unknown> } }[] }).Resources[0].TargetService.Properties;
}

describe("deploy/appspec", () => {
    describe("buildAppSpec", () => {
        it("builds the ECS AppSpec with TargetService, TaskDefinition and LoadBalancerInfo", () => {
            assert.deepEqual(buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 8080 }), {
                version: 0.0,
                Resources: [
                    {
                        TargetService: {
                            Type: "AWS::ECS::Service",
                            Properties: {
                                TaskDefinition: ARN,
                                LoadBalancerInfo: { ContainerName: "app", ContainerPort: 8080 },
                            },
                        },
                    },
                ],
            });
        });

        it("lists hooks as single-key objects in lifecycle order, whatever the input order", () => {
            const appSpec = buildAppSpec({
                taskDefinitionArn: ARN,
                containerName: "app",
                containerPort: 8080,
                hooks: { AfterAllowTraffic: "smoke-prod", BeforeInstall: "check-migrations", AfterAllowTestTraffic: "smoke-test" },
            }) as { Hooks: object[] };
            assert.deepEqual(appSpec.Hooks, [
                { BeforeInstall: "check-migrations" },
                { AfterAllowTestTraffic: "smoke-test" },
                { AfterAllowTraffic: "smoke-prod" },
            ]);
        });

        it("omits Hooks when none (or only empty ones) are given", () => {
            const none = buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 80 });
            const empty = buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 80, hooks: { BeforeInstall: "" } });
            assert.equal("Hooks" in none, false);
            assert.equal("Hooks" in empty, false);
        });

        it("maps the capacity provider strategy to the AppSpec casing", () => {
            const appSpec = buildAppSpec({
                taskDefinitionArn: ARN,
                containerName: "app",
                containerPort: 80,
                capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", base: 1, weight: 2 }, { capacityProvider: "FARGATE", weight: 1 }],
            }) as { Resources: { TargetService: { Properties: Record<string, unknown> } }[] };
            assert.deepEqual(appSpec.Resources[0].TargetService.Properties.CapacityProviderStrategy, [
                { CapacityProvider: "FARGATE_SPOT", Base: 1, Weight: 2 },
                { CapacityProvider: "FARGATE", Weight: 1 },
            ]);
        });

        it("renders the network configuration with the AppSpec keys and ENABLED/DISABLED", () => {
            assert.deepEqual(properties({ networkConfiguration: NETWORK }).NetworkConfiguration, {
                AwsvpcConfiguration: { Subnets: ["subnet-0a", "subnet-0b"], SecurityGroups: ["sg-0task"], AssignPublicIp: "DISABLED" },
            });
            const exposed = properties({ networkConfiguration: { ...NETWORK, assignPublicIp: true } });
            assert.equal((exposed.NetworkConfiguration as { AwsvpcConfiguration: { AssignPublicIp: string } }).AwsvpcConfiguration.AssignPublicIp, "ENABLED");
        });

        it("renders the platform version", () => {
            assert.equal(properties({ platformVersion: "1.4.0" }).PlatformVersion, "1.4.0");
            assert.equal(properties({ platformVersion: "LATEST" }).PlatformVersion, "LATEST");
        });

        it("omits NetworkConfiguration and PlatformVersion when not given, so CodeDeploy keeps the service's", () => {
            const props = properties({});
            assert.equal("NetworkConfiguration" in props, false);
            assert.equal("PlatformVersion" in props, false);
        });

        it("does not share the caller's arrays", () => {
            const network = { ...NETWORK, subnets: [...NETWORK.subnets] };
            const props = properties({ networkConfiguration: network });
            network.subnets.push("subnet-0c");
            assert.deepEqual((props.NetworkConfiguration as { AwsvpcConfiguration: { Subnets: string[] } }).AwsvpcConfiguration.Subnets, ["subnet-0a", "subnet-0b"]);
        });

        for (const [what, network, message] of [
            ["no subnet", { ...NETWORK, subnets: [] }, /subnets must list at least one ID/],
            ["no security group (CodeDeploy takes all three or none)", { ...NETWORK, securityGroups: [] }, /securityGroups must list at least one ID/],
            ["17 subnets", { ...NETWORK, subnets: Array.from({ length: 17 }, (_, i) => `subnet-${i}`) }, /subnets has 17 entries; ECS accepts at most 16/],
            ["6 security groups", { ...NETWORK, securityGroups: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"] }, /securityGroups has 6 entries; ECS accepts at most 5/],
            ["an empty subnet ID", { ...NETWORK, subnets: ["subnet-0a", " "] }, /subnets has an empty or padded ID/],
            ["a duplicate security group", { ...NETWORK, securityGroups: ["sg-1", "sg-1"] }, /securityGroups lists sg-1 twice/],
            ["a string for assignPublicIp", { ...NETWORK, assignPublicIp: "ENABLED" as unknown as boolean }, /assignPublicIp must be true or false/],
        ] as const) {
            it(`rejects a network configuration with ${what}`, () => {
                assert.throws(() => properties({ networkConfiguration: network as AppSpecInput["networkConfiguration"] }), message);
            });
        }

        it("accepts the limits: 16 subnets, 5 security groups", () => {
            const network = {
                subnets: Array.from({ length: 16 }, (_, i) => `subnet-${i}`),
                securityGroups: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5"],
                assignPublicIp: false,
            };
            assert.doesNotThrow(() => properties({ networkConfiguration: network }));
        });

        it("rejects a platform version Fargate does not have", () => {
            for (const version of ["", "latest", "1.4", "v1.4.0", " LATEST"]) {
                assert.throws(() => properties({ platformVersion: version }), /platformVersion must be "LATEST" or a version such as "1\.4\.0"/, version);
            }
        });

        it("rejects a capacity provider strategy ECS would refuse", () => {
            assert.throws(() => properties({ capacityProviderStrategy: [{ capacityProvider: "" }] }), /needs a capacityProvider name/);
            assert.throws(() => properties({ capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1001 }] }), /FARGATE weight must be an integer from 0 to 1000/);
            assert.throws(() => properties({ capacityProviderStrategy: [{ capacityProvider: "FARGATE", base: -1 }] }), /FARGATE base must be an integer from 0 to 100000/);
            assert.throws(
                () => properties({ capacityProviderStrategy: [{ capacityProvider: "FARGATE", base: 1 }, { capacityProvider: "FARGATE_SPOT", base: 2 }] }),
                /only one capacity provider of a strategy may have a base; FARGATE and FARGATE_SPOT both do/,
            );
        });

        it("rejects a port CodeDeploy would reject mid-deployment", () => {
            assert.throws(() => buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 0 }), /containerPort/);
            assert.throws(() => buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 80.5 }), /containerPort/);
        });

        it("rejects an empty container name and an unknown hook", () => {
            assert.throws(() => buildAppSpec({ taskDefinitionArn: ARN, containerName: " ", containerPort: 80 }), /containerName/);
            const hooks = { ApplicationStart: "x" } as unknown as Record<"BeforeInstall", string>;
            assert.throws(() => buildAppSpec({ taskDefinitionArn: ARN, containerName: "app", containerPort: 80, hooks }), /unknown ECS lifecycle hook "ApplicationStart"/);
        });
    });

    describe("appSpecTemplate", () => {
        it("is JSON with the placeholder as TaskDefinition", () => {
            const parsed = JSON.parse(appSpecTemplate("app", 8080));
            assert.equal(parsed.Resources[0].TargetService.Properties.TaskDefinition, TASK_DEFINITION_PLACEHOLDER);
            assert.deepEqual(parsed.Resources[0].TargetService.Properties.LoadBalancerInfo, { ContainerName: "app", ContainerPort: 8080 });
        });

        it("spells the version 0.0, as the AWS examples do", () => {
            assert.match(appSpecTemplate("app", 8080), /"version": 0\.0,\n/);
        });

        it("can carry hooks", () => {
            const parsed = JSON.parse(appSpecTemplate("app", 8080, { hooks: { BeforeAllowTraffic: "check" } }));
            assert.deepEqual(parsed.Hooks, [{ BeforeAllowTraffic: "check" }]);
        });

        it("can carry network configuration, platform version and capacity providers, and renders them unchanged", () => {
            const template = appSpecTemplate("app", 8080, {
                networkConfiguration: NETWORK,
                platformVersion: "1.4.0",
                capacityProviderStrategy: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }],
            });
            const props = JSON.parse(renderAppSpec(template, ARN)).Resources[0].TargetService.Properties;
            assert.deepEqual(props, {
                TaskDefinition: ARN,
                LoadBalancerInfo: { ContainerName: "app", ContainerPort: 8080 },
                PlatformVersion: "1.4.0",
                NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ["subnet-0a", "subnet-0b"], SecurityGroups: ["sg-0task"], AssignPublicIp: "DISABLED" } },
                CapacityProviderStrategy: [{ CapacityProvider: "FARGATE", Base: 1, Weight: 1 }],
            });
        });
    });

    describe("renderAppSpec", () => {
        it("puts the task definition ARN in place of the placeholder", () => {
            const rendered = renderAppSpec(appSpecTemplate("app", 8080), ARN);
            assert.equal(rendered.includes(TASK_DEFINITION_PLACEHOLDER), false);
            assert.equal(JSON.parse(rendered).Resources[0].TargetService.Properties.TaskDefinition, ARN);
        });

        it("keeps the rest of the template unchanged", () => {
            const template = appSpecTemplate("app", 8080, { hooks: { AfterAllowTestTraffic: "smoke" } });
            const rendered = JSON.parse(renderAppSpec(template, ARN));
            const expected = JSON.parse(template);
            expected.Resources[0].TargetService.Properties.TaskDefinition = ARN;
            assert.deepEqual(rendered, expected);
        });

        it("throws a clear error when the template has no placeholder", () => {
            const alreadyRendered = renderAppSpec(appSpecTemplate("app", 8080), ARN);
            assert.throws(() => renderAppSpec(alreadyRendered, ARN), /no <TASK_DEFINITION> placeholder/);
        });

        it("refuses an empty ARN", () => {
            assert.throws(() => renderAppSpec(appSpecTemplate("app", 8080), ""), /ARN is empty/);
        });
    });
});
