import { strict as assert } from "assert";
import * as fs from "fs";
import { register } from "module";
import * as path from "path";
import { parse } from "yaml";
import { listStacks } from "../../offline/stackFiles";
import { PROJECT_DIR } from "../../offline/engine";

const WORKFLOWS = path.join(PROJECT_DIR, ".github", "workflows");

let loaded: Promise<typeof import("@actions/workflow-parser")> | undefined;

/**
 * The parser is an ES module that imports its schema as JSON without an import attribute, which
 * Node's loader refuses; a one-line loader hook adds the attribute for JSON files.
 */
const JSON_ATTRIBUTE_HOOK = `data:text/javascript,${encodeURIComponent(
    "export async function load(url, context, next) { return next(url, url.endsWith('.json') ? { ...context, importAttributes: { type: 'json' } } : context); }",
)}`;

function loadParser(): Promise<typeof import("@actions/workflow-parser")> {
    loaded ??= (async () => {
        register(JSON_ATTRIBUTE_HOOK);
        return import("@actions/workflow-parser");
    })();
    return loaded;
}

/** Problems GitHub's own workflow parser (schema, expressions, types) finds in a workflow file. */
async function workflowProblems(name: string, content: string): Promise<string[]> {
    const parser = await loadParser();
    const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
    const problems = parsed.context.errors.getErrors().map((e) => e.message);
    if (parsed.value) {
        const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
        problems.push(...(template.errors ?? []).map((e) => e.Message));
    }
    return problems;
}

const files = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const load = (f: string) => parse(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"));

describe("CI workflows (.github/workflows)", () => {
    it("are valid for GitHub's workflow parser", async () => {
        assert.ok(files().length >= 3);
        for (const f of files()) assert.deepEqual(await workflowProblems(f, fs.readFileSync(path.join(WORKFLOWS, f), "utf8")), [], f);
    });

    it("the parser catches what GitHub would refuse (so the check above means something)", async () => {
        const broken = [
            "on: push\njobs:\n  a:\n    steps:\n      - run: echo\n", // no runs-on
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permisions: {}\n    steps:\n      - run: echo\n", // unknown key
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha ) }}\n", // bad expression
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: admin\n    steps:\n      - run: echo\n", // bad permission level
        ];
        for (const content of broken) assert.notDeepEqual(await workflowProblems("broken.yml", content), [], content);
    });

    it("preview every stack with its policy config on pull requests, and update every stack on main", () => {
        const stacks = listStacks(PROJECT_DIR);
        assert.deepEqual(stacks, ["dev", "prod"]);
        const matrix = load("pull-request.yml").jobs.preview.strategy.matrix.include as { stack: string; policyConfig: string }[];
        assert.deepEqual(matrix.map((m) => m.stack).sort(), stacks, "a Pulumi.<stack>.yaml without a preview entry (or the reverse)");
        for (const m of matrix) {
            assert.equal(m.policyConfig, `policies/config/${m.stack}.json`);
            assert.ok(fs.existsSync(path.join(PROJECT_DIR, m.policyConfig)), `${m.policyConfig} is missing`);
        }
        const preview = load("pull-request.yml").jobs.preview.steps.find((s: any) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(preview.with.command, "preview");
        assert.equal(preview.with.policyPacks, "policies");
        assert.equal(preview.with.policyPackConfigs, "${{ matrix.policyConfig }}");
        assert.equal(preview.with["comment-on-pr"], true);

        const deploy = load("deploy.yml").jobs;
        const updated = Object.values(deploy)
            .filter((j: any) => j.uses === "./.github/workflows/stack.yml")
            .map((j: any) => j.with.stack)
            .sort();
        assert.deepEqual(updated, stacks, "a stack without an update job on main (or the reverse)");
        assert.equal(deploy.prod.needs, "dev", "prod is promoted after dev");
        assert.equal(deploy.prod.with.environment, "prod", "prod runs behind the prod environment's reviewers");
    });

    it("update, release and verify each stack one run at a time, with the stack's policy config", () => {
        const job = load("stack.yml").jobs.release;
        assert.equal(job.concurrency.group, "pulumi-stack-${{ inputs.stack }}");
        assert.equal(job.concurrency["cancel-in-progress"], false);
        const up = job.steps.find((s: any) => s.with?.command === "up");
        assert.equal(up.with.policyPackConfigs, "policies/config/${{ inputs.stack }}.json");
        const runs = job.steps.map((s: any) => s.run ?? "").join("\n");
        assert.match(runs, /npm run deploy -- "\$STACK" "\$svc" "\$image" --outputs-file after\.json --wait-for-active/);
        assert.match(runs, /npm run verify -- "\$STACK" --outputs-file after\.json/);
        const names = job.steps.map((s: any) => s.name ?? s.uses ?? s.run);
        assert.ok(names.indexOf("Verify every service (fails when a release rolled back)") > names.indexOf("Release CodeDeploy services whose declared task definition changed"));
    });

    it("grant least privilege: nothing at the top, OIDC and PR comments only to the jobs that need them", () => {
        for (const f of files()) {
            const wf = load(f);
            assert.deepEqual(wf.permissions, {}, `${f}: top-level permissions`);
            for (const [id, job] of Object.entries<any>(wf.jobs)) {
                assert.ok(job.permissions, `${f} ${id}: no permissions block`);
                const text = JSON.stringify(job);
                const assumesRole = /configure-aws-credentials|stack\.yml/.test(text);
                assert.equal(job.permissions["id-token"] === "write", assumesRole, `${f} ${id}: id-token write only with AWS role assumption`);
                assert.equal(job.permissions["pull-requests"] === "write", /comment-on-pr/.test(text), `${f} ${id}: pull-requests write only to comment`);
                assert.ok(!/aws-access-key-id|AWS_SECRET_ACCESS_KEY/i.test(text), `${f} ${id}: no stored AWS keys`);
            }
        }
    });
});
