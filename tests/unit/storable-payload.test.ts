import { describe, expect, it } from "vitest";
import { escapeUnstorable, hasUnstorableText, storablePayload } from "@/server/runs/storable-payload";

describe("text Postgres cannot store, made storable", () => {
  it("escapes NUL and lone surrogates visibly and lists the fields it changed", () => {
    const payload = { a: "x\u0000y", nested: { list: ["ok", "\uD800", "\uDC00z"] }, ["k\u0000"]: 1, n: 5, none: null };
    expect(storablePayload(payload)).toEqual({
      a: "x\\u0000y",
      nested: { list: ["ok", "\\ud800", "\\udc00z"] },
      "k\\u0000": 1,
      n: 5,
      none: null,
      escaped: ["a", "nested.list.1", "nested.list.2", "k\\u0000"],
    });
  });

  it("leaves valid pairs, emoji and clean payloads alone (the same object)", () => {
    const clean = { text: "café 😀 \uD83D\uDE00", list: [1, "two"] };
    expect(storablePayload(clean)).toBe(clean);
    expect(escapeUnstorable("a😀b")).toBe("a😀b");
  });

  it("produces text JSON and Postgres accept", () => {
    const out = storablePayload({ t: "\u0000\uDBFF\uD800\uDC00" });
    expect(hasUnstorableText(JSON.stringify(out))).toBe(false);
    expect(out.t).toBe("\\u0000\\udbff\uD800\uDC00");
  });
});
