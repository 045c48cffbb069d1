export * from "./contract";
export * from "./read-run-event";
export * from "./run-status";
