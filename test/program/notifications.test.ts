import { strict as assert } from "assert";
import type { InputTransformer } from "../../components/eventPatterns";
import { parseStackConfig } from "../../config";
import type { RunResult } from "../../offline/engine";
import { PROJECT_DIR } from "../../offline/engine";
import { readStackConfig } from "../../offline/stackFiles";
import { named, ofType, runStack, runWithConfig, service } from "./helpers";

/**
 * What SNS delivers for `event`: EventBridge replaces each `<name>` of the template by the value
 * at its input path (the paths used here are `$.a.b` and `$.a[0]`), then the JSON string template
 * becomes the message text.
 */
function deliveredText(t: InputTransformer, event: Record<string, unknown>): string {
    let out = t.inputTemplate;
    for (const [name, path] of Object.entries(t.inputPaths)) {
        let value: any = event;
        for (const part of path.replace(/^\$\./, "").split(/\.|\[(\d+)\]/).filter(Boolean)) value = value?.[/^\d+$/.test(part) ? Number(part) : part];
        assert.equal(typeof value, "string", `${path} is not in the event`);
        out = out.split(`<${name}>`).join(value);
    }
    return JSON.parse(out) as string;
}

function deploymentFailedEvent(serviceArn: string) {
    return {
        version: "0",
        id: "ddca6449-b258-46c0-8653-e0e3a6EXAMPLE",
        "detail-type": "ECS Deployment State Change",
        source: "aws.ecs",
        account: "123456789012",
        time: "2026-05-23T12:31:14Z",
        region: "eu-west-1",
        resources: [serviceArn],
        detail: { eventType: "ERROR", eventName: "SERVICE_DEPLOYMENT_FAILED", deploymentId: "ecs-svc/123", updatedAt: "2026-05-23T12:31:14Z", reason: "ECS deployment circuit breaker: tasks failed to start." },
    };
}

/** The console link of each ECS-controller service's failure notification, against the service ECS knows. */
function checkConsoleLinks(result: RunResult, serviceNames: string[]): void {
    assert.equal(result.error, undefined, result.error?.stack);
    const cluster = ofType(result, "aws:ecs/cluster:Cluster")[0].inputs.name as string;
    for (const name of serviceNames) {
        const ecs = named(result, "aws:ecs/service:Service", name);
        const target = ofType(result, "aws:cloudwatch/eventTarget:EventTarget").find((t) => t.name.endsWith(`-${name}-deployment-failed`));
        assert.ok(target, `no deployment-failed target for ${name}`);
        const text = deliveredText(target.inputs.inputTransformer, deploymentFailedEvent(ecs.outputs.arn ?? ecs.outputs.id));
        const link = /Console: (\S+)$/.exec(text)?.[1];
        assert.equal(link, `https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/${cluster}/services/${ecs.inputs.name}/deployments?region=eu-west-1`, text);
        assert.ok(text.includes(`service ${name} (`), text);
    }
}

describe("deployment failure notifications", () => {
    it("link to the ECS service as ECS names it (<stack>-<service>), in dev", async () => {
        const cfg = parseStackConfig(readStackConfig(PROJECT_DIR, "dev"));
        checkConsoleLinks(await runStack("dev"), cfg.services.filter((s) => s.deployment.mode !== "codedeploy").map((s) => s.name));
    });

    it("link to the ECS service whatever the stack name", async () => {
        checkConsoleLinks(await runWithConfig({ services: [service("web"), service("api", { deployment: { mode: "bluegreen" } })] }, "staging-eu"), ["web", "api"]);
    });
});
