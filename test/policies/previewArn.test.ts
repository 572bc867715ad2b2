import * as assert from "assert";
import { runPolicyPack } from "../../offline/policyRunner";
import type { RegisteredResource } from "../../offline/types";
import { compliantStack, U } from "./fixtures";

/**
 * deployment-failures-notify on a new service (its ARN unknown during preview): an event rule
 * whose pattern depends on the service and names an ECS service ARN ending in the service's name
 * states the ARN the service will have.
 */
describe("deployment-failures-notify with a new service's ARN unknown", () => {
    /** The compliant stack as on `pulumi up`, except that web is new: its ARN is not known yet. */
    function newWeb(change: (web: RegisteredResource, rule: RegisteredResource) => void = () => undefined): RegisteredResource[] {
        const stack = structuredClone(compliantStack().build(false));
        const web = stack.find((r) => r.name === "web")!;
        web.outputs = { ...web.outputs, arn: U, id: U };
        change(web, stack.find((r) => r.name === "ecs-failures")!);
        return stack;
    }
    const webFindings = async (stack: RegisteredResource[]) =>
        (await runPolicyPack(stack, { preview: true })).violations.filter((v) => v.policyName === "deployment-failures-notify" && v.resourceName === "web");

    it("decides (passes) when the dependent rule names service/<cluster>/<its name>", async () => {
        assert.deepStrictEqual(await webFindings(newWeb()), []);
    });

    it("stays undecided when the named ARN is another service's, or the rule does not depend on the service", async () => {
        const renamed = await webFindings(newWeb((web) => (web.inputs.name = "shop")));
        assert.equal(renamed.length, 1);
        assert.match(renamed[0].message, /undecided during preview/);
        assert.equal(renamed[0].enforcementLevel, "advisory");
        const unrelated = await webFindings(newWeb((_web, rule) => (rule.propertyDependencies = { eventPattern: [] })));
        assert.equal(unrelated.length, 1);
        assert.match(unrelated[0].message, /undecided during preview/);
    });

    it("still rejects when no rule can deliver at all", async () => {
        const stack = newWeb().filter((r) => r.name !== "ecs-failures-to-sns");
        const v = await webFindings(stack);
        assert.equal(v[0]?.enforcementLevel, "mandatory");
    });
});
