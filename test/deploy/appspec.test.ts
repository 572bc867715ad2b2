import { strict as assert } from "node:assert";
import { TASK_DEFINITION_PLACEHOLDER, appSpecTemplate, buildAppSpec, renderAppSpec } from "../../deploy/appspec";

const ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:8";

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
