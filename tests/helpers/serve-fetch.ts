import http from "node:http";
import type { AddressInfo } from "node:net";
import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";

/**
 * Serves a fetch-style handler (Request -> Response) over node:http the way Next.js serves a route handler:
 * one socket write per body chunk, waiting for drain when the socket is full.
 */
export async function serveFetch(handler: (req: Request) => Promise<Response> | Response): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const request = incomingMessageToRequest(req, res, { maxBodySize: null });
      const response = await handler(request);
      res.statusCode = response.status;
      response.headers.forEach((value, name) => res.setHeader(name, value));
      res.flushHeaders();
      if (response.body) {
        const reader = response.body.getReader();
        res.once("close", () => void reader.cancel().catch(() => undefined));
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          if (!res.write(chunk.value)) await new Promise((resolve) => (res.once("drain", resolve), res.once("close", resolve)));
          if (res.destroyed) break;
        }
      }
      res.end();
    })().catch((error: unknown) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
      console.error("[bench] request failed:", error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
