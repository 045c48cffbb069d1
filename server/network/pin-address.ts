import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";

const MAX_ANSWER_BYTES = 1024 * 1024;
const DEFAULT_PORTS: Record<string, number> = { "https:": 443, "http:": 80 };

/** A lookup that answers only `address`: the connection goes where the check looked, whatever DNS says now. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address) === 6 ? 6 : 4;
  return (_host, options, callback) => {
    // Node asks for every address when it may try several families (autoSelectFamily); either way: this one.
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, list: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
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

/** git's (curl's) `http.curloptResolve` entry pinning the URL's host and port to the checked address; null when not needed. */
export function curlResolvePin(url: string, address: string | undefined): string | null {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (!address || isIP(host) || !(parsed.protocol in DEFAULT_PORTS)) return null;
  return `${host}:${parsed.port || DEFAULT_PORTS[parsed.protocol]}:${isIP(address) === 6 ? `[${address}]` : address}`;
}
