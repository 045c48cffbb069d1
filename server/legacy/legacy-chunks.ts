import type { StoredEvent } from "@/server/runs/run-events";

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * Turns a run's events into the original's text chunks: model tokens as they arrive (with a short header
 * whenever the speaking agent changes, since parallel steps interleave), then one line per step, edit,
 * command, debug round and verdict, and a closing "✅ Done." or "❌ Failed: ..." line. Stateful per stream.
 */
export class LegacyChunker {
  private speaker: string | undefined;
  private readonly descriptions = new Map<string, string>();

  chunksFor(event: StoredEvent): string[] {
    const p = event.payload;
    const stepId = str(p.stepId);
    const tag = stepId ? `[${stepId}] ` : "";
    const line = (text: string) => {
      // A status line always starts on a fresh line, even right after a run of tokens.
      const fresh = this.speaker !== undefined ? "\n" : "";
      this.speaker = undefined;
      return [`${fresh}${text}\n`];
    };
    switch (event.type) {
      case "llm.tokens": {
        const text = str(p.text);
        if (!text) return [];
        const speaker = `${stepId ?? ""}|${str(p.role) ?? ""}`;
        const chunks: string[] = [];
        if (speaker !== this.speaker) chunks.push(`${this.speaker !== undefined ? "\n" : ""}💬 ${tag}${str(p.role) ?? "agent"}: `);
        this.speaker = speaker;
        chunks.push(text);
        return chunks;
      }
      case "plan.started":
        return p.given ? [] : line("🧭 Planning...");
      case "plan.created": {
        const steps = Array.isArray(p.steps) ? (p.steps as Array<Record<string, unknown>>) : [];
        for (const step of steps) if (str(step.id)) this.descriptions.set(str(step.id)!, str(step.description) ?? "");
        const lines = steps.map((s) => `  ${str(s.id)} ${str(s.agent)}${str(s.file) ? ` ${str(s.file)}` : ""}${str(s.tool_name) ? ` ${str(s.tool_name)}` : ""}: ${str(s.description)}`);
        return line(`📋 Plan (${steps.length} step${steps.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
      }
      case "step.started":
        return line(`▶ ${tag}${str(p.agent) ?? "step"}: ${str(p.description) ?? ""}${str(p.file) ? ` (${str(p.file)})` : ""}`);
      case "edit.applied":
        return line(`✏️ ${tag}${str(p.by) ?? "agent"} ${str(p.kind) === "patch" ? "patched" : "wrote"} ${str(p.path) ?? "a file"}`);
      case "edit.rejected":
        return line(`⚠️ ${tag}edit to ${str(p.path) ?? "a file"} rejected: ${str(p.error) ?? ""}`);
      case "sandbox.command": {
        const exit = typeof p.exitCode === "number" ? `exit ${p.exitCode}` : "no exit code";
        return line(`$ ${str(p.command) ?? "pytest"}  -> ${exit}, ${p.passed === true ? "passed" : `failed${str(p.reason) ? `: ${str(p.reason)}` : ""}`}`);
      }
      case "test.result":
        return p.status === "passed" ? [] : line(`  ${str(p.status)} ${str(p.classname) ?? ""}::${str(p.name) ?? ""}`);
      case "debug.started":
        return line(`🐞 ${tag}debugging, attempt ${String(p.attempt)} of ${String(p.of)}: ${str(p.reason) ?? ""}`);
      case "tool.executed":
        return line(`🔧 ${tag}${str(p.name) ?? "tool"} -> ${typeof p.exitCode === "number" ? `exit ${p.exitCode}` : p.ok ? "ok" : "failed"}${str(p.output) ? `\n${str(p.output)}` : ""}`);
      case "step.finished":
        return line(`${p.status === "passed" || p.status === "applied" ? "✔" : "✖"} ${tag}${str(p.status) ?? ""}${str(p.reason) ? `: ${str(p.reason)}` : ""}`);
      case "verification.started":
        return line("🧪 Running every test...");
      case "verdict":
        return line(`🧑‍⚖️ Critic: ${str(p.verdict) ?? "?"}${Array.isArray(p.reasons) && p.reasons.length ? ` (${p.reasons.join("; ")})` : ""}`);
      case "budget.exceeded":
        return line(`⛔ ${str(p.message) ?? "budget exceeded"}`);
      case "run.finished": {
        const verification = p.verification as { summary?: string } | undefined;
        if (p.status === "succeeded") return line(`✅ Done. ${verification?.summary ?? ""}`.trim());
        if (p.status === "cancelled") return line(`⏹ Cancelled: ${str(p.reason) ?? "stopped"}`);
        return line(`❌ Failed: ${str(p.reason) ?? "no reason recorded"}`);
      }
      default:
        return [];
    }
  }
}

/**
 * One SSE event per chunk, always a single `data:` line: backslash becomes `\\`, newline `\n`, carriage
 * return `\r` (decode in one left-to-right pass). The original's browser helper split events on lines.
 */
export function sseEvent(chunk: string): string {
  return `data: ${encodeSseChunk(chunk)}\n\n`;
}

export function encodeSseChunk(chunk: string): string {
  return chunk.replace(/[\\\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : "\\r"));
}

export function decodeSseChunk(data: string): string {
  return data.replace(/\\([\\nr])/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : "\\"));
}
