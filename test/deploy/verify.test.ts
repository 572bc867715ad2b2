import { strict as assert } from "node:assert";
import {
    CodeDeployClient,
    GetDeploymentCommand,
    GetDeploymentTargetCommand,
    ListDeploymentTargetsCommand,
    ListDeploymentsCommand,
    type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import {
    DescribeServiceDeploymentsCommand,
    DescribeServicesCommand,
    ECSClient,
    ListServiceDeploymentsCommand,
    type Deployment,
    type Service,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import type { CliIo } from "../../deploy/cli";
import { UsageError } from "../../deploy/errors";
import { loadStackOutputs, type ExecFileFn, type StackOutputs } from "../../deploy/outputs";
import { VERIFY_DEFAULT_POLL_SECONDS, VERIFY_USAGE, parseVerifyArgs, runVerifyCli } from "../../deploy/verify/cli";
import { overallExitCode } from "../../deploy/verify/outcome";
import { runVerify, type VerifyRequest } from "../../deploy/verify/run";
import { selectVerifyTargets } from "../../deploy/verify/targets";
import { fakeClock, recordingReporter, type FakeClock, type RecordingReporter } from "./helpers";

const REGION = "eu-west-1";
const WEB_TD6 = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:6";
const WEB_TD7 = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:7";
const SHOP_TD3 = "arn:aws:ecs:eu-west-1:111122223333:task-definition/shop:3";
const SHOP_TD4 = "arn:aws:ecs:eu-west-1:111122223333:task-definition/shop:4";
const CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start.";

/** A stack with one service per mode, as `pulumi stack output --json` gives it. */
function outputs(): StackOutputs {
    return {
        region: REGION,
        services: {
            web: {
                mode: "rolling", clusterName: "main", serviceName: "web-svc", serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/main/web-svc",
                containerName: "web", containerPort: 80, taskDefinitionArn: WEB_TD7,
            },
            shop: {
                mode: "bluegreen", clusterName: "main", serviceName: "shop-svc", serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/main/shop-svc",
                containerName: "shop", containerPort: 80, taskDefinitionArn: SHOP_TD4,
            },
            api: {
                mode: "codedeploy", clusterName: "main", serviceName: "api-svc", serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/main/api-svc",
                containerName: "app", containerPort: 8080, taskDefinitionArn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:6",
                codeDeploy: {
                    applicationName: "api-app", deploymentGroupName: "api-dg", deploymentConfigName: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
                    trafficShiftMinutes: 9, terminationWaitMinutes: 30,
                },
                appSpecTemplate: "{}",
            },
        },
    };
}

function dep(id: string, status: "PRIMARY" | "ACTIVE", taskDefinition: string, rolloutState: Deployment["rolloutState"], extra: Partial<Deployment> = {}): Deployment {
    return { id, status, taskDefinition, rolloutState, desiredCount: 2, runningCount: 2, pendingCount: 0, failedTasks: 0, createdAt: new Date("2025-01-01T10:00:00Z"), ...extra };
}

function ecsService(name: string, deployments: Deployment[], extra: Partial<Service> = {}): Service {
    return {
        serviceName: name,
        status: "ACTIVE",
        desiredCount: 2,
        healthCheckGracePeriodSeconds: 60,
        deploymentConfiguration: { strategy: "ROLLING", deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { alarmNames: [], enable: true, rollback: true } },
        deployments,
        events: [],
        ...extra,
    };
}

function cdDeployment(id: string, status: DeploymentInfo["status"], extra: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } {
    return { deploymentInfo: { deploymentId: id, status, computePlatform: "ECS", createTime: new Date("2025-01-01T09:00:00Z"), ...extra } };
}

// Instances, not classes, are mocked: other test files mock their own clients.
const ecs = new ECSClient({ region: REGION });
const codeDeploy = new CodeDeployClient({ region: REGION });
const ecsMock = mockClient(ecs);
const cdMock = mockClient(codeDeploy);

function describeServices(serviceName: string, ...services: Service[]): void {
    let stub = ecsMock.on(DescribeServicesCommand, { services: [serviceName] });
    for (const svc of services.slice(0, -1)) stub = stub.resolvesOnce({ services: [svc] });
    stub.resolves({ services: [services[services.length - 1]] });
}

function getDeployment(id: string, ...states: ReturnType<typeof cdDeployment>[]): void {
    let stub = cdMock.on(GetDeploymentCommand, { deploymentId: id });
    for (const state of states.slice(0, -1)) stub = stub.resolvesOnce(state);
    stub.resolves(states[states.length - 1]);
}

describe("npm run verify", () => {
    let reporter: RecordingReporter;
    let clock: FakeClock;
    const deps = (signal?: AbortSignal) => ({ ecs, codeDeploy, reporter, clock, signal });
    const request = (overrides: Partial<VerifyRequest> = {}): VerifyRequest => ({
        stack: "prod", outputs: outputs(), services: [], region: REGION, pollSeconds: 10, ...overrides,
    });

    beforeEach(() => {
        ecsMock.reset();
        cdMock.reset();
        // No service deployments in these tests unless a test says so: the legacy signals decide.
        ecsMock.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
        cdMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: [] });
        cdMock.on(GetDeploymentTargetCommand).resolves({});
        reporter = recordingReporter();
        clock = fakeClock();
    });

    describe("ECS services", () => {
        it("completed: exit 0 once the PRIMARY deployment completed on the stack's revision", async () => {
            describeServices("web-svc",
                ecsService("web-svc", [dep("ecs-svc/7", "PRIMARY", WEB_TD7, "IN_PROGRESS", { runningCount: 1 }), dep("ecs-svc/6", "ACTIVE", WEB_TD6, "COMPLETED")]),
                ecsService("web-svc", [dep("ecs-svc/7", "PRIMARY", WEB_TD7, "COMPLETED")]),
            );
            const result = await runVerify(request({ services: ["web"] }), deps());
            assert.equal(result.exitCode, 0);
            assert.deepEqual(result.services.map((s) => [s.service, s.outcome]), [["web", "completed"]]);
            assert.match(reporter.infos.join("\n"), /^  web  rolling  ok  runs web:7 \(the stack's revision\), 2\/2 tasks$/m);
            assert.equal(ecsMock.commandCalls(DescribeServicesCommand).length, 2);
        });

        it("rolled back by the circuit breaker after pulumi up reported success: exit 1, reason and events on stderr", async () => {
            // What `pulumi up` leaves behind: the service is stable again, on the previous revision.
            describeServices("web-svc", ecsService("web-svc", [dep("ecs-svc/8", "PRIMARY", WEB_TD6, "COMPLETED")], {
                events: [
                    { id: "e1", createdAt: new Date("2025-01-01T10:03:00Z"), message: `(service web-svc) deployment ecs-svc/7 failed: ${CIRCUIT_BREAKER_REASON}` },
                    { id: "e2", createdAt: new Date("2025-01-01T10:05:00Z"), message: "(service web-svc) has reached a steady state." },
                ],
            }));
            const result = await runVerify(request({ services: ["web"] }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.services[0].outcome, "rolledBack");
            const errors = reporter.errors.join("\n");
            assert.match(errors, /^web: ROLLED BACK: ECS runs web:6 \(COMPLETED\), not the stack's web:7/m);
            assert.match(errors, /last service events:\n {4}10:03:00Z \(service web-svc\) deployment ecs-svc\/7 failed/);
            assert.match(errors, /console: https:\/\/eu-west-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/main\/services\/web-svc\/deployments\?region=eu-west-1/);
            assert.match(errors, /1 of 1 service did not verify/);
        });

        it("rolled back by an alarm: names the alarm that fired", async () => {
            const sdArn = "arn:aws:ecs:eu-west-1:111122223333:service-deployment/main/web-svc/X";
            describeServices("web-svc", ecsService("web-svc", [dep("ecs-svc/8", "PRIMARY", WEB_TD6, "IN_PROGRESS")], { currentServiceDeployment: sdArn }));
            ecsMock.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [sdArn] }).resolves({
                serviceDeployments: [{ serviceDeploymentArn: sdArn, status: "ROLLBACK_IN_PROGRESS", alarms: { status: "TRIGGERED", triggeredAlarmNames: ["ecs-deploy-prod-web-blue-5xx"] } }],
            });
            const result = await runVerify(request({ services: ["web"] }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.services[0].outcome, "rolledBack");
            assert.match(reporter.errors.join("\n"), /^web: ROLLED BACK: rolling back by the deployment alarm ecs-deploy-prod-web-blue-5xx; ECS runs web:6/m);
            assert.match(reporter.errors.join("\n"), /triggered by: deployment alarm ecs-deploy-prod-web-blue-5xx/);
        });

        it("rolled back by an alarm, without service deployments: the alarm named in the rollout reason", async () => {
            const alarms = ["ecs-deploy-prod-web-blue-5xx", "ecs-deploy-prod-web-blue-p99-latency"];
            describeServices("web-svc", ecsService("web-svc", [
                dep("ecs-svc/8", "PRIMARY", WEB_TD6, "IN_PROGRESS"),
                dep("ecs-svc/7", "ACTIVE", WEB_TD7, "FAILED", { rolloutStateReason: `ECS deployment ecs-svc/7 failed: alarm ${alarms[1]} in ALARM state.` }),
            ], { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { alarmNames: alarms, enable: true, rollback: true } } }));
            const result = await runVerify(request({ services: ["web"] }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.services[0].outcome, "rolledBack");
            const errors = reporter.errors.join("\n");
            assert.match(errors, new RegExp(`alarm that fired: ${alarms[1]}$`, "m"));
            assert.match(errors, /reason: ECS deployment ecs-svc\/7 failed: alarm/);
        });
    });

    describe("CODE_DEPLOY services", () => {
        it("latest deployment succeeded: exit 0, no following", async () => {
            cdMock.on(ListDeploymentsCommand, { applicationName: "api-app", deploymentGroupName: "api-dg" }).resolves({ deployments: ["d-2", "d-1"] });
            getDeployment("d-2", cdDeployment("d-2", "Succeeded", { description: "Deploy api:1.5" }));
            const result = await runVerify(request({ services: ["api"] }), deps());
            assert.equal(result.exitCode, 0);
            assert.equal(result.services[0].outcome, "completed");
            assert.equal(result.services[0].summary, 'deployment d-2 succeeded ("Deploy api:1.5")');
            assert.equal(cdMock.commandCalls(GetDeploymentCommand).length, 1);
            assert.deepEqual(clock.sleeps, []);
        });

        it("latest deployment is CodeDeploy's rollback of a failed release: exit 1, naming both", async () => {
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: ["d-3", "d-2", "d-1"] });
            getDeployment("d-3", cdDeployment("d-3", "Succeeded", { creator: "codeDeployRollback", rollbackInfo: { rollbackTriggeringDeploymentId: "d-2" } }));
            getDeployment("d-2", cdDeployment("d-2", "Failed", {
                errorInformation: { code: "ALARM_ACTIVE", message: "One or more alarms have been activated: api-green-5xx" },
                rollbackInfo: { rollbackDeploymentId: "d-3" },
            }));
            const result = await runVerify(request({ services: ["api"] }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.services[0].outcome, "rolledBack");
            assert.equal(result.services[0].summary, "release d-2 failed; CodeDeploy rolled it back with d-3 (rollback succeeded: production runs the previous revision)");
            assert.match(reporter.errors.join("\n"), /error: ALARM_ACTIVE: One or more alarms have been activated: api-green-5xx/);
        });

        it("latest deployment in progress, then failed and rolled back: follows it, then names the rollback", async () => {
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: ["d-2"] });
            getDeployment("d-2",
                cdDeployment("d-2", "InProgress"),
                cdDeployment("d-2", "InProgress"),
                cdDeployment("d-2", "Failed", { autoRollbackConfiguration: { enabled: true }, errorInformation: { code: "HEALTH_CONSTRAINTS", message: "tasks failed" } }),
                cdDeployment("d-2", "Failed", { rollbackInfo: { rollbackDeploymentId: "d-3", rollbackMessage: "Deployment d-2 failed; rolled back by d-3" } }),
            );
            getDeployment("d-3", cdDeployment("d-3", "InProgress", { creator: "codeDeployRollback" }));
            const result = await runVerify(request({ services: ["api"] }), deps());
            assert.equal(result.exitCode, 1);
            assert.equal(result.services[0].outcome, "rolledBack");
            assert.equal(result.services[0].summary, "deployment d-2 failed; CodeDeploy rolled it back with d-3 (rollback InProgress)");
            assert.match(reporter.errors.join("\n"), /rollback: Deployment d-2 failed; rolled back by d-3/);
        });

        it("latest deployment in progress, then succeeded: follows it with traffic shift + termination wait + 20 min", async () => {
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: ["d-2"] });
            getDeployment("d-2", cdDeployment("d-2", "InProgress"), cdDeployment("d-2", "InProgress"), cdDeployment("d-2", "InProgress"), cdDeployment("d-2", "Succeeded"));
            const result = await runVerify(request({ services: ["api"] }), deps());
            assert.equal(result.exitCode, 0);
            assert.equal(result.services[0].outcome, "completed");
            assert.match(reporter.infos.join("\n"), /Timeout: 59 min = 9 min traffic shifting \+ 30 min termination wait \+ 20 min/);
            // One GetDeployment to find its status, then the follower's three polls.
            assert.equal(cdMock.commandCalls(GetDeploymentCommand).length, 4);
            assert.deepEqual(clock.sleeps, [10_000, 10_000]);
            assert.deepEqual(reporter.states.map((s) => s.split(" | ")[0]), ["InProgress", "InProgress", "Succeeded"]);
        });

        it("no deployment yet: exit 0 with a note that nothing was released", async () => {
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
            const result = await runVerify(request({ services: ["api"] }), deps());
            assert.equal(result.exitCode, 0);
            assert.equal(result.services[0].outcome, "none");
            assert.match(result.services[0].summary, /no CodeDeploy deployment in api-app\/api-dg yet: nothing released with `npm run deploy`/);
        });
    });

    it("several services, one rolled back: checks them all, exit 1, one summary line each", async () => {
        describeServices("web-svc", ecsService("web-svc", [dep("ecs-svc/7", "PRIMARY", WEB_TD7, "COMPLETED")]));
        describeServices("shop-svc",
            ecsService("shop-svc", [dep("ecs-svc/40", "PRIMARY", SHOP_TD4, "IN_PROGRESS"), dep("ecs-svc/30", "ACTIVE", SHOP_TD3, "COMPLETED")],
                { deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 10, deploymentCircuitBreaker: { enable: true, rollback: true } } }),
            ecsService("shop-svc", [dep("ecs-svc/41", "PRIMARY", SHOP_TD3, "IN_PROGRESS"), dep("ecs-svc/40", "ACTIVE", SHOP_TD4, "FAILED", { rolloutStateReason: CIRCUIT_BREAKER_REASON })]),
        );
        cdMock.on(ListDeploymentsCommand).resolves({ deployments: ["d-2"] });
        getDeployment("d-2", cdDeployment("d-2", "Succeeded"));
        const result = await runVerify(request(), deps());
        assert.equal(result.exitCode, 1);
        // Every service of the stack, sorted, when none is named.
        assert.deepEqual(result.services.map((s) => [s.service, s.outcome]), [["api", "completed"], ["shop", "rolledBack"], ["web", "completed"]]);
        const infos = reporter.infos;
        const summary = infos.slice(infos.indexOf("Summary:") + 1);
        assert.deepEqual(summary, [
            "  api   codedeploy  ok           deployment d-2 succeeded",
            "  shop  bluegreen   ROLLED BACK  deployment ecs-svc/40 (shop:4) FAILED (circuit breaker); rolling back: ECS runs shop:3 (IN_PROGRESS); the stack declares shop:4",
            "  web   rolling     ok           runs web:7 (the stack's revision), 2/2 tasks",
        ]);
        assert.match(reporter.errors.join("\n"), /1 of 3 services did not verify/);
    });

    it("an AWS error on one service does not stop the others, and counts as a failure", async () => {
        ecsMock.on(DescribeServicesCommand, { services: ["web-svc"] }).rejects(Object.assign(new Error("User is not authorized to perform: ecs:DescribeServices"), { name: "AccessDeniedException" }));
        describeServices("shop-svc", ecsService("shop-svc", [dep("ecs-svc/40", "PRIMARY", SHOP_TD4, "COMPLETED")]));
        const result = await runVerify(request({ services: ["web", "shop"] }), deps());
        assert.equal(result.exitCode, 1);
        assert.deepEqual(result.services.map((s) => s.outcome), ["error", "completed"]);
        assert.match(result.services[0].summary, /^could not verify: AccessDeniedException: User is not authorized/);
    });

    it("Ctrl-C: exit 130, the watched service interrupted with its state, the rest not checked", async () => {
        describeServices("web-svc", ecsService("web-svc", [dep("ecs-svc/7", "PRIMARY", WEB_TD7, "IN_PROGRESS", { runningCount: 1 }), dep("ecs-svc/6", "ACTIVE", WEB_TD6, "COMPLETED")]));
        const interrupt = new AbortController();
        clock.onSleep = (n) => n === 1 && interrupt.abort();
        const result = await runVerify(request({ services: ["web", "shop"] }), deps(interrupt.signal));
        assert.equal(result.exitCode, 130);
        assert.deepEqual(result.services.map((s) => s.outcome), ["interrupted", "notChecked"]);
        assert.match(result.services[0].summary, /^stopped watching while web:7 IN_PROGRESS \| running 1\/2/);
        assert.equal(ecsMock.commandCalls(DescribeServicesCommand, { services: ["shop-svc"] }).length, 0);
        const errors = reporter.errors.join("\n");
        assert.match(errors, /deployment ecs-svc\/7 was not stopped and continues in ECS/);
        assert.match(errors, /Interrupted: web, shop still unverified/);
    });

    it("overallExitCode: interrupted wins, then any failure, else 0", () => {
        assert.equal(overallExitCode(["completed", "none"]), 0);
        assert.equal(overallExitCode(["completed", "timedOut"]), 1);
        assert.equal(overallExitCode(["vanished"]), 1);
        assert.equal(overallExitCode(["rolledBack", "interrupted"]), 130);
    });

    describe("bad input (exit 2, nothing asked of AWS)", () => {
        function io(argv: string[], overrides: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string; clients: string[] } {
            let out = "";
            let err = "";
            const clients: string[] = [];
            return {
                argv,
                env: {},
                stdout: { write: (t: string) => (out += t) },
                stderr: { write: (t: string) => (err += t) },
                clock: fakeClock(),
                loadOutputs: async () => outputs(),
                makeClients: (region) => {
                    clients.push(region);
                    return { ecs, codeDeploy };
                },
                out: () => out,
                err: () => err,
                clients,
                ...overrides,
            };
        }

        it("stack outputs that cannot be read: the pulumi CLI fails", async () => {
            const execFile: ExecFileFn = async () => {
                throw Object.assign(new Error("Command failed"), { code: 255, stderr: "error: no stack named 'prdo' found\n" });
            };
            const cli = io(["prdo"], { loadOutputs: (source) => loadStackOutputs(source, { execFile }) });
            assert.equal(await runVerifyCli(cli), 2);
            assert.match(cli.err(), /`pulumi stack output --json --show-secrets --stack prdo` failed: error: no stack named 'prdo' found/);
            assert.match(cli.err(), /Run with --help for usage\./);
            assert.deepEqual(cli.clients, []);
        });

        it("a stack without service outputs", async () => {
            const cli = io(["prod"], { loadOutputs: (source) => loadStackOutputs(source, { execFile: async () => ({ stdout: '{"region":"eu-west-1"}' }) }) });
            assert.equal(await runVerifyCli(cli), 2);
            assert.match(cli.err(), /no "services" object/);
            assert.deepEqual(cli.clients, []);
        });

        it("an unknown service, naming the known ones", async () => {
            const cli = io(["prod", "web", "wbe"]);
            assert.equal(await runVerifyCli(cli), 2);
            assert.match(cli.err(), /Unknown service "wbe"\. Services in the outputs of stack prod: api, shop, web\./);
            assert.deepEqual(cli.clients, []);
        });

        it("outputs lacking fields: every missing field of every selected service in one message", () => {
            const broken = outputs();
            delete (broken.services.web as Record<string, unknown>).clusterName;
            delete ((broken.services.api as Record<string, unknown>).codeDeploy as Record<string, unknown>).deploymentGroupName;
            (broken.services.shop as Record<string, unknown>).taskDefinitionArn = "shop:4";
            assert.throws(
                () => selectVerifyTargets(broken, [], "stack prod"),
                (e: Error) =>
                    e instanceof UsageError &&
                    /services\.api lacks codeDeploy\.deploymentGroupName/.test(e.message) &&
                    /services\.shop has taskDefinitionArn "shop:4" \(not a task definition ARN\)/.test(e.message) &&
                    /services\.web lacks clusterName/.test(e.message),
            );
        });

        it("outputs lacking fields, through the command: exit 2 before any client is built", async () => {
            const broken = outputs();
            delete (broken.services.web as Record<string, unknown>).serviceName;
            const cli = io(["prod", "web"], { loadOutputs: async () => broken });
            assert.equal(await runVerifyCli(cli), 2);
            assert.match(cli.err(), /services\.web lacks serviceName/);
            assert.deepEqual(cli.clients, []);
        });

        it("older outputs without taskDefinitionArn or CodeDeploy timings are accepted", () => {
            const old = outputs();
            delete (old.services.web as Record<string, unknown>).taskDefinitionArn;
            const group = (old.services.api as Record<string, unknown>).codeDeploy as Record<string, unknown>;
            delete group.trafficShiftMinutes;
            delete group.terminationWaitMinutes;
            const targets = selectVerifyTargets(old, ["web", "api"], "stack prod");
            assert.deepEqual(targets.map((t) => [t.name, t.taskDefinitionArn]), [["web", undefined], ["api", "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:6"]]);
        });

        it("parseVerifyArgs: stack, services, options; usage errors", () => {
            assert.deepEqual(parseVerifyArgs(["prod"]), {
                help: false,
                options: { stack: "prod", services: [], outputsFile: undefined, region: undefined, pollSeconds: VERIFY_DEFAULT_POLL_SECONDS, timeoutMinutes: undefined },
            });
            assert.deepEqual(parseVerifyArgs(["prod", "web", "api", "--outputs-file", "o.json", "--region", "us-east-1", "--poll-seconds", "5", "--timeout-minutes", "30"]), {
                help: false,
                options: { stack: "prod", services: ["web", "api"], outputsFile: "o.json", region: "us-east-1", pollSeconds: 5, timeoutMinutes: 30 },
            });
            assert.deepEqual(parseVerifyArgs(["-h"]), { help: true });
            for (const argv of [[], ["prod", "--poll-seconds", "0"], ["prod", "--timeout-minutes", "soon"], ["prod", "--wait-for-active"]]) {
                assert.throws(() => parseVerifyArgs(argv), UsageError, argv.join(" "));
            }
        });

        it("--help prints the usage with the timeout rules and exits 0", async () => {
            const cli = io(["--help"]);
            assert.equal(await runVerifyCli(cli), 0);
            assert.equal(cli.out(), VERIFY_USAGE);
            assert.match(VERIFY_USAGE, /--timeout-minutes M/);
            assert.match(VERIFY_USAGE, /health-check grace period \+ 10 min/);
            assert.match(VERIFY_USAGE, /traffic shift \+ termination wait \+ 20 min/);
        });
    });

    it("the command: region from the outputs, exit code of the verification, clients for that region", async () => {
        describeServices("web-svc", ecsService("web-svc", [dep("ecs-svc/8", "PRIMARY", WEB_TD6, "COMPLETED")]));
        let out = "";
        const regions: string[] = [];
        const code = await runVerifyCli({
            argv: ["prod", "web", "--poll-seconds", "3"],
            env: { AWS_REGION: "ap-south-1" },
            stdout: { write: (t: string) => (out += t) },
            stderr: { write: () => undefined },
            clock,
            loadOutputs: async () => outputs(),
            makeClients: (region) => {
                regions.push(region);
                return { ecs, codeDeploy };
            },
        });
        assert.equal(code, 1);
        assert.deepEqual(regions, [REGION]);
        assert.match(out, /Verifying 1 service of stack prod in eu-west-1: web/);
        assert.match(out, /web {2}rolling {2}ROLLED BACK/);
    });
});
