import { strict as assert } from "node:assert";
import {
    CodeDeployClient,
    CreateDeploymentCommand,
    GetDeploymentCommand,
    GetDeploymentTargetCommand,
    ListDeploymentTargetsCommand,
    StopDeploymentCommand,
    type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import {
    DescribeServicesCommand,
    DescribeTaskDefinitionCommand,
    ECSClient,
    RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { TASK_DEFINITION_PLACEHOLDER } from "../../deploy/appspec";
import { runDeploy, type DeployRequest } from "../../deploy/run";
import {
    CURRENT_TD_ARN,
    NEW_IMAGE,
    NEW_TD_ARN,
    READ_ONLY_FIELDS,
    REGION,
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

        it("names the step when AWS refuses, e.g. an active deployment already running", async () => {
            mockEcs();
            cdMock.on(CreateDeploymentCommand).rejects(
                Object.assign(new Error("The Deployment Group 'api-dg' already has an active Deployment 'd-OLD'"), { name: "DeploymentLimitExceededException" }),
            );
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.ok(reporter.errors.includes(
                "Error: Could not create the CodeDeploy deployment: DeploymentLimitExceededException: The Deployment Group 'api-dg' already has an active Deployment 'd-OLD'",
            ));
        });

        it("says the deployment continues when following it fails", async () => {
            mockEcs();
            cdMock.on(CreateDeploymentCommand).resolves({ deploymentId: "d-NEW" });
            cdMock.on(GetDeploymentCommand).rejects(new Error("socket hang up"));
            const result = await runDeploy(request(), deps());
            assert.equal(result.exitCode, 1);
            assert.ok(reporter.errors.some((m) => m.startsWith("Deployment d-NEW was created and continues in CodeDeploy")));
        });
    });
});
