/** The rollback drill (`npm run drill`): see run.ts. */
export * from "./cleanup";
export * from "./cli";
export * from "./notifications";
export * from "./production";
export * from "./report";
export * from "./revision";
export * from "./run";
export * from "./target";
export * from "./timing";
