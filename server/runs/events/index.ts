export * from "./contract";
export * from "./read-run-event";
