/**
 * The policy pack's contents, without side effects: `index.ts` serves them with `new PolicyPack`,
 * the in-process runner (offline/policyRunner.ts) and the tests import them directly.
 */
import type { PolicyPackArgs } from "@pulumi/policy";
import { deploymentFailuresNotify } from "./rules/notifications";
import { codedeployRequiresAlarms, codedeployTerminationWait } from "./rules/codedeploy";
import { circuitBreakerRequiresEcsController, ecsServiceRequiresRollback } from "./rules/rollback";
import { snsEventbridgeTopicKms, snsTopicPolicyNotPublic } from "./rules/sns";
import { targetGroupDedicatedHealthPath, targetGroupHealthCheckPath } from "./rules/targetGroups";
import { ecsServiceWithoutLoadBalancerHealthCheck, ecsTaskDefinitionNoPlaintextSecrets } from "./rules/taskDefinitions";
import { rollbackDetectionBudget } from "./rules/budget";
import { ecsBlueGreenBakeTime, ecsHealthCheckGracePeriod, ecsRollingAlarmRollback, testListenerNotPublic } from "./rules/advisory";

export const PACK_NAME = "ecs-deployment-safety";

/** Mandatory by default. */
export const mandatoryPolicies = [
    ecsServiceRequiresRollback,
    codedeployRequiresAlarms,
    targetGroupHealthCheckPath,
    circuitBreakerRequiresEcsController,
    deploymentFailuresNotify,
    snsTopicPolicyNotPublic,
    snsEventbridgeTopicKms,
    ecsServiceWithoutLoadBalancerHealthCheck,
];

/** Advisory by default. */
export const advisoryPolicies = [
    ecsHealthCheckGracePeriod,
    ecsRollingAlarmRollback,
    ecsBlueGreenBakeTime,
    targetGroupDedicatedHealthPath,
    codedeployTerminationWait,
    testListenerNotPublic,
    ecsTaskDefinitionNoPlaintextSecrets,
    rollbackDetectionBudget,
];

export const policies: PolicyPackArgs["policies"] = [...mandatoryPolicies, ...advisoryPolicies];

export const packArgs: PolicyPackArgs = {
    description: "Every ECS service needs a way back: rollback on failed deployments (circuit breaker or CodeDeploy " +
        "auto-rollback), alarms, real health checks, and deployment failures delivered to people through EventBridge and SNS.",
    displayName: "ECS deployment safety",
    provider: "aws",
    tags: ["aws", "ecs", "codedeploy", "deployment-safety"],
    enforcementLevel: "advisory",
    policies,
};
