import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPinnedFetch } from "@/server/network/pin-address";

let server: http.Server;
let port: number;
const seen: { path: string; host: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ path: req.url ?? "", host: req.headers.host, body });
      if (req.url === "/gzip") {
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        return res.end(zlib.gzipSync("compressed answer"));
      }
      if (req.url === "/redirect") return res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" }).end();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: one\n\n");
      setTimeout(() => res.end("data: two\n\n"), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("createPinnedFetch", () => {
  it("connects to the address the resolver checked, keeps the name in Host, sends the body and streams the answer", async () => {
    const asked: string[] = [];
    const pinned = createPinnedFetch(async (host) => (asked.push(host), "127.0.0.1"));
    const response = await pinned(`http://only.pinned.test:${port}/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"q":1}' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("data: one\n\ndata: two\n\n");
    expect(seen.at(-1)).toEqual({ path: "/stream", host: `only.pinned.test:${port}`, body: '{"q":1}' });
    expect(asked).toEqual(["only.pinned.test"]);
  });

  it("decodes a compressed answer and answers a redirect as it is, never following it", async () => {
    const pinned = createPinnedFetch(async () => "127.0.0.1");
    const gzip = await pinned(`http://only.pinned.test:${port}/gzip`);
    expect(gzip.headers.get("content-encoding")).toBeNull();
    expect(await gzip.text()).toBe("compressed answer");
    const before = seen.length;
    const redirect = await pinned(`http://only.pinned.test:${port}/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toContain("169.254.169.254");
    expect(seen.length).toBe(before + 1);
  });

  it("refuses what the resolver refuses, address literals included, before anything is sent", async () => {
    const before = seen.length;
    const refusing = createPinnedFetch(async (host) => {
      throw new Error(`refused ${host}`);
    });
    await expect(refusing(`http://only.pinned.test:${port}/stream`)).rejects.toThrow("refused only.pinned.test");
    await expect(refusing(`http://127.0.0.1:${port}/stream`)).rejects.toThrow("refused 127.0.0.1");
    expect(seen.length).toBe(before);
  });
});
