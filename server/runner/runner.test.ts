import { describe, expect, it, vi } from "vitest";
import { HeldRuns } from "./runner";

describe("HeldRuns: a slot frees when the run's end is recorded, the run stays held until its clean-up ends", () => {
  it("counts a recorded run out of the busy slots at once, and waits for its clean-up on release", async () => {
    const held = new HeldRuns();
    let endCleanup!: () => void;
    const cleanup = new Promise<void>((resolve) => (endCleanup = resolve));
    const ended: string[] = [];
    held.hold("run-a", () => cleanup, () => ended.push("run-a"));
    held.hold("run-b", () => new Promise<void>(() => undefined).then(() => undefined), () => ended.push("run-b"));
    expect(held.busy).toBe(2);

    expect(held.recordedFinished("run-a")).toBe(true);
    expect(held.recordedFinished("run-a")).toBe(false); // heard twice (own bus and NOTIFY): counted once
    expect(held.recordedFinished("not-held")).toBe(false);
    expect(held.busy).toBe(1);
    expect(held.size).toBe(2);
    expect(held.has("run-a")).toBe(true); // cancellations and a stopping worker still see it

    endCleanup();
    await vi.waitFor(() => expect(ended).toEqual(["run-a"]), { timeout: 30_000 });
    expect(held.size).toBe(1);
    expect(held.busy).toBe(1);
  });
});
