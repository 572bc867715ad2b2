import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { architecture, diagramFormat, dotToSvg, toDot, toMermaid, type Diagram, type DiagramNode, type Flow } from "../../offline/diagram";
import type { RunResult } from "../../offline/engine";
import { EXIT, planCommand } from "../../offline/plan";
import type { RegisteredResource } from "../../offline/types";
import { named, runStack, runWithConfig, service } from "./helpers";

const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";
const SERVICE = "aws:ecs/service:Service";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup";
const QUEUE = "aws:sqs/queue:Queue";
const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

/** A stack's run and its picture, with look-ups by the resources the program registered. */
class Picture {
    readonly d: Diagram;
    constructor(readonly run: RunResult) {
        this.d = architecture(run.resources, run.config);
    }
    r(type: string, name: string): RegisteredResource {
        return named(this.run, type, name);
    }
    /** The node standing for a registered resource (several alarms may share one). */
    node(type: string, name: string): DiagramNode {
        const urn = this.r(type, name).urn;
        const node = this.d.nodes.find((n) => n.urns.includes(urn));
        assert.ok(node, `no node for ${type} ${name}`);
        return node;
    }
    nodeById(id: string): DiagramNode {
        return this.d.nodes.find((n) => n.id === id)!;
    }
    edge(from: DiagramNode, to: DiagramNode, flow: Flow) {
        return this.d.edges.find((e) => e.from === from.id && e.to === to.id && e.flow === flow);
    }
    /** Asserts the edge, and that it is a main path (`secondary: false`) or one taken after a swap (`true`). */
    has(from: DiagramNode, to: DiagramNode, flow: Flow, secondary?: boolean): void {
        const e = this.edge(from, to, flow);
        assert.ok(e, `no ${flow} edge ${from.label.join(" ")} → ${to.label.join(" ")}; from it: ${this.d.edges.filter((x) => x.from === from.id).map((x) => `${x.flow}→${x.to}`).join(", ")}`);
        if (secondary !== undefined) assert.equal(Boolean(e.secondary), secondary, `${from.id} → ${to.id} secondary`);
    }
    hasNot(from: DiagramNode, to: DiagramNode, flow: Flow): void {
        assert.equal(this.edge(from, to, flow), undefined, `unexpected ${flow} edge ${from.id} → ${to.id}`);
    }
    group(node: DiagramNode) {
        return this.d.groups.find((g) => g.id === node.group);
    }
    /** The nodes of every alarm the program registered for a service (by its `service` tag). */
    alarmsOf(serviceTag: string): DiagramNode[] {
        const urns = this.run.resources.filter((r) => r.type === ALARM && r.inputs.tags?.service === serviceTag).map((r) => r.urn);
        assert.ok(urns.length > 0, `no alarms tagged ${serviceTag}`);
        return [...new Set(urns.map((u) => this.d.nodes.find((n) => n.urns.includes(u))!))];
    }
}

/** Width and height of an SVG as Graphviz writes them (points), in CSS pixels. */
function svgSize(svg: string): { width: number; height: number } {
    const m = /<svg width="([\d.]+)pt" height="([\d.]+)pt"/.exec(svg);
    assert.ok(m, svg.slice(0, 300));
    return { width: (Number(m[1]) * 4) / 3, height: (Number(m[2]) * 4) / 3 };
}

/** Mermaid flowchart checks: header, balanced subgraphs, every edge between declared nodes or subgraphs, one linkStyle per edge. */
function checkMermaid(text: string): { nodes: Set<string>; edges: [string, string][] } {
    const lines = text.trimEnd().split("\n");
    assert.match(lines[0], /^flowchart (TB|LR)$/);
    const nodes = new Set<string>();
    const subgraphs = new Set<string>();
    const edges: [string, string][] = [];
    let depth = 0;
    let linkStyles = 0;
    const declare = (part: string) => {
        const m = /^([A-Za-z][\w]*)(\(\(|\[\(|\(|\[)/.exec(part.trim());
        if (m) nodes.add(m[1]);
        return m?.[1] ?? part.trim();
    };
    for (const raw of lines.slice(1)) {
        const line = raw.trim();
        if (line.startsWith("subgraph ")) {
            depth++;
            subgraphs.add(/^subgraph (\w+)/.exec(line)![1]);
        } else if (line === "end") {
            depth--;
            assert.ok(depth >= 0, "end without subgraph");
        } else if (line.startsWith("linkStyle ")) {
            assert.equal(Number(line.split(" ")[1]), linkStyles++, line);
        } else if (/^(classDef|style|direction) /.test(line)) {
            continue;
        } else {
            const parts = line.split(/\s+(?:-->|==>|-\.->)(?:\|[^|]*\|)?\s+/);
            if (parts.length === 1) {
                declare(line);
                continue;
            }
            assert.equal(parts.length, 2, line);
            edges.push([declare(parts[0]), declare(parts[1])]);
        }
    }
    assert.equal(depth, 0, "unbalanced subgraph/end");
    for (const [a, b] of edges) for (const end of [a, b]) assert.ok(nodes.has(end) || subgraphs.has(end), `edge end ${end} is not declared`);
    assert.equal(linkStyles, edges.length, "one linkStyle per edge");
    return { nodes, edges };
}

/** The run with every logical name and URN replaced: what the picture shows must not depend on them. */
function anonymised(resources: RegisteredResource[]): { resources: RegisteredResource[]; urn: Map<string, string> } {
    const urn = new Map(resources.map((r, i) => [r.urn, `urn:pulumi:s::p::${r.type}::x${i}`]));
    const u = (x: string) => urn.get(x) ?? x;
    return {
        urn,
        resources: resources.map((r, i) => ({
            ...r,
            urn: u(r.urn),
            name: `x${i}`,
            parent: r.parent && u(r.parent),
            dependencies: r.dependencies.map(u),
            propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map(u)])),
        })),
    };
}

describe("architecture diagram (plan --diagram)", () => {
    let dev: Picture;
    let prod: Picture;
    before(async () => {
        dev = new Picture(await runStack("dev"));
        prod = new Picture(await runStack("prod"));
    });

    describe("requests", () => {
        it("rolling (dev web): clients → listeners → production and test rules → blue → service; green only watched", () => {
            const clients = dev.d.nodes.find((n) => n.kind === "clients")!;
            const blue = dev.node(TG, "web-blue");
            const green = dev.node(TG, "web-green");
            const web = dev.node(SERVICE, "web");
            for (const [listener, rule] of [
                ["alb-http", "web-production"],
                ["alb-test", "web-test"],
            ]) {
                dev.has(clients, dev.node(LISTENER, listener), "traffic");
                dev.has(dev.node(LISTENER, listener), dev.node(RULE, rule), "traffic");
                dev.has(dev.node(RULE, rule), blue, "traffic", false);
                dev.hasNot(dev.node(RULE, rule), green, "traffic");
            }
            dev.has(blue, web, "traffic");
            dev.hasNot(green, web, "traffic");
            assert.deepEqual(dev.node(RULE, "web-production").label, ["web-production", "listener rule /* #100"]);
            assert.deepEqual(blue.label, ["web-blue", "target group"]);
            assert.deepEqual(web.label.slice(0, 2), ["web", "ECS service :8080"]);
        });

        it("blue/green (prod api): production and test rules → both target groups (the alternate after a swap) → service", () => {
            const blue = prod.node(TG, "api-blue");
            const green = prod.node(TG, "api-green");
            for (const [listener, rule] of [
                ["alb-http", "api-production"],
                ["alb-test", "api-test"],
            ]) {
                prod.has(prod.node(LISTENER, listener), prod.node(RULE, rule), "traffic");
                prod.has(prod.node(RULE, rule), blue, "traffic", false);
                prod.has(prod.node(RULE, rule), green, "traffic", true);
            }
            for (const tg of [blue, green]) prod.has(tg, prod.node(SERVICE, "api"), "traffic");
        });

        it("CodeDeploy (prod web): its own ALB's listeners forward by default action to blue, to green after a shift; no rules", () => {
            const blue = prod.node(TG, "web-blue");
            const green = prod.node(TG, "web-green");
            for (const name of ["web-alb-http", "web-alb-test"]) {
                const listener = prod.node(LISTENER, name);
                prod.has(listener, blue, "traffic", false);
                prod.has(listener, green, "traffic", true);
                assert.notEqual(listener.group, prod.node(LISTENER, "alb-http").group, "the CodeDeploy service's listeners are on an ALB of its own");
                assert.equal(prod.group(listener)?.kind, "load balancer");
            }
            assert.ok(!prod.d.edges.some((e) => e.to === blue.id && prod.nodeById(e.from).kind === "listener rule"));
            prod.has(blue, prod.node(SERVICE, "web"), "traffic");
        });

        it("worker (dev and prod jobs): queue → worker, redrive to the dead-letter queue; no load balancer", () => {
            for (const p of [dev, prod]) {
                const queue = p.node(QUEUE, "jobs-queue");
                const jobs = p.node(SERVICE, "jobs");
                p.has(queue, jobs, "traffic", false);
                p.has(queue, p.node(QUEUE, "jobs-queue-dlq"), "traffic", true);
                assert.equal(p.edge(queue, jobs, "traffic")!.label, "consumes");
                assert.ok(!p.d.edges.some((e) => e.to === jobs.id && e.flow === "traffic" && p.nodeById(e.from).kind !== "SQS queue"));
                assert.equal(p.group(jobs)?.label, "jobs · worker");
            }
        });

        it("port 80 redirecting to 443 (HTTPS): the redirect is an edge between the two listeners", async () => {
            const https = new Picture(
                await runWithConfig({
                    certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd",
                    services: [service("web"), service("shop", { deployment: { mode: "codedeploy" } })],
                }),
            );
            for (const [http, tls, rule] of [
                ["alb-http", "alb-https", "web-production"],
                ["shop-alb-http", "shop-alb-https", undefined],
            ] as const) {
                const from = https.node(LISTENER, http);
                https.has(from, https.node(LISTENER, tls), "traffic");
                assert.equal(https.edge(from, https.node(LISTENER, tls), "traffic")!.label, "redirect");
                assert.match(from.label[1], /HTTP :80 → :443/);
                if (rule) https.has(https.node(LISTENER, tls), https.node(RULE, rule), "traffic");
                else https.has(https.node(LISTENER, tls), https.node(TG, "shop-blue"), "traffic", false);
            }
        });
    });

    describe("rollback", () => {
        it("alarms watch the target group in their TargetGroup dimension (the group's arnSuffix)", () => {
            for (const [p, svc] of [
                [dev, "web"],
                [prod, "api"],
                [prod, "web"],
            ] as const) {
                for (const colour of ["blue", "green"]) {
                    const tg = p.r(TG, `${svc}-${colour}`);
                    const alarms = p.run.resources.filter((r) => r.type === ALARM && JSON.stringify(r.inputs).includes(tg.outputs.arnSuffix));
                    assert.equal(alarms.length, 3, `${svc}-${colour}`);
                    for (const a of alarms) p.has(p.node(TG, `${svc}-${colour}`), p.d.nodes.find((n) => n.urns.includes(a.urn))!, "rollback");
                }
            }
        });

        it("ECS services: their deployment alarms → the service that rolls back (circuit breaker in its label)", () => {
            for (const [p, svc] of [
                [dev, "web"],
                [dev, "api"],
                [dev, "jobs"],
                [prod, "api"],
                [prod, "jobs"],
            ] as const) {
                const s = p.node(SERVICE, svc);
                const names: string[] = p.r(SERVICE, svc).inputs.alarms.alarmNames;
                const nodes = new Set(names.map((n) => p.d.nodes.find((x) => x.urns.some((u) => p.run.resources.find((r) => r.urn === u)?.inputs.name === n))!));
                assert.equal([...nodes].reduce((k, n) => k + n.urns.length, 0), names.length, `${svc}: every alarm named by the service is drawn`);
                for (const n of nodes) {
                    p.has(n, s, "rollback");
                    assert.equal(p.group(n)?.id, s.group, "alarms sit in the service's box");
                }
                assert.deepEqual(s.label.slice(-2), ["circuit breaker", "alarm rollback"]);
            }
        });

        it("CodeDeploy (prod web): alarms of both target groups → deployment group → service and the target-group pair", () => {
            const group = prod.node(GROUP, "web-codedeploy");
            const web = prod.node(SERVICE, "web");
            const alarms = prod.alarmsOf("web");
            assert.equal(alarms.reduce((k, n) => k + n.urns.length, 0), 6);
            for (const a of alarms) {
                prod.has(a, group, "rollback");
                prod.hasNot(a, web, "rollback");
            }
            prod.has(group, web, "rollback");
            for (const tg of ["web-blue", "web-green"]) prod.has(group, prod.node(TG, tg), "rollback");
            assert.equal(prod.group(group)?.id, web.group);
        });

        it("worker alarms watch the queue and the dead-letter queue (QueueName) and roll the worker back", () => {
            for (const p of [dev, prod]) {
                const jobs = p.node(SERVICE, "jobs");
                const queue = p.node(QUEUE, "jobs-queue");
                const dlq = p.node(QUEUE, "jobs-queue-dlq");
                p.has(queue, p.node(ALARM, "jobs-alarms-oldest-message-age"), "rollback");
                p.has(queue, p.node(ALARM, "jobs-alarms-visible-messages"), "rollback");
                p.has(dlq, p.node(ALARM, "jobs-alarms-dead-letter"), "rollback");
                for (const a of ["jobs-alarms-oldest-message-age", "jobs-alarms-visible-messages", "jobs-alarms-dead-letter"]) p.has(p.node(ALARM, a), jobs, "rollback");
            }
        });
    });

    describe("alerts", () => {
        it("event rules match services, the deployment group and alarms; rules → topic → email; undeliverable → queue", () => {
            for (const p of [dev, prod]) {
                const topic = p.node(TOPIC, "notifications");
                const dlq = p.node(QUEUE, "notifications-dlq");
                const rules = p.run.resources.filter((r) => r.type === EVENT_RULE);
                for (const r of rules) {
                    p.has(p.node(EVENT_RULE, r.name), topic, "alerts");
                    p.has(p.node(EVENT_RULE, r.name), dlq, "alerts", true);
                }
                const email = p.run.resources.filter((r) => r.type === SUBSCRIPTION);
                assert.equal(email.length, 1);
                p.has(topic, p.node(SUBSCRIPTION, email[0].name), "alerts");
                for (const svc of ["web", "api", "jobs"]) {
                    p.has(p.node(SERVICE, svc), p.node(EVENT_RULE, "notifications-service-action"), "alerts");
                    if (p.r(SERVICE, svc).inputs.deploymentController.type === "ECS") p.has(p.node(SERVICE, svc), p.node(EVENT_RULE, `notifications-${svc}-deployment-failed`), "alerts");
                    for (const a of p.alarmsOf(svc)) p.has(a, p.node(EVENT_RULE, "notifications-alarms"), "alerts");
                }
                for (const n of [topic, dlq, ...rules.map((r) => p.node(EVENT_RULE, r.name))]) assert.equal(p.group(n)?.kind === "service", false, "notifications are outside the service boxes");
            }
            prod.has(prod.node(GROUP, "web-codedeploy"), prod.node(EVENT_RULE, "notifications-codedeploy-failed"), "alerts");
            prod.has(prod.node("aws:kms/key:Key", "notifications"), prod.node(TOPIC, "notifications"), "structure");
        });
    });

    describe("the picture", () => {
        it("groups per ECS service (target groups, alarms, task definition, service); load balancers and notifications outside", () => {
            for (const p of [dev, prod]) {
                for (const svc of ["web", "api"]) {
                    const box = p.node(SERVICE, svc).group;
                    assert.ok(box);
                    assert.equal(p.group(p.node(SERVICE, svc))?.kind, "service");
                    for (const n of [p.node(TG, `${svc}-blue`), p.node(TG, `${svc}-green`), p.node("aws:ecs/taskDefinition:TaskDefinition", svc), ...p.alarmsOf(svc)]) assert.equal(n.group, box, `${n.id} in ${svc}'s box`);
                }
                for (const n of p.d.nodes.filter((n) => n.kind === "listener" || n.kind === "listener rule")) assert.equal(p.group(n)?.kind, "load balancer", n.id);
            }
        });

        it("leaves out IAM, log groups, security groups, EIPs and the provider (counted in a note)", () => {
            for (const p of [dev, prod]) {
                const drawn = new Set(p.d.nodes.flatMap((n) => n.urns));
                for (const r of p.run.resources.filter((r) => /^aws:(iam|cloudwatch\/logGroup|ec2)\/|^pulumi:/.test(r.type))) assert.ok(!drawn.has(r.urn), `${r.type} ${r.name} is drawn`);
                assert.ok(p.d.omitted.IAM > 0 && p.d.omitted["log group"] > 0 && p.d.omitted["security group"] > 0);
                assert.ok(p.d.nodes.every((n) => n.label.length <= 4 && n.label.every((l) => l.length <= 40)), "short labels");
            }
        });

        it("derives everything from what was registered, not from names: the same picture with every name and URN replaced", () => {
            const { resources, urn } = anonymised(prod.run.resources);
            const other = architecture(resources, prod.run.config);
            const signature = (d: Diagram, map: (u: string) => string) => {
                const urnsOf = (id: string) => d.nodes.find((n) => n.id === id)!.urns.map(map).sort().join(",") || d.nodes.find((n) => n.id === id)!.kind;
                return d.edges.map((e) => `${urnsOf(e.from)} ${e.flow}${e.secondary ? "?" : ""} ${urnsOf(e.to)}`).sort();
            };
            assert.deepEqual(signature(other, (u) => u), signature(prod.d, (u) => urn.get(u)!));
            assert.equal(other.groups.length, prod.d.groups.length);
        });

        it(".mmd is a Mermaid flowchart whose edges name declared nodes, with the groups, colours and a legend", () => {
            for (const p of [dev, prod]) {
                const text = toMermaid(p.d);
                const drawn = new Set(checkMermaid(text).edges.map(([a, b]) => `${a} ${b}`));
                for (const e of p.d.edges) {
                    // Edges leaving every EventBridge rule alike are drawn once, from the rules' box.
                    const box = p.group(p.nodeById(e.from));
                    assert.ok(drawn.has(`${e.from} ${e.to}`) || (box?.kind === "rules" && drawn.has(`${box.id} ${e.to}`)), `${e.from} → ${e.to} drawn`);
                }
                assert.match(text, /subgraph svc_web\["web · (rolling|codedeploy)"\]/);
                assert.match(text, /subgraph legend/);
                assert.match(text, /linkStyle \d+ stroke:#c62828/);
            }
        });

        it(".dot renders with Graphviz; the .svg of dev (npm run plan -- dev --diagram x.svg) and prod stay readable", async () => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "diagram-")), "dev.svg");
            let text = "";
            assert.equal(await planCommand(["dev", "--diagram", file], { out: (t) => (text += t) }), EXIT.ok, text);
            const started = Date.now();
            const svgs = { dev: fs.readFileSync(file, "utf8"), prod: await dotToSvg(toDot(prod.d, { fontname: "DejaVu Sans" })) };
            assert.ok(Date.now() - started < 2000, `rendering prod took ${Date.now() - started} ms`);
            for (const [stack, svg] of Object.entries(svgs)) {
                assert.match(svg, /^<\?xml[\s\S]*<svg /);
                const { width, height } = svgSize(svg);
                assert.ok(width <= 2500 && height <= 1600, `${stack}: ${width} × ${height} px`);
                assert.ok(width > 800, `${stack}: ${width} px is not the old single row or an empty picture`);
                assert.match(svg, /web&#45;blue/);
                for (const colour of ["#1565c0", "#c62828", "#7b1fa2"]) assert.ok(svg.includes(`stroke="${colour}"`), `${stack}: ${colour} edges`);
            }
            // The .dot on its own (Helvetica) is valid Graphviz too.
            assert.match(await dotToSvg(toDot(dev.d)), /<svg /);
        });

        it("--diagram picks the format by extension", () => {
            assert.equal(diagramFormat("a.mmd"), "mermaid");
            assert.equal(diagramFormat("x/a.dot"), "dot");
            assert.equal(diagramFormat("a.gv"), "dot");
            assert.equal(diagramFormat("docs/prod.SVG"), "svg");
            assert.equal(diagramFormat("a.txt"), undefined);
        });
    });
});
