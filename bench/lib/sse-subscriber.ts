import http from "node:http";
import superjson from "superjson";

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
  /** Epoch milliseconds (sub-millisecond precision) when the message's last byte was read. */
  receivedAt: number;
}

export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * One raw Server-Sent Events reader of a tRPC subscription over plain node:http (its own socket), so the
 * bench sees exactly what a browser's EventSource would: every message, duplicates included.
 */
export function subscribeSse(options: {
  url: string;
  headers: Record<string, string>;
  onMessage: (message: SseMessage) => void;
}): { ended: Promise<void>; close(): void } {
  let request: http.ClientRequest | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    request = http.get(options.url, { headers: { accept: "text/event-stream", ...options.headers }, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`SSE ${options.url} answered HTTP ${response.statusCode}`));
        return;
      }
      response.setEncoding("utf8");
      let buffer = "";
      response.on("data", (chunk: string) => {
        const receivedAt = epochNow();
        buffer += chunk;
        let boundary: number;
        while ((boundary = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          if (block.trim() === "") continue;
          const message: SseMessage = { event: "message", data: "", receivedAt };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            const colon = line.indexOf(":");
            if (colon <= 0) continue; // comments and blank lines
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") message.event = value;
            else if (field === "data") data.push(value);
            else if (field === "id") message.id = value;
          }
          message.data = data.join("\n");
          try {
            options.onMessage(message);
          } catch (error) {
            reject(error);
            response.destroy();
            return;
          }
        }
      });
      response.on("end", () => resolve());
      response.on("error", reject);
    });
    request.on("error", reject);
  });
  return { ended, close: () => request?.destroy() };
}

/** The URL of a tRPC subscription's GET request, input serialized the way the app's superjson transformer reads it. */
export function subscriptionUrl(base: string, path: string, input: unknown): string {
  return `${base}/${path}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
}
