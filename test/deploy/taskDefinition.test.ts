import { strict as assert } from "node:assert";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { DeployError } from "../../deploy/errors";
import { REGISTRABLE_FIELDS, currentTaskDefinitionArn, registrationWithImage } from "../../deploy/taskDefinition";
import { CURRENT_TD_ARN, NEW_IMAGE, OLD_IMAGE, READ_ONLY_FIELDS, describedTaskDefinition } from "./helpers";

describe("deploy/taskDefinition", () => {
    describe("registrationWithImage", () => {
        it("replaces the image of the named container only", () => {
            const request = registrationWithImage(describedTaskDefinition(), [], "app", NEW_IMAGE);
            const [app, envoy] = request.containerDefinitions!;
            assert.equal(app.image, NEW_IMAGE);
            assert.equal(envoy.image, "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29");
        });

        it("keeps every registrable field and the rest of the container definition", () => {
            const described = describedTaskDefinition();
            const request = registrationWithImage(described, [], "app", NEW_IMAGE) as unknown as Record<string, unknown>;
            for (const field of ["family", "taskRoleArn", "executionRoleArn", "networkMode", "volumes", "placementConstraints",
                "requiresCompatibilities", "cpu", "memory", "runtimePlatform", "ephemeralStorage", "proxyConfiguration", "pidMode"]) {
                assert.deepEqual(request[field], (described as Record<string, unknown>)[field], field);
            }
            const app = (request.containerDefinitions as { secrets: unknown; logConfiguration: unknown }[])[0];
            assert.deepEqual(app.secrets, described.containerDefinitions![0].secrets);
            assert.deepEqual(app.logConfiguration, described.containerDefinitions![0].logConfiguration);
        });

        it("drops the read-only fields", () => {
            const request = registrationWithImage(describedTaskDefinition(), [], "app", NEW_IMAGE);
            for (const field of READ_ONLY_FIELDS) assert.equal(field in request, false, field);
            for (const field of READ_ONLY_FIELDS) assert.equal((REGISTRABLE_FIELDS as readonly string[]).includes(field), false, field);
        });

        it("does not modify the described task definition", () => {
            const described = describedTaskDefinition();
            registrationWithImage(described, [], "app", NEW_IMAGE);
            assert.equal(described.containerDefinitions![0].image, OLD_IMAGE);
        });

        it("copies user tags, leaves out reserved aws: tags, and omits an empty list", () => {
            const tags = [{ key: "team", value: "payments" }, { key: "aws:cloudformation:stack-name", value: "x" }];
            assert.deepEqual(registrationWithImage(describedTaskDefinition(), tags, "app", NEW_IMAGE).tags, [{ key: "team", value: "payments" }]);
            assert.equal("tags" in registrationWithImage(describedTaskDefinition(), [], "app", NEW_IMAGE), false);
            assert.equal("tags" in registrationWithImage(describedTaskDefinition(), undefined, "app", NEW_IMAGE), false);
        });

        it("fails clearly when no container has the name", () => {
            assert.throws(
                () => registrationWithImage(describedTaskDefinition(), [], "web", NEW_IMAGE),
                (e: unknown) => e instanceof DeployError && /api:7 has no container named "web" \(its containers: app, envoy\)/.test(e.message),
            );
        });
    });

    describe("currentTaskDefinitionArn", () => {
        // Mock this instance, not the class: other test files mock their own ECS clients.
        const ecs = new ECSClient({ region: "eu-west-1" });
        const ecsMock = mockClient(ecs);
        afterEach(() => ecsMock.reset());

        it("takes the PRIMARY task set's task definition, not the ACTIVE (green) one", async () => {
            ecsMock.on(DescribeServicesCommand).resolves({
                services: [{
                    serviceName: "api-svc", status: "ACTIVE", deploymentController: { type: "CODE_DEPLOY" },
                    taskDefinition: "arn:stale",
                    taskSets: [
                        { status: "ACTIVE", taskDefinition: "arn:green" },
                        { status: "PRIMARY", taskDefinition: CURRENT_TD_ARN },
                    ],
                }],
            });
            assert.equal(await currentTaskDefinitionArn(ecs, "main", "api-svc"), CURRENT_TD_ARN);
            assert.deepEqual(ecsMock.commandCalls(DescribeServicesCommand)[0].args[0].input, { cluster: "main", services: ["api-svc"] });
        });

        it("refuses a service ECS deploys itself", async () => {
            ecsMock.on(DescribeServicesCommand).resolves({
                services: [{ serviceName: "api-svc", status: "ACTIVE", deploymentController: { type: "ECS" }, taskDefinition: CURRENT_TD_ARN }],
            });
            await assert.rejects(currentTaskDefinitionArn(ecs, "main", "api-svc"), /ECS deployment controller, not CODE_DEPLOY/);
        });

        it("reports a missing service", async () => {
            ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: "x", reason: "MISSING" }] });
            await assert.rejects(currentTaskDefinitionArn(ecs, "main", "api-svc"), /api-svc in cluster main: MISSING/);
        });
    });
});
