import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "@/server/env";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { InMemoryEventSink } from "@/server/orchestrator/adapters/in-memory-event-sink";
import type { MemoryStore, SandboxPort } from "@/server/orchestrator/ports";
import { runTask, type RunSettings, type RunTaskInput } from "@/server/orchestrator/run-task";
import { settleAfterRunWork } from "@/server/runs/after-run-work";
import { startFakeLlm, type FakeLlm, type FakeLlmOptions } from "@/tests/fake-llm/fake-llm-server";

/** A MemoryStore that remembers in an array, for runs without Chroma. */
export function inMemoryMemoryStore(): MemoryStore & { remembered: unknown[] } {
  const remembered: unknown[] = [];
  return {
    remembered,
    recallSimilar: async () => [{ id: "m1", runId: "old", task: "Add subtract()", summary: "wrote calc.py with tests", score: 0.8 }],
    searchRepository: async () => [],
    rememberRun: async (input) => void remembered.push(input),
  };
}

export interface Harness {
  llm: FakeLlm;
  dir: string;
  events: InMemoryEventSink;
  memory: ReturnType<typeof inMemoryMemoryStore>;
  /**
   * Runs a task. `settle: false` returns as soon as runTask does, leaving its after-run work (memory write,
   * removals) running as in production: a bench times the run alone, then calls settleAfterRunWork itself.
   */
  run(overrides?: Partial<Omit<RunTaskInput, "settings">> & { settings?: Partial<RunSettings> }, options?: { settle?: boolean }): ReturnType<typeof runTask>;
  types(runId?: string): string[];
  dispose(): Promise<void>;
}

let counter = 0;

export async function createHarness(sandbox: SandboxPort, options: FakeLlmOptions & { git?: boolean; files?: Record<string, string> } = {}): Promise<Harness> {
  const llm = await startFakeLlm(options);
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-"));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  if (options.git) {
    // The given files are the base commit (the harness the re-verification restores comes from it).
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
    execFileSync("git", ["add", "-A"], { cwd: dir });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "init"], { cwd: dir });
  }
  const events = new InMemoryEventSink();
  const memory = inMemoryMemoryStore();
  const settings = { ...resolveModelSettings(parseEnv({ LLM_MODE: "litellm", LITELLM_URL: llm.url })), maxRetries: 2, timeoutMs: 10_000 };
  const client = createLlmClient({ settings, retryBaseMs: 20 });
  const defaultRunId = () => `orch-${process.pid}-${++counter}`;
  return {
    llm,
    dir,
    events,
    memory,
    // The memory write and the removals follow the run's end (after-run-work.ts): waited for, so what a test
    // asserts of memory, remembered or not, is what the run left behind.
    run: async (overrides = {}, { settle = true } = {}) => {
      try {
        return await runTask({
          runId: defaultRunId(),
          projectId: "p1",
          task: "Write add(a, b) in calc.py",
          contextFiles: [],
          ports: { llm: client, sandbox, workspace: createDirWorkspace(dir), memory, events },
          ...overrides,
          settings: { maxDebugAttempts: 3, ...overrides.settings },
        });
      } finally {
        if (settle) await settleAfterRunWork();
      }
    },
    types: (runId) => (runId ? events.ofRun(runId) : events.events).map((e) => e.type),
    async dispose() {
      await llm.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
