import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import zlib from "node:zlib";

const MAX_ANSWER_BYTES = 1024 * 1024;
const DEFAULT_PORTS: Record<string, number> = { "https:": 443, "http:": 80 };

type LookupCallback = Parameters<LookupFunction>[2];

function answerLookup(options: object, callback: LookupCallback, address: string): void {
  const family = isIP(address) === 6 ? 6 : 4;
  // Node asks for every address when it may try several families (autoSelectFamily); either way: this one.
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, list: { address: string; family: number }[]) => void)(null, [{ address, family }]);
  else callback(null, address, family);
}

/** A lookup that answers only `address`: the connection goes where the check looked, whatever DNS says now. */
function pinnedLookup(address: string): LookupFunction {
  return (_host, options, callback) => answerLookup(options, callback, address);
}

export type PinnedInit = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal; address?: string };

/**
 * fetch for user-given hosts, connected to the address that was checked (`address`, from checkOutboundHost), so a
 * second DNS answer cannot swap in a private one (DNS rebinding). TLS still verifies the name; redirects are
 * never followed (answered as they are); the answer is cut at 1 MB.
 */
export function pinnedFetch(url: string, init: PinnedInit = {}): Promise<Response> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    // agent: false, a connection of its own: a pooled keep-alive socket is keyed by name and port, not by the address checked.
    const pinning = init.address ? { lookup: pinnedLookup(init.address) } : {};
    const request = client.request(target, { method: init.method ?? "GET", headers: init.headers, signal: init.signal, agent: false, ...pinning }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("the connection closed before the answer ended")));
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 599) return reject(new Error(`unexpected HTTP status ${status}`));
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) for (const one of [value ?? []].flat()) headers.append(name, one);
        resolve(new Response([204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    request.on("error", reject);
    request.end(init.body);
  });
}

/** Finds and checks the one address a connection to `host` may use (e.g. checkOutboundHost's first answer); throws to refuse. */
export type CheckedResolver = (host: string) => Promise<string>;

/**
 * A streaming fetch for SDK clients (the openai client's `fetch`) to a user-given endpoint: every new connection
 * asks `resolve`, which checks the address, and connects to exactly that address (the check and the connection see
 * one DNS answer, so a rebinding name cannot swap in a private address between them). Connections are kept alive in
 * agents of their own, whose every socket went through the check. TLS and Host still use the name; redirects are
 * answered as they are, never followed.
 */
export function createPinnedFetch(resolve: CheckedResolver): typeof fetch {
  const lookup: LookupFunction = (host, options, callback) => {
    resolve(host).then(
      (address) => answerLookup(options, callback, address),
      (error: Error) => callback(error, "", 0),
    );
  };
  const agents = { "http:": new http.Agent({ keepAlive: true, lookup }), "https:": new https.Agent({ keepAlive: true, lookup }) };
  return async (input, init = {}) => {
    if (input instanceof Request) throw new TypeError("pinned fetch takes a URL and an init, not a Request");
    const target = new URL(String(input));
    const agent = agents[target.protocol as keyof typeof agents];
    if (!agent) throw new TypeError(`pinned fetch cannot fetch ${target.protocol} URLs`);
    // An address literal skips the lookup (nothing to rebind), but it is checked all the same.
    if (isIP(target.hostname.replace(/^\[|\]$/g, ""))) await resolve(target.hostname.replace(/^\[|\]$/g, ""));
    const body = init.body;
    if (body != null && typeof body !== "string" && !(body instanceof Uint8Array)) throw new TypeError("pinned fetch sends a string or bytes body only");
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    init.signal?.throwIfAborted();
    return new Promise<Response>((resolveResponse, reject) => {
      const client = target.protocol === "https:" ? https : http;
      const request = client.request(target, { method: init.method ?? "GET", headers, agent, signal: init.signal ?? undefined }, (response) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 599) {
          response.destroy();
          return reject(new Error(`unexpected HTTP status ${status}`));
        }
        const answer = new Headers();
        for (const [name, value] of Object.entries(response.headers)) for (const one of [value ?? []].flat()) answer.append(name, one);
        const decoder = decoderFor(response.headers["content-encoding"]);
        const stream = decoder ? response.pipe(decoder) : response;
        if (decoder) response.on("error", (error) => decoder.destroy(error));
        if (decoder) answer.delete("content-encoding");
        const noBody = [204, 205, 304].includes(status) || init.method === "HEAD";
        if (noBody) response.resume();
        resolveResponse(new Response(noBody ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>), { status, statusText: response.statusMessage, headers: answer }));
      });
      request.on("error", reject);
      request.end(body ?? undefined);
    });
  };
}

/** fetch decompresses what the server compressed; so does this one. */
function decoderFor(encoding: string | undefined) {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** git's (curl's) `http.curloptResolve` entry pinning the URL's host and port to the checked address; null when not needed. */
export function curlResolvePin(url: string, address: string | undefined): string | null {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (!address || isIP(host) || !(parsed.protocol in DEFAULT_PORTS)) return null;
  return `${host}:${parsed.port || DEFAULT_PORTS[parsed.protocol]}:${isIP(address) === 6 ? `[${address}]` : address}`;
}
