import { describe, expect, it } from "vitest";
import { chunkSource } from "./chunk-source";

const python = `import os
import sys


def first(a):
    """Add one."""
    x = a + 1
    y = x * 2
    z = y - 3
    w = z + 4
    return w


class Greeter:
    """Says hello."""

    @staticmethod
    def hello(name):
        greeting = "hello " + name
        greeting = greeting.strip()
        greeting = greeting.title()
        print(greeting)
        return greeting

    def bye(self):
        return "bye"
`;

describe("chunkSource", () => {
  it("cuts Python along functions and classes, with decorators attached and exact line numbers", () => {
    const chunks = chunkSource("pkg/mod.py", python);
    const lines = python.split("\n");
    for (const chunk of chunks) {
      expect(chunk.text).toBe(lines.slice(chunk.startLine - 1, chunk.endLine).join("\n"));
    }
    const first = chunks.find((chunk) => chunk.text.includes("def first"));
    expect(first?.startLine).toBeLessThanOrEqual(5);
    expect(first?.text).not.toContain("class Greeter");
    const hello = chunks.find((chunk) => chunk.text.includes("def hello"));
    expect(hello?.text).toContain("@staticmethod");
    // Chunks cover the file without gaps or overlaps.
    expect(chunks[0]?.startLine).toBe(1);
    chunks.slice(1).forEach((chunk, i) => expect(chunk.startLine).toBe((chunks[i]?.endLine ?? 0) + 1));
    expect(chunks.at(-1)?.endLine).toBe(lines.length - 1);
  });

  it("splits TypeScript at exported functions and classes", () => {
    const body = (name: string) => [`export function ${name}(x: number): number {`, ...Array(10).fill("  x += 1;"), "  return x;", "}", ""];
    const source = ["import a from 'a';", "", ...body("alpha"), ...body("beta"), "export class Gamma {", "  run() {}", "}"].join("\n");
    const chunks = chunkSource("src/x.ts", source);
    expect(chunks.some((c) => c.text.startsWith("export function beta"))).toBe(true);
    expect(chunks.find((c) => c.text.includes("function alpha"))?.text).not.toContain("function beta");
  });

  it("cuts Go, Rust and Java definitions", () => {
    const filler = Array(9).fill("    x++").join("\n");
    const go = `package main\n\nfunc A() {\n${filler}\n}\n\nfunc B() {\n${filler}\n}\n`;
    expect(chunkSource("a.go", go).find((c) => c.text.includes("func B"))?.text).not.toContain("func A");
    const rust = `use std::io;\n\npub fn a() {\n${filler}\n}\n\nimpl Foo {\n    pub async fn b(&self) {\n${filler}\n    }\n}\n`;
    expect(chunkSource("a.rs", rust).find((c) => c.text.includes("fn b"))?.text).not.toContain("fn a()");
    const java = `package x;\n\npublic class A {\n    public int one(int v) {\n${filler}\n        return v;\n    }\n\n    private static String two() {\n${filler}\n        return "";\n    }\n}\n`;
    const two = chunkSource("A.java", java).find((c) => c.text.includes("two()"));
    expect(two?.text).not.toContain("one(int v)");
  });

  it("cuts oversized spans and keeps every line", () => {
    const source = Array.from({ length: 500 }, (_, i) => `x${i} = ${i}`).join("\n");
    const chunks = chunkSource("big.py", source, { maxLines: 80 });
    expect(chunks.length).toBeGreaterThanOrEqual(7);
    expect(chunks.every((c) => c.endLine - c.startLine + 1 <= 80)).toBe(true);
    expect(chunks.map((c) => c.text).join("\n")).toBe(source);
  });
});
