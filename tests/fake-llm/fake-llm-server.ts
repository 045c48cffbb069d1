/**
 * A fake OpenAI-compatible model server for tests, e2e runs and benches: a real node:http server on
 * 127.0.0.1 (random port) that the real `openai` client reaches over HTTP. Never a mode of the product.
 *
 *   const llm = await startFakeLlm();
 *   llm.script("planner", planJson);                          // next planner answer
 *   llm.script("coder", { status: 429, retryAfter: 1 }, code); // a 429, then the code
 *   llm.script("tester", { text: tests, cutAfterChunks: 2 });  // drop the connection mid-stream
 *   // point the client at llm.url (already ends in /v1); after the run: llm.requests, llm.close()
 *
 * Answers are chosen by the `x-agent-role` header: each role has a queue; when it is empty a default
 * answer for the role is used (a one-step plan for calc.py, an `add` function, a test of it, PASS), so a
 * whole task runs with nothing scripted. Pass { defaults: false } to get a 500 for unscripted requests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  path: string;
  role: string | undefined;
  runId: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: ChatBody & Record<string, unknown>;
  receivedAt: number;
  /** When the answer was finished (or the request given up); undefined while it is being answered. */
  answeredAt?: number;
}

interface ChatBody {
  model?: string;
  messages?: { role: string; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  input?: string | string[];
  dimensions?: number;
}

export interface TextResponse {
  text: string;
  /** Wait before answering (before the first byte). */
  latencyMs?: number;
  /** Wait between stream chunks. */
  chunkDelayMs?: number;
  /** Characters per stream chunk (default 8). */
  chunkSize?: number;
  /** Send this many content chunks, then destroy the socket (a dropped connection). */
  cutAfterChunks?: number;
  /** End the HTTP response cleanly but without a finish_reason or [DONE]. */
  endWithoutFinish?: boolean;
  finishReason?: string;
  /** Leave out the usage block (as some local servers do). */
  omitUsage?: boolean;
}

export interface ErrorResponse {
  status: number;
  /** Retry-After header value (seconds). */
  retryAfter?: number | string;
  message?: string;
  latencyMs?: number;
}

/** Accept the request and never answer (until the client gives up or the server closes). */
export interface HangResponse {
  hang: true;
}

export type FakeAnswer = string | TextResponse | ErrorResponse | HangResponse;
export type FakeResponse = FakeAnswer | ((request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>);

export interface FakeLlm {
  /** Base URL including /v1, for `new OpenAI({ baseURL })` or settings.baseUrl. */
  url: string;
  /** Queue answers for a role (planner, coder, tester, debugger, critic); consumed in order. */
  script(role: string, ...responses: FakeResponse[]): void;
  /** Answers still queued for a role. */
  pending(role: string): number;
  /** Every request received, in order of arrival. */
  requests: RecordedRequest[];
  /** Requests currently being answered (handy for asserting parallelism). */
  inFlight(): number;
  maxInFlight(): number;
  close(): Promise<void>;
}

export interface FakeLlmOptions {
  /** Answer unscripted requests with the per-role defaults (default true). */
  defaults?: boolean;
  /** Latency applied to every answer that does not set its own. */
  latencyMs?: number;
  /** Wait between stream chunks for every answer that does not set its own (a model that streams over time). */
  chunkDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokens = (chars: number) => Math.max(1, Math.ceil(chars / 4));

/** The Python file the request is about: the first `File: x.py` line, else any *.py name, else calc.py. */
function targetFile(request: RecordedRequest): string {
  const text = (request.body.messages ?? []).map((m) => m.content).join("\n");
  const explicit = /^File:\s*`?([\w./-]+\.py)`?\s*$/m.exec(text);
  const any = /\b([\w/-]+\.py)\b/.exec(text);
  return explicit?.[1] ?? any?.[1] ?? "calc.py";
}

function moduleOf(file: string): string {
  const base = file.slice(file.lastIndexOf("/") + 1).replace(/\.py$/, "");
  return base.startsWith("test_") ? base.slice(5) : base;
}

export const DEFAULT_CODE = "def add(a, b):\n    return a + b\n";

export function defaultTestFor(module: string): string {
  return [
    "import pytest",
    `from ${module} import add`,
    "",
    "",
    "def test_add():",
    "    assert add(2, 3) == 5",
    "",
    "",
    "def test_add_rejects_none():",
    "    with pytest.raises(TypeError):",
    "        add(None, 1)",
    "",
  ].join("\n");
}

export function defaultAnswer(request: RecordedRequest): FakeAnswer {
  switch (request.role) {
    case "planner":
      return JSON.stringify({
        steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py" }],
      });
    case "coder":
    case "debugger":
      return `File: ${targetFile(request).replace(/(^|\/)test_/, "$1")}\n\`\`\`python\n${DEFAULT_CODE}\`\`\`\n`;
    case "tester":
      return `\`\`\`python\n${defaultTestFor(moduleOf(targetFile(request)))}\`\`\`\n`;
    case "critic":
      return JSON.stringify({ verdict: "PASS", reasons: ["The tests ran and passed."] });
    default:
      return "OK";
  }
}

/** A deterministic unit vector from the text, so equal texts embed equally and similar ones overlap. */
function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[Math.abs(hash) % dimensions]! += 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}

export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const queues = new Map<string, FakeResponse[]>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();
  let inFlight = 0;
  let maxInFlight = 0;

  async function answerChat(recorded: RecordedRequest, res: http.ServerResponse, isClosed: () => boolean) {
    const queued = queues.get(recorded.role ?? "")?.shift();
    if (queued === undefined && options.defaults === false) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `fake-llm: nothing scripted for role ${recorded.role}` } }));
      return;
    }
    const resolved = queued ?? defaultAnswer(recorded);
    const answer = typeof resolved === "function" ? await resolved(recorded) : resolved;
    if (typeof answer === "object" && "hang" in answer) return new Promise<void>(() => {});
    const spec: TextResponse | ErrorResponse = typeof answer === "string" ? { text: answer } : answer;
    const latency = spec.latencyMs ?? options.latencyMs ?? 0;
    if (latency > 0) await sleep(latency);
    if (isClosed()) return;

    if ("status" in spec) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (spec.retryAfter !== undefined) headers["retry-after"] = String(spec.retryAfter);
      res.writeHead(spec.status, headers);
      res.end(JSON.stringify({ error: { message: spec.message ?? `fake-llm: scripted ${spec.status}`, type: "fake" } }));
      return;
    }

    const model = recorded.body.model ?? "fake-model";
    const promptChars = (recorded.body.messages ?? []).reduce((sum, m) => sum + (m.content?.length ?? 0), 0);
    const usage = { prompt_tokens: tokens(promptChars), completion_tokens: tokens(spec.text.length) };
    const id = `chatcmpl-fake-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const finishReason = spec.finishReason ?? "stop";

    if (!recorded.body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: spec.text }, finish_reason: finishReason }],
          ...(spec.omitUsage ? {} : { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
        }),
      );
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      new Promise<void>((resolve) =>
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`, () =>
          resolve(),
        ),
      );
    // Flushed chunks reach the client before the socket is destroyed, so the cut is mid-answer.
    const cut = async () => {
      await sleep(10);
      res.socket?.destroy();
    };
    const size = spec.chunkSize ?? 8;
    const pieces: string[] = [];
    for (let i = 0; i < spec.text.length; i += size) pieces.push(spec.text.slice(i, i + size));
    await send([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
    for (const [index, piece] of pieces.entries()) {
      if (spec.cutAfterChunks !== undefined && index >= spec.cutAfterChunks) return cut();
      const chunkDelay = spec.chunkDelayMs ?? options.chunkDelayMs;
      if (chunkDelay) await sleep(chunkDelay);
      if (isClosed()) return;
      await send([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
    if (spec.cutAfterChunks !== undefined) return cut();
    if (spec.endWithoutFinish) {
      res.end();
      return;
    }
    await send([{ index: 0, delta: {}, finish_reason: finishReason }]);
    if (recorded.body.stream_options?.include_usage && !spec.omitUsage) {
      await send([], { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    }
    res.end("data: [DONE]\n\n");
  }

  function answerEmbeddings(recorded: RecordedRequest, res: http.ServerResponse) {
    const input = recorded.body.input;
    const texts = Array.isArray(input) ? input : [input ?? ""];
    const dimensions = recorded.body.dimensions ?? 64;
    const chars = texts.reduce((sum, t) => sum + t.length, 0);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        object: "list",
        model: recorded.body.model ?? "fake-embedding",
        data: texts.map((text, index) => ({ object: "embedding", index, embedding: embed(text, dimensions) })),
        usage: { prompt_tokens: tokens(chars), total_tokens: tokens(chars) },
      }),
    );
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let closed = false;
      res.on("close", () => (closed = true));
      let body: RecordedRequest["body"];
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      } catch {
        res.writeHead(400).end("invalid JSON");
        return;
      }
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const recorded: RecordedRequest = {
        path: req.url ?? "",
        role: header("x-agent-role"),
        runId: header("x-run-id"),
        headers: req.headers,
        body,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const path = (req.url ?? "").split("?")[0] ?? "";
      if (req.method === "POST" && path.endsWith("/chat/completions")) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        answerChat(recorded, res, () => closed)
          .catch((error: unknown) => {
            if (!res.headersSent) res.writeHead(500);
            res.end(String(error));
          })
          .finally(() => {
            inFlight--;
            recorded.answeredAt = Date.now();
          });
      } else if (req.method === "POST" && path.endsWith("/embeddings")) {
        answerEmbeddings(recorded, res);
      } else if (req.method === "GET" && path.endsWith("/v1/models")) {
        // What an OpenAI-compatible server lists; the app's start-up check and "Test connection" ask for it.
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: ["fake-model", "fake-embedding"].map((id) => ({ id, object: "model", created: 0, owned_by: "fake-llm" })) }));
      } else {
        res.writeHead(404).end("not found");
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    script(role, ...responses) {
      const queue = queues.get(role) ?? [];
      queue.push(...responses);
      queues.set(role, queue);
    },
    pending: (role) => queues.get(role)?.length ?? 0,
    requests,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
