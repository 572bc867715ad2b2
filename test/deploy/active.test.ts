import { strict as assert } from "node:assert";
import { CodeDeployClient, GetDeploymentCommand, type DeploymentInfo } from "@aws-sdk/client-codedeploy";
import { mockClient } from "aws-sdk-client-mock";
import { awaitRollbackInfo, ROLLBACK_INFO_POLLS } from "../../deploy/active";
import { fakeClock } from "./helpers";

const codeDeploy = new CodeDeployClient({ region: "eu-west-1" });
const cdMock = mockClient(codeDeploy);

const failed = (extra: Partial<DeploymentInfo> = {}): DeploymentInfo => ({
    deploymentId: "d-FAILED",
    status: "Failed",
    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
    ...extra,
});

describe("awaitRollbackInfo (deploy, verify and drill wait for CodeDeploy's rollback alike)", () => {
    beforeEach(() => cdMock.reset());

    it("returns at once when the rollback is already named, or when the group does not roll back by itself", async () => {
        for (const deployment of [
            failed({ rollbackInfo: { rollbackDeploymentId: "d-BACK" } }),
            failed({ autoRollbackConfiguration: { enabled: false } }),
            failed({ autoRollbackConfiguration: undefined }),
        ]) {
            const clock = fakeClock();
            let waited = false;
            const info = await awaitRollbackInfo(codeDeploy, deployment, { clock, pollMs: 5000, onWait: () => (waited = true) });
            assert.deepEqual(info, deployment.rollbackInfo);
            assert.deepEqual(clock.sleeps, []);
            assert.equal(waited, false);
        }
        assert.equal(cdMock.commandCalls(GetDeploymentCommand).length, 0);
    });

    it("polls until the rollback deployment's id appears, through a rollbackInfo without one and a transient error", async () => {
        cdMock
            .on(GetDeploymentCommand)
            .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
            .resolvesOnce({ deploymentInfo: failed({ rollbackInfo: { rollbackMessage: "starting" } }) })
            .resolves({ deploymentInfo: failed({ rollbackInfo: { rollbackDeploymentId: "d-BACK" } }) });
        const clock = fakeClock();
        let waited = 0;
        const info = await awaitRollbackInfo(codeDeploy, failed({ rollbackInfo: { rollbackMessage: "pending" } }), { clock, pollMs: 5000, onWait: () => waited++ });
        assert.equal(info?.rollbackDeploymentId, "d-BACK");
        assert.deepEqual(clock.sleeps, [5000, 5000, 5000]);
        assert.equal(waited, 1);
    });

    it(`gives up after ${ROLLBACK_INFO_POLLS} polls, and stops polling once aborted`, async () => {
        cdMock.on(GetDeploymentCommand).resolves({ deploymentInfo: failed() });
        const clock = fakeClock();
        assert.equal(await awaitRollbackInfo(codeDeploy, failed(), { clock, pollMs: 1000 }), undefined);
        assert.equal(clock.sleeps.length, ROLLBACK_INFO_POLLS);

        const controller = new AbortController();
        const aborting = fakeClock();
        aborting.onSleep = () => controller.abort();
        assert.equal(await awaitRollbackInfo(codeDeploy, failed(), { clock: aborting, pollMs: 1000, signal: controller.signal }), undefined);
        assert.equal(aborting.sleeps.length, 1);
    });
});
