import { strict as assert } from "node:assert";
import { DescribeServicesCommand, ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { DeployError } from "../../deploy/errors";
import { REGISTRABLE_FIELDS, configurationChanges, currentTaskDefinitionArn, registrationWithImage } from "../../deploy/taskDefinition";
import { CURRENT_TD_ARN, NEW_IMAGE, OLD_IMAGE, READ_ONLY_FIELDS, declaredTaskDefinition, describedTaskDefinition } from "./helpers";

function edited(edit: (td: TaskDefinition) => void): TaskDefinition {
    const td = describedTaskDefinition();
    edit(td);
    return td;
}

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

    describe("configurationChanges", () => {
        it("is empty for the same configuration, whatever the service container's image", () => {
            const declared = edited((td) => (td.containerDefinitions![0].image = "elsewhere/api:0.1"));
            assert.deepEqual(configurationChanges(describedTaskDefinition(), declared, "app"), []);
        });

        it("names environment variables added, removed and changed, and never prints a value", () => {
            const running = edited((td) => (td.containerDefinitions![0].environment = [
                { name: "LOG_LEVEL", value: "info" }, { name: "OLD_FLAG", value: "x" }, { name: "REGION", value: "eu-west-1" },
            ]));
            const declared = edited((td) => (td.containerDefinitions![0].environment = [
                { name: "REGION", value: "eu-west-1" }, { name: "LOG_LEVEL", value: "s3cr3t-debug" }, { name: "NEW_B", value: "b" }, { name: "NEW_A", value: "a" },
            ]));
            const changes = configurationChanges(running, declared, "app");
            assert.deepEqual(changes, ["container app: environment added NEW_A, NEW_B; removed OLD_FLAG; changed LOG_LEVEL"]);
            assert.equal(changes.join("\n").includes("s3cr3t"), false);
        });

        it("ignores the order of environment variables", () => {
            const env = [{ name: "A", value: "1" }, { name: "B", value: "2" }];
            const running = edited((td) => (td.containerDefinitions![0].environment = env));
            const declared = edited((td) => (td.containerDefinitions![0].environment = [...env].reverse()));
            assert.deepEqual(configurationChanges(running, declared, "app"), []);
        });

        it("names secrets whose source changed, without the secret ARN", () => {
            const declared = edited((td) => (td.containerDefinitions![0].secrets![0].valueFrom = "arn:aws:ssm:eu-west-1:111122223333:parameter/db-v2"));
            const changes = configurationChanges(describedTaskDefinition(), declared, "app");
            assert.deepEqual(changes, ["container app: secrets changed DB_PASSWORD"]);
        });

        it("shows task and container cpu and memory with their values", () => {
            const declared = edited((td) => {
                td.cpu = "1024";
                td.memory = "2048";
                td.containerDefinitions![0].memoryReservation = 512;
            });
            assert.deepEqual(configurationChanges(describedTaskDefinition(), declared, "app"), [
                "task cpu 512 -> 1024",
                "task memory 1024 -> 2048",
                "container app: memoryReservation (unset) -> 512",
            ]);
        });

        it("names other changed fields of the task and of containers, without values", () => {
            const declared = edited((td) => {
                td.executionRoleArn = "arn:aws:iam::111122223333:role/api-exec-v2";
                td.containerDefinitions![0].command = ["--token", "abc123"];
                td.containerDefinitions![0].logConfiguration!.options!["awslogs-group"] = "/ecs/api-v2";
            });
            const changes = configurationChanges(describedTaskDefinition(), declared, "app");
            assert.deepEqual(changes, ["task settings changed: executionRoleArn", "container app: settings changed: command, logConfiguration"]);
            assert.equal(changes.join("\n").includes("abc123"), false);
        });

        it("shows a sidecar's image change: only the service container's image is the release's own", () => {
            const declared = edited((td) => (td.containerDefinitions![1].image = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.30"));
            assert.deepEqual(configurationChanges(describedTaskDefinition(), declared, "app"), [
                "container envoy: image public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29 -> public.ecr.aws/appmesh/aws-appmesh-envoy:v1.30",
            ]);
        });

        it("reports containers added and removed", () => {
            const declared = edited((td) => (td.containerDefinitions = [td.containerDefinitions![0], { name: "otel", image: "otel/collector" }]));
            assert.deepEqual(configurationChanges(describedTaskDefinition(), declared, "app"), ["container otel added", "container envoy removed"]);
        });

        it("treats unset, null, empty lists and key order as the same setting", () => {
            const running = edited((td) => {
                td.placementConstraints = undefined;
                td.containerDefinitions![0].mountPoints = [];
                td.containerDefinitions![0].logConfiguration = { options: { "awslogs-group": "/ecs/api" }, logDriver: "awslogs" };
            });
            const declared = edited((td) => {
                td.placementConstraints = [];
                (td.containerDefinitions![0] as Record<string, unknown>).mountPoints = null;
            });
            assert.deepEqual(configurationChanges(running, declared, "app"), []);
        });

        it("lists every change of the helpers' declared revision", () => {
            assert.deepEqual(configurationChanges(describedTaskDefinition(), declaredTaskDefinition(), "app"), [
                "task memory 1024 -> 2048",
                "container app: environment added FEATURE_CHECKOUT_V2; changed LOG_LEVEL",
                "container app: secrets added STRIPE_KEY",
                "container app: settings changed: healthCheck",
            ]);
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
