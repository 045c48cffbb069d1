import { viewerDbFor, type Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { loadRunDto } from "@/server/runs/get-run";
import type { TRunDto } from "@/server/runs/run-dto";
import { compactPageLog } from "@/server/runs/events/page-log";
import { pageRunEvents, type StoredEvent } from "@/server/runs/run-events";
import { diffOfRun, fileOfRun, getRunPatch, treeOfRun } from "@/server/runs/run-git";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { forShareViewer } from "./share-event-fields";
import { resolveShareToken } from "./share-links";
import { watchShareLink } from "./watch-share-link";

/**
 * The run behind a share token, as a read-only DTO. Only which models ran is kept from the settings
 * snapshot: the endpoint (baseUrl) can name internal hosts and is not the viewer's business.
 */
export async function getSharedRun(options: { db: Db; token: string }): Promise<TRunDto> {
  const { runId } = await resolveShareToken(options);
  const dto = await loadRunDto({ db: options.db, runId, canWrite: false });
  if (!dto) throw new AppError("NOT_FOUND", "This share link's run no longer exists.");
  const snapshot = (dto.modelSettings ?? {}) as { models?: unknown };
  // Who asked for a re-verification is a user id: private, like who merged.
  return { ...dto, modelSettings: snapshot.models ? { models: snapshot.models } : {}, reverifications: dto.reverifications.map((r) => ({ ...r, by: "" })) };
}

/** The start of the shared run's log for the share page's first render, cut for share viewers like the stream. */
export async function sharedPageRunEvents(options: { db: Db; token: string }): Promise<StoredEvent[]> {
  const { runId } = await resolveShareToken(options);
  return compactPageLog((await pageRunEvents(options.db, runId)).map(sharedView));
}

/**
 * The shared run's events after afterSeq, then live ones, each cut to SHARE_EVENT_FIELDS (once per event
 * for all viewers: the same cut object, so the stream encodes it once). Revoking the link
 * ends the stream within REVOCATION_CHECK_MS (watch-share-link.ts) with NOT_FOUND, like any later request with the token.
 */
export async function* streamSharedRunEvents(options: {
  db: Db;
  link: { linkId: string; runId: string };
  afterSeq: number;
  signal?: AbortSignal;
}): AsyncGenerator<StoredEvent> {
  const { linkId, runId } = options.link;
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  options.signal?.addEventListener("abort", onOuterAbort);
  let revoked = false;
  // Through the viewers' pool, and once per link however many viewers: checks must not take the writers' connections.
  const stopWatching = watchShareLink({
    db: viewerDbFor(options.db),
    linkId,
    onRevoked: () => {
      revoked = true;
      inner.abort();
    },
  });
  try {
    for await (const event of streamRunEvents({ db: options.db, runId, afterSeq: options.afterSeq, signal: inner.signal })) {
      if (revoked) break;
      yield sharedView(event);
    }
    if (revoked) throw new AppError("NOT_FOUND", "This share link was revoked.");
  } finally {
    stopWatching();
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}

const sharedViews = new WeakMap<StoredEvent, StoredEvent>();
function sharedView(event: StoredEvent): StoredEvent {
  let view = sharedViews.get(event);
  if (!view) sharedViews.set(event, (view = forShareViewer(event)));
  return view;
}

async function loadSharedRunRecord(options: { db: Db; token: string }) {
  const { runId } = await resolveShareToken(options);
  const run = await options.db.run.findUnique({
    where: { id: runId },
    include: { task: true, project: { include: { members: { select: { userId: true, role: true } } } } },
  });
  if (!run) throw new AppError("NOT_FOUND", "This share link's run no longer exists.");
  return run;
}

/** The combined diff of the shared run (null before it has a branch). */
export async function getSharedRunDiff(options: { db: Db; token: string }) {
  return diffOfRun(await loadSharedRunRecord(options));
}

/**
 * The shared run's branch as a file tree, and one file of it: the same view members get. The run comes from the
 * token alone and the ref is that run's own branch, so a link reads no other run's or project's files.
 */
export async function getSharedRunTree(options: { db: Db; token: string }) {
  return treeOfRun(await loadSharedRunRecord(options));
}

export async function getSharedRunFile(options: { db: Db; token: string; path: string }) {
  return fileOfRun(await loadSharedRunRecord(options), options.path);
}

/** The shared run's commits as an mbox patch: the link already shows the whole diff, so the patch reveals no more. */
export async function getSharedRunPatch(options: { db: Db; token: string }): Promise<{ runId: string; patch: string }> {
  const run = await loadSharedRunRecord(options);
  if (!run.branch) throw new AppError("NOT_FOUND", "This run has no branch yet, so there is no patch to download.");
  return { runId: run.id, patch: await getRunPatch(run) };
}
