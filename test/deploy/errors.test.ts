import { strict as assert } from "node:assert";
import { DeployError, UsageError, errorText } from "../../deploy/errors";

describe("errorText: an error as one line for the user", () => {
    it("keeps an AWS error's name, which says what kind of failure it was", () => {
        const denied = Object.assign(new Error("User is not authorized to perform ecs:UpdateService"), { name: "AccessDeniedException" });
        assert.equal(errorText(denied), "AccessDeniedException: User is not authorized to perform ecs:UpdateService");
    });

    it("gives our own errors, a plain Error and a non-error as their message alone", () => {
        assert.equal(errorText(new DeployError("The stack has no service api.")), "The stack has no service api.");
        assert.equal(errorText(new UsageError("Expected <stack>.")), "Expected <stack>.");
        assert.equal(errorText(new Error("socket hang up")), "socket hang up");
        assert.equal(errorText("timeout"), "timeout");
    });
});
