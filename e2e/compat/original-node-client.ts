import { WebSocket } from "ws";

/**
 * A Node client like the original's OpenCode plugin, written afresh from the original README: it is
 * configured by a base URL and a timeout only (no header, no token), posts the original bodies to the
 * original paths and decodes the stream's `↵` as a newline.
 */
export function originalClient(baseUrl: string, timeoutMs = 240_000) {
  const base = baseUrl.replace(/\/+$/, "");
  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }
  return {
    async health() {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    run: (task: string, contextFiles: string[] = []) => post("/api/agent/run", { task, context_files: contextFiles }),
    runParallel: (steps: unknown[], contextFiles: string[] = []) => post("/api/agent/run_parallel", { steps, context_files: contextFiles }),
    plan: (description: string) => post("/api/agent/run_parallel", { steps: [{ agent: "planner", description }], context_files: [] }),
    critic: (contextFiles: string[]) => post("/api/agent/run_parallel", { steps: [{ agent: "critic", description: "Review" }], context_files: contextFiles }),
    /** The stream as text, `↵` decoded, split into the data lines it came in. */
    async stream(task: string, contextFiles: string[] = []): Promise<string[]> {
      const response = await fetch(`${base}/api/agent/stream`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ task, context_files: contextFiles }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      const raw = await response.text();
      return raw.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6).replace(/\u21b5/g, "\n"));
    },
    /** Several tasks on one socket: each task's messages, in order, until its `__DONE__`. */
    socket(tasks: string[]): Promise<string[][]> {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/ws`);
        const perTask: string[][] = [[]];
        const timer = setTimeout(() => reject(new Error("socket timed out")), timeoutMs);
        ws.on("open", () => tasks.forEach((task) => ws.send(JSON.stringify({ task, context_files: [] }))));
        ws.on("message", (data) => {
          const text = data.toString();
          perTask.at(-1)!.push(text);
          if (text !== "__DONE__") return;
          if (perTask.length === tasks.length) {
            clearTimeout(timer);
            ws.close();
            resolve(perTask);
          } else perTask.push([]);
        });
        ws.on("error", reject);
      });
    },
  };
}
