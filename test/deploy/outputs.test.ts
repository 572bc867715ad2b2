import { strict as assert } from "node:assert";
import { DeployError, UsageError } from "../../deploy/errors";
import { loadStackOutputs, parseStackOutputs, resolveRegion, selectCodeDeployService, type ExecFileFn } from "../../deploy/outputs";
import { DECLARED_TD_ARN, currentStackOutputs, stackOutputs } from "./helpers";

describe("deploy/outputs", () => {
    describe("loadStackOutputs", () => {
        it("runs `pulumi stack output --json --show-secrets --stack <stack>` without a shell", async () => {
            const calls: { file: string; args: string[] }[] = [];
            const execFile: ExecFileFn = async (file, args) => {
                calls.push({ file, args });
                return { stdout: JSON.stringify(stackOutputs()) };
            };
            const outputs = await loadStackOutputs({ stack: "org/prod" }, { execFile });
            assert.deepEqual(calls, [{ file: "pulumi", args: ["stack", "output", "--json", "--show-secrets", "--stack", "org/prod"] }]);
            assert.equal(outputs.region, "eu-west-1");
            assert.deepEqual(Object.keys(outputs.services).sort(), ["api", "shop", "web"]);
        });

        it("reads --outputs-file instead of running pulumi", async () => {
            const execFile: ExecFileFn = async () => assert.fail("pulumi must not run");
            const outputs = await loadStackOutputs(
                { stack: "prod", outputsFile: "/tmp/outputs.json" },
                { execFile, readFile: async (path) => (path === "/tmp/outputs.json" ? JSON.stringify(stackOutputs()) : "") },
            );
            assert.ok("api" in outputs.services);
        });

        it("says how to do without the Pulumi CLI when it is missing", async () => {
            const execFile: ExecFileFn = async () => {
                throw Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" });
            };
            await assert.rejects(loadStackOutputs({ stack: "prod" }, { execFile }), /pulumi CLI was not found.*--outputs-file/);
        });

        it("reports pulumi's stderr when the command fails", async () => {
            const execFile: ExecFileFn = async () => {
                throw Object.assign(new Error("Command failed"), { code: 255, stderr: "error: no stack named 'prdo' found\n" });
            };
            await assert.rejects(loadStackOutputs({ stack: "prdo" }, { execFile }), /no stack named 'prdo' found/);
        });

        it("rejects text that is not JSON", async () => {
            await assert.rejects(loadStackOutputs({ stack: "prod" }, { execFile: async () => ({ stdout: "oops" }) }), /not valid JSON/);
        });
    });

    it("parseStackOutputs requires a services object", () => {
        assert.throws(() => parseStackOutputs({ region: "eu-west-1" }), /no "services" object/);
        assert.throws(() => parseStackOutputs([]), /not a JSON object/);
    });

    describe("selectCodeDeployService", () => {
        it("returns a complete codedeploy service", () => {
            const service = selectCodeDeployService(stackOutputs(), "api");
            assert.equal(service.codeDeploy.deploymentGroupName, "api-dg");
        });

        it("refuses an unknown service and lists the known ones", () => {
            assert.throws(
                () => selectCodeDeployService(stackOutputs(), "apii"),
                (e: unknown) => e instanceof UsageError && /Unknown service "apii".*api, shop, web/.test(e.message),
            );
        });

        for (const [name, mode] of [["web", "rolling"], ["shop", "bluegreen"]]) {
            it(`refuses a ${mode} service and points to pulumi up`, () => {
                assert.throws(
                    () => selectCodeDeployService(stackOutputs(), name),
                    (e: unknown) =>
                        e instanceof UsageError &&
                        e.message.includes(`"${mode}"`) &&
                        e.message.includes("rolling and bluegreen services are released with `pulumi up` after changing the image in config"),
                );
            });
        }

        it("returns the declared task definition and the CodeDeploy timings when the stack exports them", () => {
            const service = selectCodeDeployService(currentStackOutputs({ trafficShiftMinutes: 0, terminationWaitMinutes: 30 }), "api");
            assert.equal(service.taskDefinitionArn, DECLARED_TD_ARN);
            assert.equal(service.codeDeploy.trafficShiftMinutes, 0);
            assert.equal(service.codeDeploy.terminationWaitMinutes, 30);
        });

        it("accepts a stack that predates them (absent or null)", () => {
            const outputs = stackOutputs();
            const api = outputs.services.api as Record<string, unknown>;
            api.taskDefinitionArn = null;
            api.codeDeploy = { ...(api.codeDeploy as object), trafficShiftMinutes: null };
            assert.doesNotThrow(() => selectCodeDeployService(outputs, "api"));
        });

        it("refuses a malformed taskDefinitionArn or timing rather than deploy the wrong revision or time out wrongly", () => {
            const outputs = currentStackOutputs({ trafficShiftMinutes: -1, terminationWaitMinutes: "30" as unknown as number });
            (outputs.services.api as Record<string, unknown>).taskDefinitionArn = "api:6";
            assert.throws(
                () => selectCodeDeployService(outputs, "api"),
                (e: unknown) =>
                    e instanceof DeployError &&
                    e.message.includes('taskDefinitionArn "api:6", not a task definition ARN') &&
                    e.message.includes("codeDeploy.trafficShiftMinutes -1, not a number of minutes") &&
                    e.message.includes('codeDeploy.terminationWaitMinutes "30", not a number of minutes'),
            );
        });

        it("names the missing fields of an incomplete codedeploy entry", () => {
            const outputs = stackOutputs();
            const api = outputs.services.api as Record<string, unknown>;
            delete api.appSpecTemplate;
            api.codeDeploy = { applicationName: "api-app" };
            assert.throws(
                () => selectCodeDeployService(outputs, "api"),
                (e: unknown) => e instanceof DeployError && /appSpecTemplate, codeDeploy\.deploymentGroupName/.test(e.message),
            );
        });
    });

    describe("resolveRegion", () => {
        const outputs = stackOutputs();
        it("prefers the flag, then the stack output, then AWS_REGION", () => {
            assert.equal(resolveRegion("us-east-1", outputs, { AWS_REGION: "ap-south-1" }), "us-east-1");
            assert.equal(resolveRegion(undefined, outputs, { AWS_REGION: "ap-south-1" }), "eu-west-1");
            assert.equal(resolveRegion(undefined, { services: {} }, { AWS_REGION: "ap-south-1" }), "ap-south-1");
        });
        it("is a usage error when nothing gives a region", () => {
            assert.throws(() => resolveRegion(undefined, { services: {} }, {}), UsageError);
        });
    });
});
