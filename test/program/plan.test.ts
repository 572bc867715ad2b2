import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { EXIT, planCommand, type Plan } from "../../offline/plan";
import { service } from "./helpers";

async function plan(argv: string[]): Promise<{ code: number; text: string }> {
    let text = "";
    const code = await planCommand(argv, { out: (t) => (text += t) });
    return { code, text };
}

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
        assert.deepEqual(doc.services.map((s) => s.mode).sort(), ["bluegreen", "codedeploy"]);
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
