/**
 * Service auto scaling during a CodeDeploy release. CodeDeploy does not pause it: "auto scaling is
 * not blocked during a deployment but the deployment may fail under some circumstances" (a scaling
 * event mid-deployment fails it after five minutes; ECS developer guide, CodeDeploy blue/green),
 * and AWS's remedy is to suspend scaling with RegisterScalableTarget for the deployment. The
 * command suspends it before creating the deployment and resumes it when the deployment has ended.
 * `pulumi up` resumes it too (the stack declares it unsuspended), and refuses to run while a
 * release is in progress, so the two never fight.
 */
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";

export interface ScalableService {
    clusterName: string;
    serviceName: string;
}

export const resourceId = (s: ScalableService) => `service/${s.clusterName}/${s.serviceName}`;

function setSuspended(client: ApplicationAutoScalingClient, service: ScalableService, suspended: boolean) {
    return client.send(
        new RegisterScalableTargetCommand({
            ServiceNamespace: "ecs",
            ScalableDimension: "ecs:service:DesiredCount",
            ResourceId: resourceId(service),
            SuspendedState: { DynamicScalingInSuspended: suspended, DynamicScalingOutSuspended: suspended, ScheduledScalingSuspended: suspended },
        }),
    );
}

export const suspendScaling = (client: ApplicationAutoScalingClient, service: ScalableService) => setSuspended(client, service, true);
export const resumeScaling = (client: ApplicationAutoScalingClient, service: ScalableService) => setSuspended(client, service, false);

/** The CLI line that resumes scaling by hand, for when the command stops before the deployment ends. */
export function resumeCommand(region: string, service: ScalableService): string {
    return (
        `aws application-autoscaling register-scalable-target --region ${region} --service-namespace ecs ` +
        `--scalable-dimension ecs:service:DesiredCount --resource-id ${resourceId(service)} ` +
        "--suspended-state DynamicScalingInSuspended=false,DynamicScalingOutSuspended=false,ScheduledScalingSuspended=false"
    );
}
