import { describe, expect, it } from "vitest";
import { laneTitle, zoomWindow } from "@/components/runs/run-timeline";

describe("the run timeline's zoom window", () => {
  it("shows the whole run at 1× and a centred slice when zoomed", () => {
    expect(zoomWindow(60_000, 1, 12_345)).toEqual({ from: 0, to: 60_000 });
    expect(zoomWindow(60_000, 4, 30_000)).toEqual({ from: 22_500, to: 37_500 });
  });

  it("stays inside the run at its edges", () => {
    expect(zoomWindow(60_000, 4, 1_000)).toEqual({ from: 0, to: 15_000 });
    expect(zoomWindow(60_000, 4, 59_000)).toEqual({ from: 45_000, to: 60_000 });
  });

  it("titles a step's lane with its label and what the step does", () => {
    const lane = { id: "step:s1", kind: "step" as const, label: "s1 · coder · calc.py", description: "Write add", start: 0, end: null, lastBar: null, debugRounds: [] };
    expect(laneTitle(lane)).toBe("s1 · coder · calc.py: Write add");
    expect(laneTitle({ ...lane, id: "planner", kind: "planner", label: "Planner", description: null })).toBe("Planner");
  });
});
