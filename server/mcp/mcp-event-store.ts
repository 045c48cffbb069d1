import type { EventStore } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** The SDK's id for a session's one GET stream (webStandardStreamableHttp.js). */
const STANDALONE_STREAM = "_GET_stream";

interface Stored {
  id: number;
  streamId: string;
  message: JSONRPCMessage;
}

/**
 * One session's sent SSE messages, so a client that reconnects with Last-Event-ID gets every message it
 * missed, in order. Ids are one counter per session ("<n>"), so "after this id" is a plain comparison.
 * Bounded: past MAX_EVENTS the oldest go, and a resume from before them starts at the oldest kept one.
 */
export class SessionEventStore implements EventStore {
  static readonly MAX_EVENTS = 5000;
  private readonly events: Stored[] = [];
  private next = 1;

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = this.next++;
    this.events.push({ id, streamId, message });
    if (this.events.length > SessionEventStore.MAX_EVENTS) this.events.splice(0, this.events.length - SessionEventStore.MAX_EVENTS);
    return String(id);
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const after = Number(lastEventId);
    if (!Number.isInteger(after) || after < 1 || after >= this.next) throw new Error(`Unknown Last-Event-ID ${JSON.stringify(lastEventId)}`);
    // An id already dropped from the window can only have been on the long-lived GET stream: resume that one.
    const streamId = this.events.find((event) => event.id === after)?.streamId ?? STANDALONE_STREAM;
    for (const event of this.events) {
      if (event.id > after && event.streamId === streamId) await send(String(event.id), event.message);
    }
    return streamId;
  }
}
