/**
 * What the orchestrator depends on. Each port has one real implementation elsewhere in server/ (and
 * in-memory fakes in tests); the orchestrator never reaches Docker, Postgres, Chroma or git directly.
 */
import type { FileEdit } from "@/server/agents/file-edit";
import type { LlmClient } from "@/server/llm/types";
import type { MemoryStore } from "@/server/memory/memory-store";
import type { PackedDirectory } from "@/server/sandbox/pack-directory";
import type { ExecutionResult, Sandbox, SandboxSession, TestCaseResult } from "@/server/sandbox/types";

export type { FileEdit, LlmClient, MemoryStore, ExecutionResult, SandboxSession, TestCaseResult };

/** server/sandbox: getSandbox() satisfies this. */
export type SandboxPort = Pick<Sandbox, "openSession" | "killRun">;

export interface FileChangeSummary {
  path: string;
  kind: "added" | "modified" | "deleted" | "renamed";
  added: number;
  removed: number;
}

export type ApplyEditResult = { ok: true; changes: FileChangeSummary[] } | { ok: false; error: string };

/** The run's working copy (a git worktree in production). Paths are relative to its root. */
export interface Workspace {
  readFile(path: string): Promise<string | null>;
  /** Every regular file, relative paths, .git excluded. */
  listFiles(): Promise<string[]>;
  /** The working copy as a tar stream for the sandbox; refuses (AppError) past the size limit it is given. */
  packTree(limits: { limitBytes: number; limitName: string }): Promise<PackedDirectory>;
  /** Applies an edit all-or-nothing; a failure carries a message written for the model. */
  applyEdit(edit: FileEdit): Promise<ApplyEditResult>;
  /** Several edits as one batch: if any fails, none is written. Absent: one edit at a time. */
  applyEdits?(edits: FileEdit[]): Promise<ApplyEditResult>;
  /** The committed head (commit and tree hash) of the run's branch; null when the workspace is not a git work tree. */
  head?(): Promise<{ commit: string; tree: string } | null>;
  /** A read-only copy of exactly the committed head's tree (git archive); null when not a git work tree. */
  snapshot?(): Promise<{ workspace: Workspace; dispose(): Promise<void> } | null>;
  /** Commits these paths (one step's work, not a parallel step's); the commit id, or null if nothing changed. */
  commitStep(input: { message: string; paths: string[] }): Promise<string | null>;
}

import type { RunEventInput } from "@/server/runs/events/contract";

export type { RunEventInput };

/** Appends an event to the run's log. The seq is per-run and monotonic; the event is stored before it is published. */
export interface EventSink {
  append(event: RunEventInput): Promise<{ seq: number }>;
}

export interface ToolDescription {
  name: string;
  description: string;
}

export interface ToolResult {
  ok: boolean;
  output: string;
  exitCode?: number | null;
  command?: string[];
}

/** server/tools: named tools a plan may call (run a command in the sandbox, lint, ...). */
export interface ToolExecutor {
  listTools(): ToolDescription[];
  /** Tools act on the run's own sandbox session (its workspace); network tools use a separate setup container. */
  execute(input: { runId: string; name: string; params: Record<string, unknown>; session: SandboxSession; signal?: AbortSignal }): Promise<ToolResult>;
}

/** A run's dependency change (pip_install / npm_install steps): the manifest files to write and the rebuilt image to continue on. */
export interface EnvironmentChanger {
  change(input: { runId: string; kind: "pip" | "npm"; packages: string[]; signal: AbortSignal }): Promise<
    { ok: true; image: string; built: boolean; durationMs: number; files: Array<{ path: string; content: string }> } | { ok: false; error: string; log: string }
  >;
}

export interface OrchestratorPorts {
  llm: LlmClient;
  sandbox: SandboxPort;
  workspace: Workspace;
  memory?: MemoryStore;
  events: EventSink;
  tools?: ToolExecutor;
  /** Present when the run has a project environment (a recognised language) whose image can be rebuilt. */
  environment?: EnvironmentChanger;
}
