import { strict as assert } from "node:assert";
import {
    CodeDeployClient,
    CreateDeploymentCommand,
    GetDeploymentCommand,
    GetDeploymentTargetCommand,
    ListDeploymentTargetsCommand,
    ListDeploymentsCommand,
    StopDeploymentCommand,
    type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import {
    DescribeServicesCommand,
    DescribeTaskDefinitionCommand,
    ECSClient,
    RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { mockClient } from "aws-sdk-client-mock";
import { TASK_DEFINITION_PLACEHOLDER } from "../../deploy/appspec";
import { runDeploy, type DeployRequest } from "../../deploy/run";
import {
    CURRENT_TD_ARN,
    DECLARED_TD_ARN,
    NEW_IMAGE,
    NEW_TD_ARN,
    READ_ONLY_FIELDS,
    REGION,
    currentStackOutputs,
    declaredTaskDefinition,
    describedTaskDefinition,
    fakeClock,
    recordingReporter,
    stackOutputs,
    type FakeClock,
    type RecordingReporter,
} from "./helpers";

// Instances, not classes, are mocked: other test files mock their own clients.
const ecs = new ECSClient({ region: REGION });
const codeDeploy = new CodeDeployClient({ region: REGION });
const ecsMock = mockClient(ecs);
const cdMock = mockClient(codeDeploy);
const autoScaling = new ApplicationAutoScalingClient({ region: REGION });
const aasMock = mockClient(autoScaling);

function deployment(id: string, status: DeploymentInfo["status"], extra: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } {
    return { deploymentInfo: { deploymentId: id, status, computePlatform: "ECS", ...extra } };
}

function ecsTarget(blueWeight: number, greenWeight: number) {
    return {
        deploymentTarget: {
            deploymentTargetType: "ECSTarget" as const,
            ecsTarget: {
                targetId: "main:api-svc",
                taskSetsInfo: [
                    { taskSetLabel: "Green" as const, trafficWeight: greenWeight, runningCount: 2, desiredCount: 2 },
                    { taskSetLabel: "Blue" as const, trafficWeight: blueWeight, runningCount: 2, desiredCount: 2 },
                ],
                lifecycleEvents: [
                    { lifecycleEventName: "BeforeInstall", status: "Succeeded" as const },
                    { lifecycleEventName: "Install", status: "Succeeded" as const },
                    { lifecycleEventName: "AllowTraffic", status: greenWeight === 100 ? ("Succeeded" as const) : ("InProgress" as const) },
                ],
            },
        },
    };
}

/** The ECS side of a healthy service running task definition api:7. */
function mockEcs(): void {
    ecsMock.on(DescribeServicesCommand).resolves({
        services: [{
            serviceName: "api-svc",
            status: "ACTIVE",
            deploymentController: { type: "CODE_DEPLOY" },
            taskDefinition: CURRENT_TD_ARN,
            taskSets: [{ status: "PRIMARY", taskDefinition: CURRENT_TD_ARN }],
        }],
    });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition(), tags: [{ key: "team", value: "payments" }] });
    ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW_TD_ARN } });
}

function mockCodeDeploy(...statuses: ReturnType<typeof deployment>[]): void {
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
    cdMock.on(CreateDeploymentCommand).resolves({ deploymentId: "d-NEW" });
    cdMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: ["main:api-svc"] });
    cdMock.on(GetDeploymentTargetCommand).resolves(ecsTarget(100, 0));
    let getDeployment = cdMock.on(GetDeploymentCommand, { deploymentId: "d-NEW" });
    for (const status of statuses.slice(0, -1)) getDeployment = getDeployment.resolvesOnce(status);
    getDeployment.resolves(statuses[statuses.length - 1]);
}

function request(overrides: Partial<DeployRequest> = {}): DeployRequest {
    return {
        stack: "prod",
        outputs: stackOutputs(),
        service: "api",
        image: NEW_IMAGE,
        region: REGION,
        pollSeconds: 5,
        timeoutMinutes: 10,
        ...overrides,
    };
}

describe("deploy/run runDeploy", () => {
    let reporter: RecordingReporter;
    let clock: FakeClock;
    const deps = (signal?: AbortSignal) => ({ ecs, codeDeploy, reporter, clock, signal });

    beforeEach(() => {
        ecsMock.reset();
        cdMock.reset();
        reporter = recordingReporter();
        clock = fakeClock();
    });

    describe("happy path", () => {
        beforeEach(() => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Created"), deployment("d-NEW", "InProgress"), deployment("d-NEW", "Succeeded"));
        });

        it("exits 0 and reports success with the new image", async () => {
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 0);
            assert.equal(result.deploymentId, "d-NEW");
            assert.equal(result.taskDefinitionArn, NEW_TD_ARN);
            assert.match(reporter.text(), /Deployment d-NEW succeeded: api runs .*api:1\.1\.0/);
        });

        it("describes the current task definition with its tags", async () => {
            await runDeploy(request(), deps());
            assert.deepEqual(ecsMock.commandCalls(DescribeServicesCommand)[0].args[0].input, { cluster: "main", services: ["api-svc"] });
            assert.deepEqual(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input, { taskDefinition: CURRENT_TD_ARN, include: ["TAGS"] });
        });

        it("registers a task definition with the new image, the other fields kept and read-only fields dropped", async () => {
            await runDeploy(request(), deps());
            const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input as unknown as Record<string, unknown>;
            const described = describedTaskDefinition();
            const containers = input.containerDefinitions as { name: string; image: string }[];
            assert.equal(containers.find((c) => c.name === "app")!.image, NEW_IMAGE);
            assert.equal(containers.find((c) => c.name === "envoy")!.image, described.containerDefinitions![1].image);
            assert.equal(input.family, "api");
            assert.equal(input.executionRoleArn, described.executionRoleArn);
            assert.deepEqual(input.runtimePlatform, described.runtimePlatform);
            assert.deepEqual(input.tags, [{ key: "team", value: "payments" }]);
            for (const field of READ_ONLY_FIELDS) assert.equal(field in input, false, `${field} must not be sent`);
        });

        it("creates the deployment with the AppSpec rendered for the new task definition", async () => {
            await runDeploy(request({ description: "release 1.1.0" }), deps());
            const input = cdMock.commandCalls(CreateDeploymentCommand)[0].args[0].input;
            assert.equal(input.applicationName, "api-app");
            assert.equal(input.deploymentGroupName, "api-dg");
            assert.equal(input.description, "release 1.1.0");
            assert.equal(input.revision?.revisionType, "AppSpecContent");
            const content = input.revision!.appSpecContent!.content!;
            assert.equal(content.includes(TASK_DEFINITION_PLACEHOLDER), false);
            const properties = JSON.parse(content).Resources[0].TargetService.Properties;
            assert.equal(properties.TaskDefinition, NEW_TD_ARN);
            assert.deepEqual(properties.LoadBalancerInfo, { ContainerName: "app", ContainerPort: 8080 });
        });

        it("gives the deployment a default description naming image, service and stack", async () => {
            await runDeploy(request(), deps());
            const description = cdMock.commandCalls(CreateDeploymentCommand)[0].args[0].input.description!;
            assert.ok(description.includes(NEW_IMAGE) && description.includes("api") && description.includes("prod"), description);
        });

        it("polls every pollSeconds through the injected clock and shows status and traffic weights", async () => {
            await runDeploy(request(), deps());
            assert.equal(cdMock.commandCalls(GetDeploymentCommand).length, 3);
            assert.deepEqual(clock.sleeps, [5000, 5000]);
            assert.deepEqual(reporter.states.map((s) => s.split(" | ")[0]), ["Created", "InProgress", "Succeeded"]);
            assert.match(reporter.states[1], /traffic blue 100% \(2\/2\) -> green 0% \(2\/2\)/);
            assert.match(reporter.states[1], /step 3\/3 AllowTraffic InProgress/);
            // The target id is listed once and then reused.
            assert.equal(cdMock.commandCalls(ListDeploymentTargetsCommand).length, 1);
        });
    });

    it("keeps following when the deployment target cannot be read", async () => {
        mockEcs();
        mockCodeDeploy(deployment("d-NEW", "InProgress"), deployment("d-NEW", "Succeeded"));
        cdMock.on(GetDeploymentTargetCommand).rejects(new Error("Throttling"));
        const result = await runDeploy(request(), deps());
        assert.equal(result.exitCode, 0);
    });

    it("says how to reroute traffic when the deployment waits in Ready, once", async () => {
        mockEcs();
        mockCodeDeploy(deployment("d-NEW", "Ready"), deployment("d-NEW", "Ready"), deployment("d-NEW", "Succeeded"));
        await runDeploy(request(), deps());
        const hints = reporter.infos.filter((m) => m.includes("continue-deployment --deployment-id d-NEW --deployment-wait-type READY_WAIT"));
        assert.equal(hints.length, 1);
    });

    describe("failure", () => {
        it("exits 1 and prints errorInformation and failed lifecycle events", async () => {
            mockEcs();
            mockCodeDeploy(
                deployment("d-NEW", "InProgress"),
                deployment("d-NEW", "Failed", { errorInformation: { code: "ECS_UPDATE_ERROR", message: "Tasks failed to start" } }),
            );
            cdMock.on(GetDeploymentTargetCommand).resolves({
                deploymentTarget: { ecsTarget: { lifecycleEvents: [
                    { lifecycleEventName: "Install", status: "Failed", diagnostics: { errorCode: "UnknownError", message: "CannotPullContainerError" } },
                ] } },
            });
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.outcome, "Failed");
            assert.ok(reporter.errors.includes("Deployment d-NEW failed."));
            assert.ok(reporter.errors.some((m) => m.includes("ECS_UPDATE_ERROR: Tasks failed to start")));
            assert.ok(reporter.errors.some((m) => m.includes("lifecycle event Install failed: UnknownError: CannotPullContainerError")));
            assert.ok(reporter.errors.some((m) => m.startsWith("No rollback was reported")));
        });

        it("exits 1 when the deployment is Stopped", async () => {
            mockEcs();
            mockCodeDeploy(
                deployment("d-NEW", "InProgress"),
                deployment("d-NEW", "Stopped", { errorInformation: { code: "ALARM_ACTIVE", message: "Alarm api-5xx was in ALARM" } }),
            );
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.outcome, "Stopped");
            assert.ok(reporter.errors.includes("Deployment d-NEW was stopped."));
            assert.ok(reporter.errors.some((m) => m.includes("ALARM_ACTIVE: Alarm api-5xx was in ALARM")));
        });

        it("reports a rollback message when there is no rollback deployment to follow", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Failed", { rollbackInfo: { rollbackMessage: "Rollback skipped: no previous deployment" } }));
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.ok(reporter.errors.includes("Rollback: Rollback skipped: no previous deployment"));
        });
    });

    describe("rollback", () => {
        function failedWithRollback() {
            return deployment("d-NEW", "Failed", {
                errorInformation: { code: "HEALTH_CONSTRAINTS", message: "health checks failed" },
                rollbackInfo: { rollbackDeploymentId: "d-BACK", rollbackMessage: "Rollback in progress" },
            });
        }

        it("follows the rollback deployment to its end and reports it; still exits 1", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"), failedWithRollback());
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-BACK" })
                .resolvesOnce(deployment("d-BACK", "InProgress"))
                .resolves(deployment("d-BACK", "Succeeded"));
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.deepEqual(result.rollback, { deploymentId: "d-BACK", outcome: "Succeeded" });
            const polled = cdMock.commandCalls(GetDeploymentCommand).map((c) => c.args[0].input.deploymentId);
            assert.deepEqual(polled, ["d-NEW", "d-NEW", "d-BACK", "d-BACK"]);
            assert.ok(reporter.errors.some((m) => m.includes("rollback deployment d-BACK (Rollback in progress)")));
            assert.ok(reporter.errors.some((m) => m.includes(`Rollback deployment d-BACK succeeded: api runs ${CURRENT_TD_ARN} again.`)));
        });

        it("reports a failed rollback as such", async () => {
            mockEcs();
            mockCodeDeploy(failedWithRollback());
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-BACK" }).resolves(deployment("d-BACK", "Failed"));
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.deepEqual(result.rollback, { deploymentId: "d-BACK", outcome: "Failed" });
            assert.ok(reporter.errors.some((m) => m.startsWith("Rollback deployment d-BACK failed: production may run either version")));
        });

        it("waits for rollbackInfo that lags behind the Failed status when auto-rollback is on", async () => {
            mockEcs();
            mockCodeDeploy(
                deployment("d-NEW", "Failed", { autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] } }),
                failedWithRollback(),
            );
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-BACK" }).resolves(deployment("d-BACK", "Succeeded"));
            const result = await runDeploy(request(), deps());
            assert.deepEqual(result.rollback, { deploymentId: "d-BACK", outcome: "Succeeded" });
        });
    });

    describe("timeout", () => {
        it("exits 1 after the timeout without stopping the deployment, and says how to follow it", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"));
            const result = await runDeploy(request({ pollSeconds: 15, timeoutMinutes: 1 }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.outcome, "TimedOut");
            assert.equal(clock.sleeps.reduce((a, b) => a + b, 0), 60_000);
            assert.equal(cdMock.commandCalls(StopDeploymentCommand).length, 0);
            assert.ok(reporter.errors.some((m) => m.startsWith("Timed out after 1 min: deployment d-NEW is still InProgress")));
            assert.ok(reporter.errors.some((m) => m.includes(`https://${REGION}.console.aws.amazon.com/codesuite/codedeploy/deployments/d-NEW?region=${REGION}`)));
        });

        it("shortens the last sleep to the deadline", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"));
            await runDeploy(request({ pollSeconds: 25, timeoutMinutes: 1 }), deps());
            assert.deepEqual(clock.sleeps, [25_000, 25_000, 10_000]);
        });
    });

    describe("Ctrl-C", () => {
        it("prints the deployment id and the stop command, exits 130, and stops nothing", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"));
            const interrupt = new AbortController();
            clock.onSleep = (n) => n === 2 && interrupt.abort();
            const result = await runDeploy(request(), deps(interrupt.signal));
            assert.equal(result.exitCode, 130);
            assert.equal(result.outcome, "Interrupted");
            assert.equal(cdMock.commandCalls(GetDeploymentCommand).length, 2);
            assert.equal(cdMock.commandCalls(StopDeploymentCommand).length, 0);
            assert.ok(reporter.errors.some((m) => m.includes("aws deploy stop-deployment --deployment-id d-NEW --auto-rollback-enabled")));
        });

        it("creates no deployment when interrupted before", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"));
            const interrupt = new AbortController();
            interrupt.abort();
            const result = await runDeploy(request(), deps(interrupt.signal));
            assert.equal(result.exitCode, 130);
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 0);
            assert.ok(reporter.errors.some((m) => m.includes("nothing was deployed")));
        });
    });

    describe("config changes from the stack (the declared task definition)", () => {
        /** ECS: the service runs api:7; the stack declares api:6 with config changes. */
        function mockDeclared(): void {
            mockEcs();
            ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: DECLARED_TD_ARN })
                .resolves({ taskDefinition: declaredTaskDefinition(), tags: [{ key: "team", value: "payments" }] });
        }

        it("registers a copy of the stack's revision with the new image, so new config goes out with the release", async () => {
            mockDeclared();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            const result = await runDeploy(request({ outputs: currentStackOutputs() }), deps());
            assert.equal(result.exitCode, 0);
            const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
            const app = input.containerDefinitions!.find((c) => c.name === "app")!;
            assert.equal(app.image, NEW_IMAGE);
            assert.deepEqual(app.environment, [{ name: "LOG_LEVEL", value: "debug" }, { name: "FEATURE_CHECKOUT_V2", value: "on" }]);
            assert.ok(app.secrets!.some((secret) => secret.name === "STRIPE_KEY"));
            assert.equal(input.memory, "2048");
            assert.equal(result.sourceTaskDefinitionArn, DECLARED_TD_ARN);
        });

        it("keeps the running revision as the previous one, for the rollback message", async () => {
            mockDeclared();
            mockCodeDeploy(deployment("d-NEW", "Failed", { rollbackInfo: { rollbackDeploymentId: "d-BACK" } }));
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-BACK" }).resolves(deployment("d-BACK", "Succeeded"));
            const result = await runDeploy(request({ outputs: currentStackOutputs() }), deps());
            assert.equal(result.previousTaskDefinitionArn, CURRENT_TD_ARN);
            assert.ok(reporter.errors.includes(`Rollback deployment d-BACK succeeded: api runs ${CURRENT_TD_ARN} again.`));
            assert.match(reporter.text(), new RegExp(`Registered ${NEW_TD_ARN} from ${DECLARED_TD_ARN}: container app .*api:1\\.0\\.0 -> .*api:1\\.1\\.0`));
        });

        it("prints what the release carries besides the image: names, never values", async () => {
            mockDeclared();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            await runDeploy(request({ outputs: currentStackOutputs() }), deps());
            const text = reporter.text();
            assert.ok(reporter.infos.includes(`The release starts from the stack's ${DECLARED_TD_ARN} and, besides the image, changes:`), text);
            for (const line of [
                "  task memory 1024 -> 2048",
                "  container app: environment added FEATURE_CHECKOUT_V2; changed LOG_LEVEL",
                "  container app: secrets added STRIPE_KEY",
                "  container app: settings changed: healthCheck",
            ]) {
                assert.ok(reporter.infos.includes(line), `missing ${JSON.stringify(line)} in\n${text}`);
            }
            for (const value of ["debug", "\"on\"", "secret:stripe", "curl"]) assert.equal(text.includes(value), false, value);
            // The declared revision's own image is not a change: the release replaces it.
            assert.equal(text.includes("api:0.9.0"), false);
        });

        it("says so when the stack's revision differs from the running one only by its image", async () => {
            mockEcs();
            const sameConfig = describedTaskDefinition();
            sameConfig.taskDefinitionArn = DECLARED_TD_ARN;
            sameConfig.containerDefinitions![0].image = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:0.9.0";
            ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: DECLARED_TD_ARN }).resolves({ taskDefinition: sameConfig });
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            await runDeploy(request({ outputs: currentStackOutputs() }), deps());
            assert.ok(reporter.infos.includes(`The release starts from the stack's ${DECLARED_TD_ARN}: no configuration change besides the image.`));
        });

        it("reads the declared revision once and prints no comparison when production already runs it", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            const outputs = currentStackOutputs();
            (outputs.services.api as Record<string, unknown>).taskDefinitionArn = CURRENT_TD_ARN;
            await runDeploy(request({ outputs }), deps());
            assert.equal(ecsMock.commandCalls(DescribeTaskDefinitionCommand).length, 1);
            assert.equal(reporter.text().includes("besides the image"), false);
            assert.equal(reporter.text().includes("Warning"), false);
        });

        it("falls back to the running revision, with a warning, when the stack does not export taskDefinitionArn", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 0);
            assert.deepEqual(ecsMock.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition), [CURRENT_TD_ARN]);
            assert.equal(result.sourceTaskDefinitionArn, CURRENT_TD_ARN);
            const warning = reporter.errors.find((m) => m.startsWith("Warning: the outputs of stack prod have no services.api.taskDefinitionArn (they predate it)"));
            assert.ok(warning, reporter.text());
            assert.match(warning, /copies the running .*api:7 and changes only the image/);
            assert.match(warning, /will NOT be included until `pulumi up` is run on stack prod/);
        });
    });

    describe("a deployment already active in the group", () => {
        const OLD_ID = "d-OLD";

        function inTerminationWait(status: DeploymentInfo["status"] = "InProgress") {
            return deployment(OLD_ID, status, {
                description: "Deploy api:1.0.9",
                createTime: new Date("2025-03-01T10:00:00Z"),
                instanceTerminationWaitTimeStarted: true,
            });
        }

        it("stops before registering anything, naming the deployment, its console link and what to do (exit 1)", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [OLD_ID] });
            cdMock.on(GetDeploymentCommand, { deploymentId: OLD_ID }).resolves(inTerminationWait());
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 0);
            assert.equal(cdMock.commandCalls(StopDeploymentCommand).length, 0);
            const text = reporter.errors.join("\n");
            assert.match(text, /Deployment group api-app\/api-dg already has an active deployment, d-OLD \(InProgress, in its termination wait, "Deploy api:1\.0\.9"\), created 2025-03-01 10:00 UTC: CodeDeploy runs one deployment per group at a time\. Nothing was registered or deployed\./);
            assert.ok(text.includes(`https://${REGION}.console.aws.amazon.com/codesuite/codedeploy/deployments/d-OLD?region=${REGION}`));
            assert.ok(text.includes("--wait-for-active"));
            assert.ok(text.includes("aws deploy continue-deployment --deployment-id d-OLD --deployment-wait-type TERMINATION_WAIT"));
        });

        it("asks CodeDeploy for the group's deployments in every non-final status, Baking included", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            await runDeploy(request(), deps());
            const input = cdMock.commandCalls(ListDeploymentsCommand)[0].args[0].input;
            assert.equal(input.applicationName, "api-app");
            assert.equal(input.deploymentGroupName, "api-dg");
            assert.deepEqual([...input.includeOnlyStatuses!].sort(), ["Baking", "Created", "InProgress", "Queued", "Ready"]);
        });

        it("checks before touching ECS", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [OLD_ID] });
            await runDeploy(request(), deps());
            assert.equal(ecsMock.calls().length, 0);
        });

        it("with --wait-for-active, follows it to its end, prints its outcome, then releases", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolvesOnce({ deployments: [OLD_ID] }).resolves({ deployments: [] });
            cdMock.on(GetDeploymentCommand, { deploymentId: OLD_ID })
                .resolvesOnce(inTerminationWait())
                .resolvesOnce(inTerminationWait())
                .resolves(deployment(OLD_ID, "Succeeded"));
            const result = await runDeploy(request({ waitForActive: true }), deps());
            assert.equal(result.exitCode, 0);
            assert.equal(result.deploymentId, "d-NEW");
            assert.ok(reporter.infos.some((m) => m.startsWith("Waiting for deployment d-OLD (InProgress") && m.includes("--wait-for-active")));
            assert.ok(reporter.infos.includes(`Deployment d-OLD ended: Succeeded. Going on with the release of ${NEW_IMAGE}.`));
            const order = cdMock.calls().map((c) => c.args[0].constructor.name).filter((n) => n !== "GetDeploymentTargetCommand" && n !== "ListDeploymentTargetsCommand");
            assert.ok(order.lastIndexOf("ListDeploymentsCommand") < order.indexOf("CreateDeploymentCommand"), order.join(", "));
            assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 1);
        });

        it("with --wait-for-active, releases after a failed one too, following its rollback first", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand)
                .resolvesOnce({ deployments: [OLD_ID] })
                .resolvesOnce({ deployments: ["d-OLDBACK"] })
                .resolves({ deployments: [] });
            cdMock.on(GetDeploymentCommand, { deploymentId: OLD_ID }).resolves(
                deployment(OLD_ID, "Failed", {
                    errorInformation: { code: "ALARM_ACTIVE", message: "Alarm api-5xx was in ALARM" },
                    rollbackInfo: { rollbackDeploymentId: "d-OLDBACK" },
                }),
            );
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-OLDBACK" }).resolves(deployment("d-OLDBACK", "Succeeded"));
            const result = await runDeploy(request({ waitForActive: true }), deps());
            assert.equal(result.exitCode, 0);
            assert.ok(reporter.infos.includes(`Deployment d-OLD ended: Failed (ALARM_ACTIVE: Alarm api-5xx was in ALARM). Going on with the release of ${NEW_IMAGE}.`));
            assert.ok(reporter.infos.includes(`Deployment d-OLDBACK ended: Succeeded. Going on with the release of ${NEW_IMAGE}.`));
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 1);
        });

        it("with --wait-for-active, gives up at the timeout without registering anything (exit 1)", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [OLD_ID] });
            cdMock.on(GetDeploymentCommand, { deploymentId: OLD_ID }).resolves(inTerminationWait());
            const result = await runDeploy(request({ waitForActive: true, timeoutMinutes: 1, pollSeconds: 30 }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 0);
            assert.ok(reporter.errors.some((m) => m.startsWith("Error: Deployment d-OLD was still InProgress after waiting 1 min (--wait-for-active): nothing was registered or deployed.")));
        });

        it("with --wait-for-active, Ctrl-C while waiting registers nothing (exit 130)", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [OLD_ID] });
            cdMock.on(GetDeploymentCommand, { deploymentId: OLD_ID }).resolves(inTerminationWait());
            const interrupt = new AbortController();
            clock.onSleep = (n) => n === 1 && interrupt.abort();
            const result = await runDeploy(request({ waitForActive: true }), deps(interrupt.signal));
            assert.equal(result.exitCode, 130);
            assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 0);
            assert.ok(reporter.errors.includes("Stopped waiting for deployment d-OLD; it continues in CodeDeploy."));
        });

        it("explains a deployment that started after the check (DeploymentLimitExceededException) the same way", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolvesOnce({ deployments: [] }).resolves({ deployments: ["d-RACE"] });
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-RACE" }).resolves(deployment("d-RACE", "Created"));
            cdMock.on(CreateDeploymentCommand).rejects(
                Object.assign(new Error("The Deployment Group 'api-dg' already has an active Deployment 'd-RACE'"), { name: "DeploymentLimitExceededException" }),
            );
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.deploymentId, undefined);
            const text = reporter.errors.join("\n");
            assert.match(text, /already has an active deployment, d-RACE \(Created\): CodeDeploy runs one deployment per group at a time\. Nothing was deployed \(the registered .*api:8 is unused and harmless\)\./);
            assert.ok(text.includes("codedeploy/deployments/d-RACE?region="));
            assert.ok(text.includes("--wait-for-active"));
        });

        it("names the deployment from CodeDeploy's refusal when it cannot list it", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            cdMock.on(ListDeploymentsCommand).resolvesOnce({ deployments: [] }).rejects(new Error("Throttling"));
            cdMock.on(CreateDeploymentCommand).rejects(
                Object.assign(new Error("The Deployment Group 'api-dg' already has an active Deployment 'd-RACE'"), { name: "DeploymentLimitExceededException" }),
            );
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.match(reporter.errors.join("\n"), /already has an active deployment, d-RACE:.*\n.*codedeploy\/deployments\/d-RACE/);
        });
    });

    describe("timeout from the stack", () => {
        it("follows for traffic shift + termination wait + margin when the stack gives them", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"));
            const outputs = currentStackOutputs({ trafficShiftMinutes: 9, terminationWaitMinutes: 30 });
            const result = await runDeploy(request({ outputs, timeoutMinutes: undefined, pollSeconds: 60 }), deps());
            assert.equal(result.timeoutMinutes, 59);
            assert.equal(clock.sleeps.reduce((a, b) => a + b, 0), 59 * 60_000);
            assert.ok(reporter.infos.includes("Timeout: 59 min = 9 min traffic shifting + 30 min termination wait + 20 min for task start and health checks (--timeout-minutes overrides)."));
        });

        it("keeps 60 minutes, and says why, when the stack does not give them", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            const result = await runDeploy(request({ timeoutMinutes: undefined }), deps());
            assert.equal(result.timeoutMinutes, 60);
            assert.ok(reporter.infos.some((m) => m.startsWith("Timeout: 60 min, the default: the stack outputs do not give codeDeploy.trafficShiftMinutes")));
        });

        it("warns when --timeout-minutes is shorter than the deployment can take", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            const outputs = currentStackOutputs({ trafficShiftMinutes: 5, terminationWaitMinutes: 30 });
            await runDeploy(request({ outputs, timeoutMinutes: 10 }), deps());
            assert.ok(reporter.errors.some((m) => m.startsWith("Warning: --timeout-minutes 10 is less than the 55 min this deployment can take")));
        });
    });

    describe("refusals", () => {
        it("refuses an unknown service (exit 2) before any AWS call", async () => {
            const result = await runDeploy(request({ service: "payments" }), deps());
            assert.equal(result.exitCode, 2);
            assert.match(reporter.text(), /Unknown service "payments".*api, shop, web/);
            assert.equal(ecsMock.calls().length + cdMock.calls().length, 0);
        });

        it("refuses a rolling service (exit 2), pointing to pulumi up, before any AWS call", async () => {
            const result = await runDeploy(request({ service: "web" }), deps());
            assert.equal(result.exitCode, 2);
            assert.match(reporter.text(), /rolling and bluegreen services are released with `pulumi up` after changing the image in config/);
            assert.equal(ecsMock.calls().length + cdMock.calls().length, 0);
        });

        it("fails (exit 1) without registering or deploying when the task definition lacks the container", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            const outputs = stackOutputs();
            (outputs.services.api as Record<string, unknown>).containerName = "api";
            const result = await runDeploy(request({ outputs }), deps());
            assert.equal(result.exitCode, 1);
            assert.match(reporter.text(), /has no container named "api" \(its containers: app, envoy\)/);
            assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 0);
        });

        it("names the step when AWS refuses", async () => {
            mockEcs();
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
            cdMock.on(CreateDeploymentCommand).rejects(
                Object.assign(new Error("CodeDeploy does not have the permissions required"), { name: "InvalidRoleException" }),
            );
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.ok(reporter.errors.includes(
                "Error: Could not create the CodeDeploy deployment: InvalidRoleException: CodeDeploy does not have the permissions required",
            ));
        });

        it("says the deployment continues when following it fails", async () => {
            mockEcs();
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
            cdMock.on(CreateDeploymentCommand).resolves({ deploymentId: "d-NEW" });
            cdMock.on(GetDeploymentCommand).rejects(new Error("socket hang up"));
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.ok(reporter.errors.some((m) => m.startsWith("Deployment d-NEW was created and continues in CodeDeploy")));
        });
    });
    describe("a service with auto scaling (CodeDeploy does not pause it)", () => {
        const scaledRequest = (overrides: Partial<DeployRequest> = {}) => {
            const outputs = stackOutputs();
            (outputs.services.api as Record<string, unknown>).scaling = { min: 2, max: 6 };
            return request({ outputs, ...overrides });
        };
        const suspended = () => aasMock.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input.SuspendedState?.DynamicScalingInSuspended);
        const scaledDeps = (signal?: AbortSignal) => ({ ...deps(signal), autoScaling });

        beforeEach(() => {
            aasMock.reset();
            aasMock.on(RegisterScalableTargetCommand).resolves({});
        });

        it("suspends scaling before creating the deployment and resumes it after success", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"), deployment("d-NEW", "Succeeded"));
            const result = await runDeploy(scaledRequest(), scaledDeps());
            assert.equal(result.exitCode, 0);
            assert.deepEqual(suspended(), [true, false]);
            const [suspend] = aasMock.commandCalls(RegisterScalableTargetCommand);
            assert.deepEqual(suspend.args[0].input, {
                ServiceNamespace: "ecs",
                ScalableDimension: "ecs:service:DesiredCount",
                ResourceId: "service/main/api-svc",
                SuspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: true, ScheduledScalingSuspended: true },
            });
            assert.match(reporter.text(), /Suspended auto scaling of api-svc[\s\S]*Created deployment d-NEW[\s\S]*Resumed auto scaling of api-svc/);
        });

        it("resumes it after a failed deployment and its rollback", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Failed", { rollbackInfo: { rollbackDeploymentId: "d-RB" } }));
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-RB" }).resolves(deployment("d-RB", "Succeeded"));
            const result = await runDeploy(scaledRequest(), scaledDeps());
            assert.equal(result.exitCode, 1);
            assert.deepEqual(suspended(), [true, false]);
        });

        it("resumes it when the deployment could not be created", async () => {
            mockEcs();
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
            cdMock.on(CreateDeploymentCommand).rejects(Object.assign(new Error("no"), { name: "InvalidRoleException" }));
            const result = await runDeploy(scaledRequest(), scaledDeps());
            assert.equal(result.exitCode, 1);
            assert.deepEqual(suspended(), [true, false]);
        });

        it("leaves it suspended while an interrupted deployment goes on, and prints how to resume", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "InProgress"));
            const interrupt = new AbortController();
            clock.onSleep = (n) => n === 1 && interrupt.abort();
            const result = await runDeploy(scaledRequest(), scaledDeps(interrupt.signal));
            assert.equal(result.exitCode, 130);
            assert.deepEqual(suspended(), [true]);
            assert.ok(reporter.errors.some((m) => m.includes("stays suspended") && m.includes("register-scalable-target") && m.includes("--resource-id service/main/api-svc")));
        });

        it("does not touch scaling for a service without it, nor before refusing an active deployment", async () => {
            mockEcs();
            mockCodeDeploy(deployment("d-NEW", "Succeeded"));
            await runDeploy(request(), scaledDeps());
            assert.deepEqual(suspended(), []);
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: ["d-OLD"] });
            cdMock.on(GetDeploymentCommand, { deploymentId: "d-OLD" }).resolves(deployment("d-OLD", "InProgress"));
            const refused = await runDeploy(scaledRequest(), scaledDeps());
            assert.equal(refused.exitCode, 1);
            assert.deepEqual(suspended(), []);
        });
    });
});
