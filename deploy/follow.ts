/**
 * Follows one CodeDeploy deployment to its end, showing its progress.
 *
 * It never changes the deployment: on timeout or Ctrl-C it stops *watching* and says how to
 * keep watching or how to stop it. Stopping production rollouts is a decision for a human.
 */
import {
    CodeDeployClient,
    GetDeploymentCommand,
    GetDeploymentTargetCommand,
    ListDeploymentTargetsCommand,
} from "@aws-sdk/client-codedeploy";
import { runPollHook, type Clock, type Reporter } from "./console";
import { continueCommand, describeProgress, isTerminal, stopCommand, type DeploymentSnapshot, type TerminalStatus } from "./progress";

export type FollowOutcome = TerminalStatus | "TimedOut" | "Interrupted";

export interface FollowResult {
    outcome: FollowOutcome;
    /** The last poll; undefined only when interrupted before the first one. */
    snapshot?: DeploymentSnapshot;
}

export interface FollowOptions {
    region: string;
    pollMs: number;
    timeoutMs: number;
    signal?: AbortSignal;
    /**
     * Called after each poll, before the status is judged; the follow waits for it. Used by the
     * rollback drill (deploy/drill) to force an alarm once the new task set runs. An error it
     * throws ends the follow with that error.
     */
    onPoll?: (snapshot: DeploymentSnapshot) => Promise<void> | void;
}

export interface FollowDeps {
    codeDeploy: CodeDeployClient;
    reporter: Reporter;
    clock: Clock;
}

export async function followDeployment(deploymentId: string, options: FollowOptions, deps: FollowDeps): Promise<FollowResult> {
    const { clock, reporter } = deps;
    const started = clock.now();
    const deadline = started + options.timeoutMs;
    const poller = new DeploymentPoller(deps.codeDeploy, deploymentId, options.signal);
    const hints = new OneTimeHints(reporter, options.region, deploymentId);
    let snapshot: DeploymentSnapshot | undefined;
    for (;;) {
        if (options.signal?.aborted) return end(reporter, "Interrupted", snapshot);
        try {
            snapshot = await poller.poll();
        } catch (e) {
            // An aborted request rejects: that is the Ctrl-C, not an AWS failure.
            if (options.signal?.aborted) return end(reporter, "Interrupted", snapshot);
            reporter.progressDone();
            throw e;
        }
        reporter.progress(describeProgress(snapshot), clock.now() - started);
        hints.announce(snapshot);
        await runPollHook(reporter, options.onPoll, snapshot);
        const status = snapshot.deployment.status;
        if (isTerminal(status)) return end(reporter, status, snapshot);
        const remaining = deadline - clock.now();
        if (remaining <= 0) return end(reporter, "TimedOut", snapshot);
        await clock.sleep(Math.min(options.pollMs, remaining), options.signal);
    }
}

function end(reporter: Reporter, outcome: FollowOutcome, snapshot: DeploymentSnapshot | undefined): FollowResult {
    reporter.progressDone();
    return { outcome, snapshot };
}

/** Reads the deployment and, for the traffic display, its ECS target. */
class DeploymentPoller {
    private targetId: string | undefined;
    constructor(
        private readonly codeDeploy: CodeDeployClient,
        private readonly deploymentId: string,
        private readonly signal: AbortSignal | undefined,
    ) {}

    async poll(): Promise<DeploymentSnapshot> {
        const { deploymentInfo } = await this.codeDeploy.send(new GetDeploymentCommand({ deploymentId: this.deploymentId }), {
            abortSignal: this.signal,
        });
        if (!deploymentInfo) throw new Error(`GetDeployment returned nothing for ${this.deploymentId}.`);
        return { deployment: deploymentInfo, target: await this.ecsTarget() };
    }

    /**
     * Best effort: the target only adds the traffic display. A failure to read it (not created
     * yet, throttling) must not end the follow; the deployment status decides the outcome.
     */
    private async ecsTarget(): Promise<DeploymentSnapshot["target"]> {
        try {
            this.targetId ??= await this.firstTargetId();
            if (!this.targetId) return undefined;
            const { deploymentTarget } = await this.codeDeploy.send(
                new GetDeploymentTargetCommand({ deploymentId: this.deploymentId, targetId: this.targetId }),
                { abortSignal: this.signal },
            );
            return deploymentTarget?.ecsTarget;
        } catch (e) {
            if (this.signal?.aborted) throw e;
            return undefined;
        }
    }

    /** An ECS deployment has a single target (cluster:service). */
    private async firstTargetId(): Promise<string | undefined> {
        const { targetIds } = await this.codeDeploy.send(new ListDeploymentTargetsCommand({ deploymentId: this.deploymentId }), {
            abortSignal: this.signal,
        });
        return targetIds?.[0];
    }
}

/** States where the deployment waits on a person (or a long timer): say so once, with the command. */
class OneTimeHints {
    private readonly said = new Set<string>();
    constructor(
        private readonly reporter: Reporter,
        private readonly region: string,
        private readonly deploymentId: string,
    ) {}

    announce(snapshot: DeploymentSnapshot): void {
        const { deployment } = snapshot;
        if (deployment.status === "Ready") {
            this.once(
                "ready",
                "The new task set is ready and waits for traffic to be rerouted (the deployment group waits for a manual go). " +
                    `To reroute production traffic: ${continueCommand(this.region, this.deploymentId, "READY_WAIT")}`,
            );
        }
        if (deployment.instanceTerminationWaitTimeStarted && !isTerminal(deployment.status)) {
            this.once(
                "termination",
                "Production traffic is on the new version; the original task set is kept until the termination wait ends. " +
                    `Until then a rollback is still possible: ${stopCommand(this.region, this.deploymentId)}. ` +
                    `To end the wait now: ${continueCommand(this.region, this.deploymentId, "TERMINATION_WAIT")}`,
            );
        }
    }

    private once(key: string, message: string): void {
        if (this.said.has(key)) return;
        this.said.add(key);
        this.reporter.info(message);
    }
}
