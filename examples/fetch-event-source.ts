/**
 * A small EventSource over fetch that can send headers (an Authorization bearer token), for tRPC's
 * httpSubscriptionLink in Node. Node 20 has no global EventSource (only behind --experimental-eventsource,
 * and that one cannot set headers) and no polyfill is installed in this project, so this covers what tRPC
 * uses: named events, `message`, `error`, `open`, ids with Last-Event-ID on reconnect, `retry`, close().
 */
export interface FetchEventSourceInit {
  headers?: Record<string, string>;
  withCredentials?: boolean;
}

export class FetchEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;

  readyState = 0;
  readonly withCredentials = false;
  private lastEventId = "";
  private retryMs = 1000;
  private readonly abort = new AbortController();

  constructor(
    readonly url: string,
    private readonly init: FetchEventSourceInit = {},
  ) {
    super();
    void this.connect();
  }

  close(): void {
    this.readyState = this.CLOSED;
    this.abort.abort();
  }

  private async connect(): Promise<void> {
    while (this.readyState !== this.CLOSED) {
      try {
        const response = await fetch(this.url, {
          headers: { accept: "text/event-stream", ...this.init.headers, ...(this.lastEventId ? { "last-event-id": this.lastEventId } : {}) },
          signal: this.abort.signal,
        });
        if (!response.ok || !response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
          // As the standard says: a wrong status or type fails the connection for good, no retry.
          this.readyState = this.CLOSED;
          this.dispatchEvent(new Event("error"));
          return;
        }
        this.readyState = this.OPEN;
        this.dispatchEvent(new Event("open"));
        await this.read(response.body);
      } catch {
        // A dropped connection: reconnect below, unless closed meanwhile.
      }
      if (this.readyState === this.CLOSED) return;
      this.readyState = this.CONNECTING;
      this.dispatchEvent(new Event("error"));
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    let type = "";
    let data: string[] = [];
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length) this.dispatchEvent(new MessageEvent(type || "message", { data: data.join("\n"), lastEventId: this.lastEventId }));
          type = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") type = value;
        else if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
        else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
      }
      if (this.readyState === this.CLOSED) return;
    }
  }
}
