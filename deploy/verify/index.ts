/** `npm run verify`: did the last release of each service stick, or was it rolled back? */
export * from "./cli";
export * from "./codeDeploy";
export * from "./outcome";
export * from "./run";
export * from "./targets";
