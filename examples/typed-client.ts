/**
 * A typed script client of AutoCodeAI's tRPC API: creates a task, streams its run's events to stdout and
 * prints the verdict and how it was verified. Exit code 0 when the run succeeded, 1 otherwise.
 *
 *   AUTOCODE_TOKEN=acai_... npx tsx examples/typed-client.ts --project <project id> "Write add(a, b) in calc.py"
 *
 * Options: --url (default AUTOCODE_URL or http://localhost:3000), --context <repo path> (repeatable).
 * Ctrl-C once cancels the run; the run is otherwise unaffected by this script exiting.
 */
import { parseArgs } from "node:util";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { FetchEventSource } from "./fetch-event-source";

const USAGE = 'Usage: AUTOCODE_TOKEN=acai_... npx tsx examples/typed-client.ts --project <id> [--url http://localhost:3000] [--context file.py] "task text"';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    project: { type: "string" },
    url: { type: "string", default: process.env.AUTOCODE_URL ?? "http://localhost:3000" },
    context: { type: "string", multiple: true, default: [] },
  },
});
const token = process.env.AUTOCODE_TOKEN;
const prompt = positionals.join(" ").trim();
if (!token) fail(`Set AUTOCODE_TOKEN to a personal API token (Settings > API tokens).\n${USAGE}`);
if (!values.project || !prompt) fail(USAGE);

const url = `${values.url.replace(/\/$/, "")}/api/trpc`;
const headers = { authorization: `Bearer ${token}` };

const client = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      // Browsers' EventSource cannot send headers; FetchEventSource can (see its comment).
      true: httpSubscriptionLink({ url, transformer: superjson, EventSource: FetchEventSource, eventSourceOptions: { headers } }),
      false: httpBatchLink({ url, transformer: superjson, headers }),
    }),
  ],
});

type RunEvent = { seq: number; type: string; payload: Record<string, unknown> };

/** One line per event, model tokens as they come. */
function show(event: RunEvent, state: { tokens: boolean }): void {
  const p = event.payload;
  if (event.type === "llm.tokens") {
    process.stdout.write(String(p.text ?? ""));
    state.tokens = true;
    return;
  }
  if (state.tokens) process.stdout.write("\n");
  state.tokens = false;
  const step = typeof p.stepId === "string" ? `[${p.stepId}] ` : "";
  const detail =
    event.type === "step.started" ? `${String(p.agent)}: ${String(p.description)}`
    : event.type === "sandbox.command" ? `${String(p.command)} -> exit ${String(p.exitCode)}${p.passed ? "" : ` (${String(p.reason)})`}`
    : event.type === "edit.applied" ? `${String(p.by)} ${String(p.kind)} ${String(p.path)}`
    : event.type === "step.finished" ? `${String(p.status)}${p.reason ? `: ${String(p.reason)}` : ""}`
    : event.type === "run.finished" ? `${String(p.status)}${p.reason ? `: ${String(p.reason)}` : ""}`
    : "";
  console.log(`#${event.seq} ${event.type} ${step}${detail}`.trimEnd());
}

async function main(): Promise<void> {
  const { runId } = await client.task.create.mutate({ projectId: values.project!, prompt, contextFiles: values.context });
  console.log(`run ${runId} queued`);
  let cancelling = false;
  process.on("SIGINT", () => {
    if (cancelling) process.exit(130);
    cancelling = true;
    console.error("\ncancelling the run (Ctrl-C again to leave it running)...");
    void client.run.cancel.mutate({ runId }).catch((error: unknown) => console.error("could not cancel:", error));
  });

  const state = { tokens: false };
  await new Promise<void>((resolve, reject) => {
    const subscription = client.run.events.subscribe(
      { runId },
      {
        // tracked() events arrive as { id, data }; the stream ends after run.finished.
        onData: ({ data }) => {
          show(data, state);
          if (data.type === "run.finished") {
            subscription.unsubscribe();
            resolve();
          }
        },
        onError: reject,
        onComplete: resolve,
      },
    );
  });

  const run = await client.run.byId.query({ runId });
  const verification = run.verification as { outcome?: string; summary?: string } | null;
  console.log(`\nstatus:       ${run.status}${run.statusReason ? ` (${run.statusReason})` : ""}`);
  console.log(`verdict:      ${run.verdict ?? "none"}`);
  console.log(`verification: ${verification?.outcome ?? "none"}${verification?.summary ? `: ${verification.summary}` : ""}`);
  process.exit(run.status === "SUCCEEDED" ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
