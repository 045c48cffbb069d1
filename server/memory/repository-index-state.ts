import { createHash } from "node:crypto";
import path from "node:path";
import type { FSWatcher } from "chokidar";
import type { SourceChunk } from "./chunk-source";
import type { CollectionCache } from "./collections";

export type IndexState = "idle" | "indexing" | "watching" | "error";

export interface IndexStatus {
  state: IndexState;
  files: number;
  chunks: number;
  lastUpdatedAt: Date | null;
  errors: string[];
}

export interface RepoSnippet {
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  /** Cosine similarity, 1 is identical. */
  score: number;
}

export interface IndexResult {
  files: number;
  chunks: number;
  /** Files whose chunks were (re)written; unchanged files are skipped by content hash. */
  indexedFiles: number;
  removedFiles: number;
  durationMs: number;
}

export interface RepositoryIndexOptions {
  collections: CollectionCache;
  /** Quiet time before a batch of file events is applied. */
  debounceMs?: number;
  /** A batch is applied at the latest this long after its first event, even while events keep coming. */
  maxDelayMs?: number;
  maxFileBytes?: number;
}

export interface FileEntry {
  hash: string;
  chunks: number;
}

export interface ProjectState {
  projectId: string;
  root: string;
  files: Map<string, FileEntry>;
  errors: string[];
  lastUpdatedAt: Date | null;
  indexing: boolean;
  failed: boolean;
  queue: Promise<void>;
  watcher?: FSWatcher;
  pending: Map<string, "change" | "unlink">;
  timer?: NodeJS.Timeout;
  firstPendingAt?: number;
}

export interface PreparedFile {
  path: string;
  hash: string;
  chunks: SourceChunk[];
}

export const MAX_ERRORS = 20;
export const UPSERT_BATCH = 256;
export const FILE_BATCH = 48;
export const READ_CONCURRENCY = 16;
export const MAX_WATCH_DEPTH = 32;

export function fileKey(relativePath: string): string {
  return createHash("sha1").update(relativePath).digest("hex").slice(0, 20);
}

export function chunkId(relativePath: string, index: number): string {
  return `${fileKey(relativePath)}#${index}`;
}

export function toPosix(relativePath: string): string {
  return relativePath.split(path.sep).join("/");
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


export function newProjectState(projectId: string, root: string): ProjectState {
  return { projectId, root, files: new Map(), errors: [], lastUpdatedAt: null, indexing: false, failed: false, queue: Promise.resolve(), pending: new Map() };
}

/** Runs task after every earlier write of the project, so a full index and the watcher never interleave. */
export function enqueue<T>(state: ProjectState, task: () => Promise<T>): Promise<T> {
  const result = state.queue.then(task);
  state.queue = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

export function recordError(state: ProjectState, text: string): void {
  // Errors are shown on the project page: the server's own paths (the data directory) are not the user's business.
  const relative = text.split(`${state.root}${path.sep}`).join("").split(state.root).join(".");
  state.errors.push(`${new Date().toISOString()} ${relative}`);
  if (state.errors.length > MAX_ERRORS) state.errors.splice(0, state.errors.length - MAX_ERRORS);
}
