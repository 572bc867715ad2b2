import { strict as assert } from "node:assert";
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand, ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { DEFAULT_POLL_SECONDS, USAGE, parseDeployArgs, runCli, type CliIo } from "../../deploy/cli";
import { DeployError, UsageError } from "../../deploy/errors";
import type { StackOutputs } from "../../deploy/outputs";
import { CURRENT_TD_ARN, NEW_IMAGE, NEW_TD_ARN, currentStackOutputs, describedTaskDefinition, fakeClock, stackOutputs } from "./helpers";

describe("deploy/cli", () => {
    describe("parseDeployArgs", () => {
        it("reads the positionals and the defaults", () => {
            assert.deepEqual(parseDeployArgs(["prod", "api", NEW_IMAGE]), {
                help: false,
                options: {
                    stack: "prod", service: "api", image: NEW_IMAGE, outputsFile: undefined, region: undefined,
                    // No default here: it depends on the stack's deployment settings (deploy/timeout.ts).
                    pollSeconds: DEFAULT_POLL_SECONDS, timeoutMinutes: undefined, waitForActive: false, description: undefined,
                },
            });
        });

        it("reads every option", () => {
            const parsed = parseDeployArgs([
                "prod", "api", NEW_IMAGE, "--outputs-file", "o.json", "--region", "us-east-1",
                "--poll-seconds", "3", "--timeout-minutes", "90", "--wait-for-active", "--description", "hotfix",
            ]);
            assert.ok(!parsed.help);
            assert.deepEqual(
                { ...parsed.options },
                {
                    stack: "prod", service: "api", image: NEW_IMAGE, outputsFile: "o.json", region: "us-east-1", pollSeconds: 3, timeoutMinutes: 90,
                    waitForActive: true, description: "hotfix",
                },
            );
        });

        it("--help and -h ask for help", () => {
            assert.deepEqual(parseDeployArgs(["--help"]), { help: true });
            assert.deepEqual(parseDeployArgs(["-h"]), { help: true });
        });

        for (const argv of [["prod", "api"], ["prod", "api", "img", "extra"], ["prod", "api", "img", "--poll-seconds", "0"],
            ["prod", "api", "img", "--timeout-minutes", "soon"], ["prod", "api", "img", "--force"], ["prod", "api", "my image"]]) {
            it(`is a usage error: ${argv.join(" ")}`, () => {
                assert.throws(() => parseDeployArgs(argv), UsageError);
            });
        }
    });

    describe("runCli", () => {
        function io(argv: string[], overrides: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string; regions: string[] } {
            let out = "";
            let err = "";
            const regions: string[] = [];
            return {
                argv,
                env: { AWS_REGION: "ap-south-1" },
                stdout: { write: (t: string) => (out += t) },
                stderr: { write: (t: string) => (err += t) },
                clock: fakeClock(),
                loadOutputs: async () => stackOutputs(),
                makeClients: (region) => {
                    regions.push(region);
                    throw new Error("no AWS in this test");
                },
                out: () => out,
                err: () => err,
                regions,
                ...overrides,
            };
        }

        it("prints help and exits 0", async () => {
            const cli = io(["--help"]);
            assert.equal(await runCli(cli), 0);
            assert.equal(cli.out(), USAGE);
        });

        it("documents --wait-for-active, the timeout rule and the declared task definition in the help", () => {
            assert.match(USAGE, /--wait-for-active/);
            assert.match(USAGE, /trafficShiftMinutes, terminationWaitMinutes\) \+ 20 for task\s+start and health checks; 60 when the outputs lack them/);
            assert.match(USAGE, /services\.<service>\.taskDefinitionArn/);
        });

        it("exits 2 on a usage error and points to --help", async () => {
            const cli = io(["prod"]);
            assert.equal(await runCli(cli), 2);
            assert.match(cli.err(), /Expected <stack> <service> <image>.*\n.*--help/);
        });

        it("exits 2 for an unknown service, before building AWS clients", async () => {
            const cli = io(["prod", "nope", NEW_IMAGE]);
            assert.equal(await runCli(cli), 2);
            assert.match(cli.err(), /Unknown service "nope"/);
            assert.deepEqual(cli.regions, []);
        });

        it("exits 2 when no region can be found", async () => {
            const outputs: StackOutputs = { ...stackOutputs(), region: undefined };
            const cli = io(["prod", "api", NEW_IMAGE], { env: {}, loadOutputs: async () => outputs });
            assert.equal(await runCli(cli), 2);
            assert.match(cli.err(), /No AWS region/);
        });

        it("exits 1 with the message when the outputs cannot be read", async () => {
            const cli = io(["prod", "api", NEW_IMAGE], { loadOutputs: async () => { throw new DeployError("no stack named 'prod'"); } });
            assert.equal(await runCli(cli), 1);
            assert.match(cli.err(), /no stack named 'prod'/);
        });

        it("deploys end to end with clients for the stack's region, unless --region says otherwise", async () => {
            const run = async (extra: string[]) => {
                const ecs = new ECSClient({ region: "eu-west-1" });
                const codeDeploy = new CodeDeployClient({ region: "eu-west-1" });
                const ecsMock = mockClient(ecs);
                const cdMock = mockClient(codeDeploy);
                ecsMock.on(DescribeServicesCommand).resolves({ services: [{ serviceName: "api-svc", status: "ACTIVE", deploymentController: { type: "CODE_DEPLOY" }, taskDefinition: CURRENT_TD_ARN }] });
                ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition() });
                ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW_TD_ARN } });
                cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
                cdMock.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
                cdMock.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: "d-1", status: "Succeeded" } });
                const cli = io(["prod", "api", NEW_IMAGE, ...extra], {
                    makeClients: (region) => {
                        cli.regions.push(region);
                        return { ecs, codeDeploy };
                    },
                });
                return { code: await runCli(cli), cli };
            };
            const fromStack = await run([]);
            assert.equal(fromStack.code, 0);
            assert.deepEqual(fromStack.cli.regions, ["eu-west-1"]);
            assert.match(fromStack.cli.out(), /Deployment d-1 succeeded/);
            const fromFlag = await run(["--region", "us-east-2"]);
            assert.deepEqual(fromFlag.cli.regions, ["us-east-2"]);
        });

        it("stops with exit 1, naming the active deployment, unless --wait-for-active", async () => {
            const ecs = new ECSClient({ region: "eu-west-1" });
            const codeDeploy = new CodeDeployClient({ region: "eu-west-1" });
            const ecsMock = mockClient(ecs);
            const cdMock = mockClient(codeDeploy);
            cdMock.on(ListDeploymentsCommand).resolves({ deployments: ["d-OLD"] });
            cdMock.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: "d-OLD", status: "InProgress" } });
            const cli = io(["prod", "api", NEW_IMAGE], {
                loadOutputs: async () => currentStackOutputs({ trafficShiftMinutes: 9, terminationWaitMinutes: 30 }),
                makeClients: () => ({ ecs, codeDeploy }),
            });
            assert.equal(await runCli(cli), 1);
            assert.match(cli.err(), /already has an active deployment, d-OLD \(InProgress\)/);
            assert.match(cli.out(), /Timeout: 59 min = 9 min traffic shifting/);
            assert.equal(ecsMock.calls().length, 0);
            assert.equal(cdMock.commandCalls(CreateDeploymentCommand).length, 0);
        });
    });
});
