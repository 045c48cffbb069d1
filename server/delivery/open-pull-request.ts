import { z } from "zod";
import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError, toPublicError } from "@/server/errors";
import { isActiveStatus } from "@/server/runs/events/run-status";
import { readVerification } from "@/server/runs/run-dto";
import { appendRunEvent, lastRunEvent } from "@/server/runs/run-events";
import { notVerified } from "@/server/runs/run-git";
import { createShareLink } from "@/server/share/share-links";
import { createPullRequest, readPullRequest, updatePullRequest } from "./forge-api";
import { resolveRemote, type ResolvedRemote } from "./project-remote";
import { pullRequestBody } from "./pull-request-body";
import { pushRunBranch } from "./push-run-branch";

export const ZOpenPullRequest = z.object({
  runId: z.string().min(1).max(64),
  /** Open it although the run is not verified (the page's confirmation names what is missing). */
  force: z.boolean().default(false),
  title: z.string().trim().min(1).max(200, "Keep the title under 200 characters.").optional(),
});

export const ZPullRequestDto = z.object({
  provider: z.string(),
  number: z.number(),
  url: z.string(),
  state: z.enum(["open", "merged", "closed"]),
  base: z.string(),
  error: z.string().nullable(),
  /** An earlier turn of the thread opened it and it is still open: this turn's push or "open" updates it. */
  earlierTurn: z.boolean().optional(),
});
export type TPullRequestDto = z.infer<typeof ZPullRequestDto>;

const requestWord = (provider: string) => (provider === "gitlab" ? "merge request" : "pull request");

/**
 * Pushes the run's branch and opens a pull request (GitHub) or merge request (GitLab) into the project's default
 * branch, its body carrying the verification record and a share link. Like merging, only a verified run goes plainly;
 * anything else needs `force`, and the body says what is not verified.
 */
export async function openPullRequest(options: { db: Db; userId: string; input: z.input<typeof ZOpenPullRequest> }): Promise<TPullRequestDto> {
  const parsed = ZOpenPullRequest.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the request.");
  const { runId, force, title } = parsed.data;
  const run = await requireRun({ db: options.db, userId: options.userId, runId, need: "write" });
  if (isActiveStatus(run.status)) throw new AppError("CONFLICT", "Wait for the run to finish before opening a pull request.");
  const existing = await lastRunEvent(options.db, run.id, "run.pull_request");
  if (existing?.state === "open") throw new AppError("CONFLICT", `This run's ${requestWord(existing.provider)} #${existing.number} is already open: ${existing.url}`);
  const missing = notVerified(run);
  if (missing && !force) throw new AppError("CONFLICT", `This run is not verified (${missing}). Opening a pull request for it needs an explicit confirmation (force).`);
  const remote = await resolveRemote(options.db, run.projectId);
  // A follow-up turn continues an earlier turn's branch: its open request gets the new commits, not a twin.
  const earlier = await openEarlierTurnRequest(options.db, run, remote);
  const pushed = await pushRunBranch({ db: options.db, userId: options.userId, runId: run.id, alsoTo: earlier?.head });
  if (earlier) return updateEarlierRequest(options, run, remote, earlier, missing);
  const { body } = await bodyFor(options, run, missing);
  const firstLine = run.task.prompt.split("\n").find((line) => line.trim())?.trim() ?? "AutoCodeAI run";
  const info = await createPullRequest(remote, { head: pushed.branch, base: run.project.defaultBranch, title: title ?? firstLine.slice(0, 120), body });
  const payload = { provider: remote.provider, number: info.number, url: info.url, state: info.state, base: run.project.defaultBranch, head: pushed.branch };
  await appendRunEvent(options.db, { runId: run.id, type: "run.pull_request", payload });
  return { ...payload, error: null };
}

type RunWithTask = Awaited<ReturnType<typeof requireRun>>;
type EarlierRequest = { number: number; url: string; base: string; head: string };

/**
 * "Push branch" on a run: pushes its branch, and when it is a verified follow-up of a turn whose request is still
 * open, that request's branch too, with the request's description and a comment brought up to this turn. An
 * unverified turn's commits never reach an open request by a plain push (Open pull request with confirmation does it).
 */
export async function pushRun(options: { db: Db; userId: string; runId: string }) {
  const run = await requireRun({ ...options, need: "write" });
  const remote = run.threadId && !notVerified(run) && !isActiveStatus(run.status) ? await resolveRemote(options.db, run.projectId) : null;
  const earlier = remote ? await openEarlierTurnRequest(options.db, run, remote) : null;
  const pushed = await pushRunBranch({ ...options, alsoTo: earlier?.head });
  return { ...pushed, pullRequest: earlier && remote ? await updateEarlierRequest(options, run, remote, earlier, null) : null };
}

async function updateEarlierRequest(options: { db: Db; userId: string }, run: RunWithTask, remote: ResolvedRemote, earlier: EarlierRequest, missing: string | null): Promise<TPullRequestDto> {
  const { body, shareUrl } = await bodyFor(options, run, missing);
  const info = await updatePullRequest(remote, earlier.number, { body, comment: followUpComment(run, shareUrl) });
  const payload = { provider: remote.provider, number: info.number, url: info.url, state: info.state, base: earlier.base, head: earlier.head };
  await appendRunEvent(options.db, { runId: run.id, type: "run.pull_request", payload });
  return { ...payload, error: null };
}

/** The description: this run's verification record, the critic's reasons and a share link. */
async function bodyFor(options: { db: Db; userId: string }, run: RunWithTask, missing: string | null): Promise<{ body: string; shareUrl: string | null }> {
  const base = env().AUTH_URL?.replace(/\/+$/, "");
  const shareUrl = base ? `${base}/share/${(await createShareLink({ db: options.db, userId: options.userId, runId: run.id })).token}` : null;
  const verdict = await lastRunEvent(options.db, run.id, "verdict");
  const body = pullRequestBody({
    prompt: run.task.prompt,
    verification: readVerification(run.verification),
    verdict: verdict ? { verdict: verdict.verdict, reasons: verdict.reasons } : null,
    shareUrl,
    runId: run.id,
    forcedReason: missing,
  });
  return { body, shareUrl };
}

/** The comment a follow-up leaves on the request it updates: what was asked and how it came out. */
function followUpComment(run: RunWithTask, shareUrl: string | null): string {
  const asked = run.task.prompt.split("\n").find((line) => line.trim())?.trim().slice(0, 200) ?? "";
  const outcome = readVerification(run.verification)?.outcome ?? "not verified";
  const lines = [`AutoCodeAI pushed a follow-up turn (run \`${run.id}\`): ${asked}`, "", `**Outcome:** \`${outcome}\`. The description now carries this turn's verification record.`];
  if (shareUrl) lines.push("", `Full record: ${shareUrl}`);
  return lines.join("\n");
}

/**
 * The request an earlier turn of this run's thread opened and that is still open on the host (asked now: one merged
 * or closed there gets its state recorded and a new request is opened instead), with the branch it was opened from.
 */
async function openEarlierTurnRequest(db: Db, run: RunWithTask, remote: ResolvedRemote): Promise<EarlierRequest | null> {
  if (!run.threadId) return null;
  const earlier = await db.run.findMany({ where: { threadId: run.threadId, createdAt: { lt: run.createdAt } }, orderBy: { createdAt: "desc" }, select: { id: true, branch: true }, take: 50 });
  for (const turn of earlier) {
    const known = await lastRunEvent(db, turn.id, "run.pull_request");
    if (!known) continue;
    const head = known.head ?? turn.branch;
    if (known.state !== "open" || known.provider !== remote.provider || !head) return null;
    const now = await readPullRequest(remote, known.number);
    if (now.state !== "open") {
      await appendRunEvent(db, { runId: turn.id, type: "run.pull_request", payload: { ...known, state: now.state, url: now.url } });
      return null;
    }
    return { number: known.number, url: now.url, base: known.base, head };
  }
  return null;
}

/** The run's pull request with its state as the forge has it now (recorded when it changed); the last known state and why when the forge cannot be asked. */
export async function getPullRequest(options: { db: Db; userId: string; runId: string }): Promise<TPullRequestDto | null> {
  const run = await requireRun({ ...options, need: "read" });
  const known = await lastRunEvent(options.db, run.id, "run.pull_request");
  if (!known) return threadRequestFor(options.db, run);
  try {
    const now = await readPullRequest(await resolveRemote(options.db, run.projectId), known.number);
    if (now.state !== known.state) await appendRunEvent(options.db, { runId: run.id, type: "run.pull_request", payload: { ...known, state: now.state, url: now.url } });
    return { ...known, state: now.state, url: now.url, error: null };
  } catch (error) {
    return { ...known, error: `Could not refresh its state: ${toPublicError(error, "pull request").message}` };
  }
}

/** A finished follow-up turn without a request of its own: the earlier turn's request it would update, if still open. */
async function threadRequestFor(db: Db, run: RunWithTask): Promise<TPullRequestDto | null> {
  if (!run.threadId || isActiveStatus(run.status)) return null;
  try {
    const remote = await resolveRemote(db, run.projectId);
    const earlier = await openEarlierTurnRequest(db, run, remote);
    return earlier && { provider: remote.provider, number: earlier.number, url: earlier.url, state: "open", base: earlier.base, error: null, earlierTurn: true };
  } catch {
    return null; // no remote, or the host cannot be asked now: nothing to offer beyond "Open pull request"
  }
}

/** The run's last push, for the page ("pushed abc1234"); null when never pushed. */
export function lastPush(db: Db, runId: string) {
  return lastRunEvent(db, runId, "run.pushed");
}
