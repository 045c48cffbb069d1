import { describe, expect, it } from "vitest";
import { holdAfterRunWork, settleAfterRunWork, trackAfterRun } from "./after-run-work";

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("after-run work", () => {
  it("starts at once when no runner holds the run", async () => {
    const started: string[] = [];
    trackAfterRun("free-run", async () => void started.push("free"));
    await tick();
    expect(started).toEqual(["free"]);
  });

  it("waits while the run is held, starts on release, and settles only after it ran", async () => {
    const started: string[] = [];
    const release = holdAfterRunWork("held-run");
    trackAfterRun("held-run", async () => void started.push("container"));
    trackAfterRun("held-run", async () => void started.push("worktree"));
    trackAfterRun("other-run", async () => void started.push("other"));
    await tick();
    expect(started).toEqual(["other"]);

    let settled = false;
    const settling = settleAfterRunWork().then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    release();
    release(); // idempotent
    await settling;
    expect(started).toEqual(["other", "container", "worktree"]);
  });

  it("a failing piece of work is swallowed and does not stop the others", async () => {
    const started: string[] = [];
    const release = holdAfterRunWork("failing-run");
    trackAfterRun("failing-run", async () => {
      throw new Error("docker went away");
    });
    trackAfterRun("failing-run", async () => void started.push("after"));
    release();
    await settleAfterRunWork();
    expect(started).toEqual(["after"]);
  });

  it("a new hold of the same run is not released by the old release", async () => {
    const started: string[] = [];
    const old = holdAfterRunWork("again-run");
    old();
    const fresh = holdAfterRunWork("again-run");
    trackAfterRun("again-run", async () => void started.push("work"));
    old();
    await tick();
    expect(started).toEqual([]);
    fresh();
    await settleAfterRunWork();
    expect(started).toEqual(["work"]);
  });

  it("two holds at once: work tracked under the first waits for both releases, in either order, and is never orphaned", async () => {
    const started: string[] = [];
    const first = holdAfterRunWork("overlap-run");
    trackAfterRun("overlap-run", async () => void started.push("first's work"));
    const second = holdAfterRunWork("overlap-run");
    trackAfterRun("overlap-run", async () => void started.push("second's work"));
    second();
    second(); // idempotent: it cannot count for the first holder
    await tick();
    expect(started).toEqual([]);
    first();
    await settleAfterRunWork();
    expect(started).toEqual(["first's work", "second's work"]);
  });
});
