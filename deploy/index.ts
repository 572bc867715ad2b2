/** The deploy library: AppSpec building, stack outputs contract, and the CodeDeploy deploy flow. */
export * from "./active";
export * from "./appspec";
export * from "./cli";
export * from "./console";
export * from "./errors";
export * from "./follow";
export * from "./outputs";
export * from "./progress";
export * from "./run";
export * from "./taskDefinition";
export * from "./timeout";
export * from "./ecsDeployment";
export * from "./verify";
export * from "./drill";
