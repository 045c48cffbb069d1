import { isValidElement, type ReactElement } from "react";
import { describe, expect, it } from "vitest";
import { AnsiText } from "@/components/runs/ansi-text";

/** Each part as [text, class] ("" for plain text). */
function parts(text: string): [string, string][] {
  return AnsiText({ text }).map((part) => {
    if (typeof part === "string") return [part, ""];
    if (!isValidElement(part)) throw new Error("unexpected part");
    const element = part as ReactElement<{ className: string; children: string }>;
    return [element.props.children, element.props.className];
  });
}

describe("AnsiText", () => {
  it("turns SGR colours and bold into styles and resets them", () => {
    expect(parts("\x1b[32m3 passed\x1b[0m in 0.1s")).toEqual([["3 passed", "text-emerald-400"], [" in 0.1s", ""]]);
    expect(parts("\x1b[1;31mFAILED\x1b[22m still red\x1b[39m plain")).toEqual([["FAILED", "text-red-400 font-bold"], [" still red", "text-red-400"], [" plain", ""]]);
  });

  it("drops other escape sequences and keeps markup as text", () => {
    expect(parts("\x1b[2K\x1b]0;title\x07<b>x</b>\x1b[?25l")).toEqual([["<b>x</b>", ""]]);
  });
});
