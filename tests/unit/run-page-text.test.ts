import { describe, expect, it } from "vitest";
import { runTitle } from "@/components/runs/run-status-announcer";
import { formatCost } from "@/components/runs/run-status-badge";
import { parseBlocks } from "@/components/ui/markdown";
import { DISPLAY_STATUSES, presentStatus, STATUS_PRESENTATION } from "@/server/runs/events/run-status";

describe("the run page's words", () => {
  it("has one label, tone and icon per state, and reads unknown states as failed", () => {
    expect(Object.keys(STATUS_PRESENTATION)).toEqual([...DISPLAY_STATUSES]);
    expect(new Set(Object.values(STATUS_PRESENTATION).map((p) => p.label)).size).toBe(DISPLAY_STATUSES.length);
    expect(presentStatus("cancelled")).toMatchObject({ label: "Cancelled", active: false });
    expect(presentStatus("running")).toMatchObject({ label: "Running", active: true });
    expect(presentStatus("exploded").label).toBe("Failed");
  });

  it("shows a cost without a known price as unknown, never $0", () => {
    expect(formatCost(0)).toBe("$0");
    expect(formatCost(0, 2)).toBe("unknown");
    expect(formatCost(0.25, 1)).toBe("$0.25 + unknown");
  });

  it("titles a run by its prompt's first line of text, not a code fence", () => {
    expect(runTitle("## Fix the parser\n```python\nx = 1\n```")).toBe("Fix the parser");
    expect(runTitle("```python\nx = 1\n```\nthen tidy up")).toBe("then tidy up");
    expect(runTitle("```\nonly code\n```")).toBe("Untitled run");
    expect(runTitle("a".repeat(100), 10)).toBe("aaaaaaaaa…");
  });

  it("splits a prompt into code blocks, headings, lists and paragraphs", () => {
    const blocks = parseBlocks("# Task\nWrite **add**.\n\n- one\n- two\n\n```python\ndef add(a, b):\n    return a + b\n```\nDone.");
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "para", "list", "code", "para"]);
    expect(blocks[3]).toEqual({ kind: "code", lang: "python", text: "def add(a, b):\n    return a + b" });
  });
});
