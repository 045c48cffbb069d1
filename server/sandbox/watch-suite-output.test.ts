import { describe, it } from "vitest";
import { watchSuiteOutput } from "./watch-suite-output";

describe("watchSuiteOutput: stop()", () => {
  it("ends the watch without waiting out the poll interval", async () => {
    // An hour between polls: a stop() that slept until the next tick would hang this test until its time limit
    // (each watched suite used to end up to a second late, the step's whole sandbox share in the coder-tester bench).
    const watcher = watchSuiteOutput({ container: () => undefined, files: ["/tmp/out", "/tmp/err"], pollMs: 3_600_000, onTests: () => undefined });
    await watcher.stop();
    await watcher.stop(); // twice is harmless
  });
});
