/**
 * The fake model server on a fixed port, for e2e runs and manual tries:
 *   npx tsx tests/fake-llm/serve.ts --port 3290
 * Point the app at http://127.0.0.1:3290/v1 (LLM_MODE=litellm, LITELLM_URL). Scripting goes through
 *   POST /control/script  {"role": "coder", "responses": [{"text": "...", "chunkDelayMs": 200}]}
 * and GET /health answers once it is ready. The fake itself picks a random port; this forwards to it.
 */
import http from "node:http";
import { startFakeLlm, type FakeResponse } from "./fake-llm-server";

function portArg(): number {
  const index = process.argv.indexOf("--port");
  const value = Number(index >= 0 ? process.argv[index + 1] : (process.env.FAKE_LLM_PORT ?? 3290));
  if (!Number.isInteger(value) || value <= 0) throw new Error("Give a port: --port 3290");
  return value;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

async function main(): Promise<void> {
  const port = portArg();
  const llm = await startFakeLlm();
  const target = new URL(llm.url);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", requests: llm.requests.length }));
      return;
    }
    if (req.method === "POST" && path === "/control/script") {
      readJson(req).then(
        (body) => {
          const { role, responses } = body as { role?: string; responses?: FakeResponse[] };
          if (!role || !Array.isArray(responses)) {
            res.writeHead(400).end("expected {role, responses[]}");
            return;
          }
          llm.script(role, ...responses);
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ role, pending: llm.pending(role) }));
        },
        () => res.writeHead(400).end("invalid JSON"),
      );
      return;
    }
    // Everything else goes to the fake as is, streamed both ways.
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  console.log(`[fake-llm] serving http://127.0.0.1:${port}/v1`);

  const stop = () => {
    server.close();
    void llm.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error("[fake-llm] failed to start:", error);
  process.exit(1);
});
