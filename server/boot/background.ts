import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

export interface BackgroundServices {
  /** Returns true when the upgrade request was ours (the original /api/ws endpoint). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  stop(): Promise<void>;
}

/** Long-lived work beside the web server: the in-process worker, the sandbox reaper, the index watchers. */
export async function startBackgroundServices(): Promise<BackgroundServices> {
  const stops: Array<() => Promise<void>> = [];
  return {
    handleUpgrade: () => false,
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
