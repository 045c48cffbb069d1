import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Db } from "@/server/db/client";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { describeRunEvent } from "./run-progress";

export const LOGGER = "autocodeai";
/** Resource-updated notifications for one URI at most this often (token batches arrive every 50 ms). */
const UPDATE_EVERY_MS = 250;
/** Events that change a run's diff. */
const DIFF_EVENTS = new Set(["run.branched", "step.committed", "run.finished"]);

export type RunResource = "events" | "diff";
export const runResourceUri = (runId: string, resource: RunResource) => `autocode://runs/${runId}/${resource}`;

/**
 * What one MCP session hears about runs without asking: progress of the runs it started (log notifications on
 * the session's stream, which the event store makes resumable) and updates of the run resources it subscribed to.
 * Each followed run is one tail of the run's event log (streamRunEvents), stopped when the session closes.
 */
export class McpRunFeed {
  private readonly session = new AbortController();
  private readonly followed = new Set<string>();
  private readonly subscriptions = new Map<string, Set<RunResource>>();
  private readonly watchers = new Map<string, AbortController>();
  private readonly throttles = new Map<string, NodeJS.Timeout>();
  /** Set once the session exists: the SDK keys the client's logging/setLevel by it. */
  sessionId: string | undefined;

  constructor(private readonly options: { db: Db; server: McpServer }) {}

  /** Sends the run's progress from its first event on, as log notifications. */
  follow(runId: string): void {
    this.followed.add(runId);
    this.watch(runId, 0);
  }

  subscribe(runId: string, resource: RunResource, afterSeq: number): void {
    const set = this.subscriptions.get(runId) ?? new Set<RunResource>();
    set.add(resource);
    this.subscriptions.set(runId, set);
    this.watch(runId, afterSeq);
  }

  unsubscribe(runId: string, resource: RunResource): void {
    this.subscriptions.get(runId)?.delete(resource);
    if (!this.subscriptions.get(runId)?.size) this.subscriptions.delete(runId);
    if (!this.followed.has(runId) && !this.subscriptions.has(runId)) this.watchers.get(runId)?.abort();
  }

  close(): void {
    this.session.abort();
    for (const timer of this.throttles.values()) clearTimeout(timer);
  }

  private watch(runId: string, afterSeq: number): void {
    if (this.watchers.has(runId) || this.session.signal.aborted) return;
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.session.signal]);
    this.watchers.set(runId, controller);
    void (async () => {
      try {
        for await (const event of streamRunEvents({ db: this.options.db, runId, afterSeq, signal })) {
          const item = this.followed.has(runId) ? describeRunEvent(runId, event) : null;
          if (item) await this.options.server.sendLoggingMessage({ level: item.kind === "finished" && item.status !== "succeeded" ? "warning" : "info", logger: LOGGER, data: item }, this.sessionId);
          const subscribed = this.subscriptions.get(runId);
          if (subscribed?.has("events")) this.updated(runResourceUri(runId, "events"), event.type === "run.finished");
          if (subscribed?.has("diff") && DIFF_EVENTS.has(event.type)) this.updated(runResourceUri(runId, "diff"), true);
        }
      } catch (error) {
        if (!signal.aborted) console.error(`[mcp] following run ${runId} stopped:`, error);
      } finally {
        this.watchers.delete(runId);
      }
    })();
  }

  /** Coalesces bursts into one notification per UPDATE_EVERY_MS; `now` flushes at once (the run's end). */
  private updated(uri: string, now: boolean): void {
    const send = () => {
      this.throttles.delete(uri);
      if (!this.session.signal.aborted) void this.options.server.server.sendResourceUpdated({ uri }).catch(() => undefined);
    };
    if (now) {
      clearTimeout(this.throttles.get(uri));
      send();
      return;
    }
    if (!this.throttles.has(uri)) this.throttles.set(uri, setTimeout(send, UPDATE_EVERY_MS));
  }
}
