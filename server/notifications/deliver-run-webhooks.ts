import { createHmac } from "node:crypto";
import { decryptSecret } from "@/server/auth/secrets";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { toPublicError } from "@/server/errors";
import { pinnedFetch } from "@/server/network/pin-address";
import { checkWebhookUrl } from "./project-webhooks";

export const SIGNATURE_HEADER = "x-autocode-signature";

export type DeliveryOptions = { timeoutMs: number; attempts: number; backoffMs: number };
const DEFAULTS: DeliveryOptions = { timeoutMs: 10_000, attempts: 4, backoffMs: 2_000 };

/** `sha256=<hex HMAC of the raw body>`: a receiver recomputes it with the secret it was shown. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * What a webhook receives about a run: its outcome once it has ended ("run.finished"), or its plan while the plan
 * waits for review ("plan.awaiting_approval"); where to look; no secret and no code. Null when there is nothing to
 * announce (a run still going).
 */
export async function runWebhookPayload(db: Db, runId: string) {
  const run = await db.run.findUnique({
    where: { id: runId },
    include: { task: { select: { prompt: true } }, project: { select: { name: true } }, steps: { orderBy: { order: "asc" } } },
  });
  const awaiting = run?.status === "AWAITING_APPROVAL";
  // A run that stopped for plan review has not ended: its end is announced when it comes.
  if (!run || (!run.finishedAt && !awaiting)) return null;
  const base = env().AUTH_URL?.replace(/\/$/, "");
  const common = {
    runId: run.id,
    threadId: run.threadId ?? run.id,
    projectId: run.projectId,
    projectName: run.project.name,
    prompt: run.task.prompt.slice(0, 2000),
    status: run.status,
    url: base ? `${base}/runs/${run.id}` : null,
  };
  if (awaiting) {
    const plan = run.steps.map((s) => ({ id: s.planStepId, agent: s.agent, description: s.description, file: s.targetFile, dependsOn: s.dependsOn }));
    return { event: "plan.awaiting_approval" as const, ...common, plan, expiresAt: run.approvalDeadline };
  }
  const verification = (run.verification ?? null) as { outcome?: string } | null;
  return {
    event: "run.finished" as const,
    ...common,
    reason: run.statusReason,
    verdict: run.verdict,
    verification: verification?.outcome ?? null,
    branch: run.branch,
    headCommit: run.headCommit,
    usage: { tokensIn: run.tokensIn, tokensOut: run.tokensOut, costUsd: run.costUsd },
    finishedAt: run.finishedAt,
  };
}

async function attemptOnce(url: string, address: string | undefined, body: string, signature: string, timeoutMs: number) {
  const started = Date.now();
  try {
    // To the address just checked: a second DNS answer cannot point the POST at a private one.
    const response = await pinnedFetch(url, {
      address,
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "AutoCodeAI-Webhook", [SIGNATURE_HEADER]: signature },
      body,
      // Redirects are not followed (pinnedFetch never does): one could lead to an address the check refused.
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return { httpStatus: response.status, ok, error: ok ? null : `HTTP ${response.status}`, durationMs: Date.now() - started, retry: response.status >= 500 || response.status === 429 };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { httpStatus: null, ok: false, error: timedOut ? `no answer within ${timeoutMs} ms` : `could not connect: ${(error as Error).message}`, durationMs: Date.now() - started, retry: true };
  }
}

/**
 * POSTs the run's outcome (or its plan waiting for review) to each of its project's webhooks, retrying 5xx, 429 and network failures with
 * exponential backoff up to `attempts` times; every attempt is recorded. Never throws: a receiver's trouble
 * must not touch the run.
 */
export async function deliverRunWebhooks(options: { db: Db; runId: string; delivery?: Partial<DeliveryOptions> }): Promise<void> {
  const { timeoutMs, attempts, backoffMs } = { ...DEFAULTS, ...options.delivery };
  try {
    const payload = await runWebhookPayload(options.db, options.runId);
    if (!payload) return;
    const hooks = await options.db.projectWebhook.findMany({ where: { projectId: payload.projectId } });
    if (hooks.length === 0) return;
    const body = JSON.stringify(payload);
    await Promise.all(
      hooks.map(async (hook) => {
        const signature = signBody(decryptSecret(hook.secretCipher), body);
        for (let attempt = 1; attempt <= attempts; attempt++) {
          // Checked at every delivery: the name may resolve elsewhere than when the webhook was saved.
          const checked = await checkWebhookUrl(hook.url).then((addresses) => ({ address: addresses[0], refused: null }), (error: unknown) => ({ address: undefined, refused: toPublicError(error, "webhook").message }));
          const result = checked.refused ? { httpStatus: null, ok: false, error: checked.refused, durationMs: 0, retry: false } : await attemptOnce(hook.url, checked.address, body, signature, timeoutMs);
          await options.db.webhookDelivery.create({ data: { webhookId: hook.id, runId: options.runId, event: payload.event, attempt, httpStatus: result.httpStatus, ok: result.ok, error: result.error, durationMs: result.durationMs } });
          if (result.ok || !result.retry) break;
          if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
        }
      }),
    );
  } catch (error) {
    console.error(`[webhooks] delivery for run ${options.runId} failed:`, error);
  }
}
