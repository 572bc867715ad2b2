import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import { stringify } from "yaml";
import { EXIT, planCommand, type Plan } from "../../offline/plan";
import { once, service } from "./helpers";

async function runPlan(argv: string[]): Promise<{ code: number; text: string }> {
    let text = "";
    const code = await planCommand(argv, { out: (t) => (text += t) });
    return { code, text };
}
const plannedOnce = once((key) => runPlan(JSON.parse(key) as string[]));
/** `npm run plan -- <argv>`: the same command line plans the same files the same way, so it runs once (a diagram file is written each time). */
const plan = (argv: string[]) => (argv.includes("--diagram") ? runPlan(argv) : plannedOnce(JSON.stringify(argv)));

function stackFile(config: Record<string, unknown>): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "Pulumi.try.yaml");
    fs.writeFileSync(file, stringify({ config: { "aws:region": "eu-west-1", ...config } }));
    return file;
}

describe("npm run plan", () => {
    for (const stack of ["dev", "prod"]) {
        it(`plans ${stack} cleanly (exit 0) with the tree, service summary and outputs`, async () => {
            const { code, text } = await plan([stack]);
            assert.equal(code, EXIT.ok, text);
            assert.match(text, new RegExp(`Plan of stack ecs-deploy/${stack}`));
            assert.match(text, /safe-ecs:index:EcsService {2}web/);
            assert.match(text, /rollback: (circuit breaker|CodeDeploy auto-rollback)/);
            assert.match(text, /"topicArn": "arn:aws:sns:/);
        });
    }

    it("--json lists every resource that the tree shows", async () => {
        const { code, text } = await plan(["prod", "--json"]);
        assert.equal(code, EXIT.ok);
        const doc = JSON.parse(text) as Plan;
        const inTree: string[] = [];
        const walk = (nodes: Plan["tree"]) => nodes.forEach((n) => (inTree.push(n.urn), walk(n.children)));
        walk(doc.tree);
        assert.deepEqual(inTree.sort(), doc.resources.map((r) => r.urn).sort());
        assert.equal(doc.resourceCount, doc.resources.length);
        assert.deepEqual(doc.services.map((s) => s.mode).sort(), ["bluegreen", "codedeploy", "rolling"]);
    });

    it("exits 2 on invalid config, names the key, and registers nothing", async () => {
        const { code, text } = await plan(["try", "--stack-file", stackFile({ "ecs-deploy:services": [service("web", { cpu: 3 })] }), "--json"]);
        assert.equal(code, EXIT.invalidConfig);
        const doc = JSON.parse(text) as Plan;
        assert.ok(doc.configErrors!.some((p) => p.startsWith("ecs-deploy:services[0].cpu: expected")));
        assert.equal(doc.resourceCount, 0);
    });

    it("exits 2 on an unknown stack, listing the known ones", async () => {
        const { code, text } = await plan(["nope"]);
        assert.equal(code, EXIT.invalidConfig);
        assert.match(text, /stacks here: dev, prod/);
    });

    it("shows secret config values as [secret]", async () => {
        const file = stackFile({ "ecs-deploy:services": [service("web", { environment: { TOKEN: { secure: "v1:abcdef" } } })] });
        const { code, text } = await plan(["try", "--stack-file", file, "--json"]);
        assert.equal(code, EXIT.ok, text);
        assert.equal(JSON.parse(text).config["ecs-deploy:services"], "[secret]");
        assert.ok(!text.includes("v1:abcdef"));
    });

    it("writes the architecture as Mermaid or Graphviz", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-"));
        for (const [file, head] of [["a.mmd", "flowchart TB"], ["a.dot", 'digraph "ecs-deploy-dev"']]) {
            const { code } = await plan(["dev", "--diagram", path.join(dir, file)]);
            assert.equal(code, EXIT.ok);
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            assert.ok(text.startsWith(head), text.slice(0, 40));
            assert.match(text, /web-blue/);
        }
    });
});

describe("npm run plan -- <stack> --against <earlier plan.json>", () => {
    const saved = new Map<string, string>();
    /** The plan of the committed stack file, saved as a team would before changing the config. */
    async function savedPlan(stack: string): Promise<string> {
        if (!saved.has(stack)) {
            const { code, text } = await plan([stack, "--json"]);
            assert.equal(code, EXIT.ok);
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "against-")), `${stack}.json`);
            fs.writeFileSync(file, text);
            saved.set(stack, file);
        }
        return saved.get(stack)!;
    }
    /** The committed stack file with some lines changed. */
    function edited(stack: string, edit: (yaml: string) => string): string {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "edited-")), `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, edit(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")));
        return file;
    }

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the same config changes nothing`, async () => {
            const { code, text } = await plan([stack, "--against", await savedPlan(stack)]);
            assert.equal(code, EXIT.ok, text);
            assert.match(text, /Changes against .*\n {2}no changes\n {2}0 to create, 0 to update, 0 to replace, 0 to delete/);
        });
    }

    it("prod, NAT off and a new image: lists each step with its paths and marks what waits for the next CodeDeploy release", async () => {
        const file = edited("prod", (y) => y.replace("natGateways: one-per-az", "natGateways: none").replace("web:1.4.2", "web:1.5.0"));
        const { code, text } = await plan(["prod", "--stack-file", file, "--against", await savedPlan("prod")]);
        assert.equal(code, EXIT.ok, text);
        assert.match(text, /replace aws:ecs\/taskDefinition:TaskDefinition {2}web {2}containerDefinitions/);
        assert.match(text, /update {2}aws:ecs\/service:Service {2}api {2}networkConfiguration\.assignPublicIp/);
        assert.match(text, /delete {2}aws:ec2\/eip:Eip {2}network-nat-3/);
        assert.match(text, /next release: aws:ecs\/service:Service {2}web {2}taskDefinition, networkConfiguration\.assignPublicIp.*npm run deploy/);
        assert.doesNotMatch(text, /update {2}aws:ecs\/service:Service {2}web/);
        const json = JSON.parse((await plan(["prod", "--stack-file", file, "--against", await savedPlan("prod"), "--json"])).text) as Plan;
        assert.ok(json.changes!.steps.some((s) => s.name === "web" && s.deferred.includes("networkConfiguration.assignPublicIp")));
    });

    it("exits 1 on a transition AWS refuses: a codedeploy service switched to bluegreen keeps its ECS service name through a replacement", async () => {
        const file = edited("prod", (y) => y.replace(/mode: codedeploy\n\s+config: \S+\n\s+terminationWaitMinutes: 30/, "mode: bluegreen"));
        const { code, text } = await plan(["prod", "--stack-file", file, "--against", await savedPlan("prod")]);
        assert.equal(code, EXIT.refusedTransition, text);
        assert.match(text, /Refused by AWS or the provider[\s\S]*aws:ecs\/service:Service {2}web: replacement keeps the name "prod-web"/);
    });

    it("compares the program it was given (io.program), not index.ts", async () => {
        const program = require.resolve("../../index");
        // The stack's program and one more resource: what a changed program sends.
        const changed = () => {
            delete require.cache[program];
            const outputs = require(program);
            new aws.sns.Topic("extra-topic");
            return outputs;
        };
        let text = "";
        const code = await planCommand(["dev", "--against", await savedPlan("dev")], { out: (t) => (text += t), program: changed });
        assert.equal(code, EXIT.ok, text);
        assert.match(text, /create {2}aws:sns\/topic:Topic {2}extra-topic/);
    });

    it("exits 2 when the earlier plan cannot be read or has no state", async () => {
        assert.equal((await plan(["dev", "--against", "/nonexistent.json"])).code, EXIT.invalidConfig);
        const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "empty-")), "p.json");
        fs.writeFileSync(empty, JSON.stringify({ stack: "dev" }));
        const { code, text } = await plan(["dev", "--against", empty]);
        assert.equal(code, EXIT.invalidConfig);
        assert.match(text, /has no resource state/);
    });
});

describe("npm run plan: how long a bad version lives", () => {
    it("shows the detection and recovery times of every service of dev and prod, ours next to AWS's defaults, in text and JSON", async () => {
        for (const stack of ["dev", "prod"]) {
            const { code, text } = await plan([stack]);
            assert.equal(code, EXIT.ok, text);
            const doc = JSON.parse((await plan([stack, "--json"])).text) as Plan;
            for (const s of doc.services) {
                assert.ok(s.timing, `${stack} ${s.name} has no timing`);
                assert.ok(s.timing.ours.worstDetection! > 0);
                assert.ok(s.timing.awsDefaults.goodRelease > 0);
            }
            assert.equal((text.match(/time to detect a bad version/g) ?? []).length, doc.services.length);
        }
        // dev's web: rolling, 1 task, interval 15, grace 60, deregistration 30 (test/policies/timing.test.ts has the arithmetic).
        const dev = JSON.parse((await plan(["dev", "--json"])).text) as Plan;
        const web = dev.services.find((s) => s.name === "dev-web")!;
        assert.deepEqual([web.timing!.ours.neverStarts, web.timing!.ours.failsHealthChecks, web.timing!.ours.tripsAlarm], [180, 330, 320]);
        assert.equal(web.timing!.awsDefaults.failsHealthChecks, 1185);
    });
});
