import { assertNever, type StoredEvent } from "@/server/runs/events/contract";
import { readRunEvent } from "@/server/runs/events/read-run-event";
import { displayStatus } from "@/server/runs/events/run-status";
import { reviewText } from "./legacy-results";

/**
 * Turns a run's events into the original's text chunks: model tokens as they arrive (with a short header
 * whenever the speaking agent changes, since parallel steps interleave), then one line per step, edit,
 * command, debug round and verdict, and a closing "✅ Done." or "❌ Failed: ..." line. Stateful per stream.
 */
export class LegacyChunker {
  private speaker: string | undefined;

  chunksFor(stored: StoredEvent): string[] {
    const event = readRunEvent(stored);
    const stepId = "stepId" in event.payload ? event.payload.stepId : null;
    const tag = stepId ? `[${stepId}] ` : "";
    const line = (text: string) => {
      // A status line always starts on a fresh line, even right after a run of tokens.
      const fresh = this.speaker !== undefined ? "\n" : "";
      this.speaker = undefined;
      return [`${fresh}${text}\n`];
    };
    switch (event.type) {
      case "llm.tokens": {
        const { text, role } = event.payload;
        if (!text) return [];
        const speaker = `${stepId ?? ""}|${role}`;
        const chunks: string[] = [];
        if (speaker !== this.speaker) chunks.push(`${this.speaker !== undefined ? "\n" : ""}💬 ${tag}${role}: `);
        this.speaker = speaker;
        chunks.push(text);
        return chunks;
      }
      case "llm.discarded": {
        // Text already sent cannot be taken back on an append-only stream: say plainly that it is void, and the
        // retried answer starts under a fresh header.
        const { role, discardedChars, reason } = event.payload;
        return line(`↺ ${tag}${role}: the last ${discardedChars} characters above are void (${reason || "the stream broke"}); the answer is retried`);
      }
      case "plan.started":
        return event.payload.given ? [] : line("🧭 Planning...");
      case "plan.created": {
        const { steps } = event.payload;
        const lines = steps.map((s) => `  ${s.id} ${s.agent}${s.file ? ` ${s.file}` : ""}${s.tool_name ? ` ${s.tool_name}` : ""}: ${s.description}`);
        return line(`📋 Plan (${steps.length} step${steps.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
      }
      case "step.started": {
        const p = event.payload;
        return line(`▶ ${tag}${p.agent || "step"}: ${p.description}${p.file ? ` (${p.file})` : ""}`);
      }
      case "edit.applied":
        return line(`✏️ ${tag}${event.payload.by || "agent"} ${event.payload.kind === "patch" ? "patched" : "wrote"} ${event.payload.path}${event.payload.independent ? " (designed from the task and the planned interface, without seeing the code)" : ""}`);
      case "edit.rejected":
        return line(`⚠️ ${tag}edit to ${event.payload.path} rejected: ${event.payload.error}`);
      case "sandbox.command": {
        const p = event.payload;
        const exit = p.exitCode !== null ? `exit ${p.exitCode}` : "no exit code";
        return line(`$ ${p.command || "pytest"}  -> ${exit}, ${p.passed ? "passed" : `failed${p.reason ? `: ${p.reason}` : ""}`}`);
      }
      case "test.result":
        return event.payload.status === "passed" ? [] : line(`  ${event.payload.status} ${event.payload.classname}::${event.payload.name}`);
      case "debug.started":
        return line(`🐞 ${tag}debugging, attempt ${event.payload.attempt} of ${event.payload.of}: ${event.payload.reason ?? ""}`);
      case "tool.executed": {
        const p = event.payload;
        return line(`🔧 ${tag}${p.name || "tool"} -> ${p.exitCode !== null ? `exit ${p.exitCode}` : p.ok ? "ok" : "failed"}${p.output ? `\n${p.output}` : ""}`);
      }
      case "step.finished": {
        const p = event.payload;
        return line(`${p.status === "passed" || p.status === "applied" ? "✔" : "✖"} ${tag}${p.status}${p.reason ? `: ${p.reason}` : ""}`);
      }
      case "verification.started":
        return line("🧪 Running every test...");
      case "verdict":
        return line(`🧑‍⚖️ Critic: ${event.payload.verdict}${event.payload.reasons.length ? ` (${event.payload.reasons.join("; ")})` : ""}`);
      case "budget.exceeded":
        return line(`⛔ ${event.payload.message || "budget exceeded"}`);
      case "run.finished": {
        const p = event.payload;
        if (displayStatus(p.status, p.verification?.outcome) === "NEEDS_REVIEW") return line(`⚠️ ${reviewText(p.verification ?? null)}`);
        if (p.status === "succeeded") return line(`✅ Done. ${p.verification?.summary ?? ""}`.trim());
        if (p.status === "cancelled") return line(`⏹ Cancelled: ${p.reason ?? "stopped"}`);
        return line(`❌ Failed: ${p.reason ?? "no reason recorded"}`);
      }
      case "run.pushed":
        return line(`⬆️ Pushed ${event.payload.branch} (${event.payload.commit.slice(0, 10)})`);
      case "run.pull_request":
        return line(`🔗 ${event.payload.provider === "gitlab" ? "Merge" : "Pull"} request #${event.payload.number} ${event.payload.state}: ${event.payload.url}`);
      case "plan.awaiting_approval":
        return line(`✋ The plan waits for review (approve or reject it on the run page; it expires ${event.payload.expiresAt})`);
      case "plan.approved":
        return line(`👍 Plan ${event.payload.edited ? "edited and approved" : "approved"}; continuing`);
      case "plan.rejected":
        return line(`👎 Plan rejected${event.payload.reason ? `: ${event.payload.reason}` : ""}`);
      case "run.merged":
        return line(`🔀 Merged into ${event.payload.into} (${event.payload.kind})${event.payload.forced ? `, confirmed although not verified: ${event.payload.notVerified ?? ""}` : ""}`);
      case "run.queued":
      case "run.claimed":
      case "run.branched":
      case "run.started":
      case "run.cancel_requested":
      case "memory.recalled":
      case "memory.unavailable":
      case "memory.remembered":
      case "step.running":
      case "step.committed":
      case "step.commit_failed":
      case "llm.call":
      case "agent.repair":
      case "sandbox.seeded":
      case "environment.waiting":
      case "environment.building":
      case "environment.ready":
      case "environment.changing":
      case "environment.changed":
      case "environment.change_failed":
      case "verification.baseline":
      case "verification.progress":
      case "sandbox.output":
      case "acceptance.frozen":
      case "verification.reverify_started":
      case "verification.reverified":
      case "unreadable":
        return [];
      default:
        return assertNever(event);
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

/** Wire formats of /api/agent/stream: the original's `↵` (default), lossless JSON strings, or backslash escapes. */
export type SseFormat = "arrow" | "json" | "escaped";
export const NEWLINE_ARROW = "\u21b5";

export function sseFormatOf(url: string): SseFormat | null {
  const format = new URL(url).searchParams.get("format");
  if (format === null || format === "" || format === "original") return "arrow";
  return format === "json" || format === "escaped" ? format : null;
}

/**
 * One SSE event per chunk in the chosen format. `arrow` is the original's: every line break (\n, \r\n or a
 * lone \r, which SSE would also split on) becomes `↵`, as its clients decode; a `↵` in the text itself then
 * reads as a line break, hence the lossless `json` variant, where each data line is a JSON string.
 */
export function sseEventAs(chunk: string, format: SseFormat): string {
  if (format === "json") return `data: ${JSON.stringify(chunk)}\n\n`;
  if (format === "escaped") return sseEvent(chunk);
  return `data: ${chunk.replace(/\r\n|\r|\n/g, NEWLINE_ARROW)}\n\n`;
}
