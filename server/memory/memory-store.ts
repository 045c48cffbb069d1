import type { ChromaClient } from "chromadb";
import { getChromaClient, stopChroma } from "./chroma-server";
import { CollectionCache } from "./collections";
import { createDefaultEmbedder, type Embedder } from "./embedder";
import { RepositoryIndex, type IndexResult, type IndexStatus, type RepoSnippet } from "./repository-index";
import { RunMemory, type RecalledMemory, type RememberRunInput, type StoredMemory } from "./run-memory";

export type { Embedder } from "./embedder";
export type { IndexResult, IndexState, IndexStatus, RepoSnippet } from "./repository-index";
export type { RecalledMemory, RememberRunInput, StoredMemory } from "./run-memory";

/** What the orchestrator depends on; tests of the orchestrator can swap in a fake. */
export interface MemoryStore {
  recallSimilar(input: { projectId: string; query: string; k: number }): Promise<RecalledMemory[]>;
  searchRepository(input: { projectId: string; query: string; k: number }): Promise<RepoSnippet[]>;
  rememberRun(input: RememberRunInput): Promise<void>;
}

export interface MemoryServiceOptions {
  /** A connected client, or a function returning one; defaults to the process-wide client. */
  client?: ChromaClient | (() => Promise<ChromaClient>);
  embedder?: Embedder;
  debounceMs?: number;
  maxDelayMs?: number;
}

/** The Chroma-backed memory: the live repository index plus the memory of past runs, for one embedder. */
export class MemoryService implements MemoryStore {
  readonly embedder: Embedder;
  readonly repository: RepositoryIndex;
  readonly runs: RunMemory;

  constructor(options: MemoryServiceOptions = {}) {
    const client = options.client;
    const connect = client === undefined ? getChromaClient : typeof client === "function" ? client : async () => client;
    this.embedder = options.embedder ?? createDefaultEmbedder();
    const collections = new CollectionCache(connect, this.embedder);
    this.repository = new RepositoryIndex({ collections, debounceMs: options.debounceMs, maxDelayMs: options.maxDelayMs });
    this.runs = new RunMemory(collections);
  }

  indexProject(input: { projectId: string; root: string }): Promise<IndexResult> {
    return this.repository.indexProject(input);
  }
  watchProject(input: { projectId: string; root: string }): void {
    this.repository.watchProject(input);
  }
  unwatchProject(projectId: string): Promise<void> {
    return this.repository.unwatchProject(projectId);
  }
  whenIdle(projectId: string): Promise<void> {
    return this.repository.whenIdle(projectId);
  }
  stopAll(): Promise<void> {
    return this.repository.stopAll();
  }
  getIndexStatus(projectId: string): IndexStatus {
    return this.repository.getIndexStatus(projectId);
  }
  searchRepository(input: { projectId: string; query: string; k: number }): Promise<RepoSnippet[]> {
    return this.repository.searchRepository(input);
  }
  rememberRun(input: RememberRunInput): Promise<void> {
    return this.runs.rememberRun(input);
  }
  recallSimilar(input: { projectId: string; query: string; k: number }): Promise<RecalledMemory[]> {
    return this.runs.recallSimilar(input);
  }
  listMemories(input: { projectId: string }): Promise<StoredMemory[]> {
    return this.runs.listMemories(input);
  }
  deleteMemory(input: { projectId: string; memoryId: string }): Promise<void> {
    return this.runs.deleteMemory(input);
  }
}

const holder = globalThis as { __autocodeMemory?: MemoryService };

/** The process-wide memory service (real Chroma, embedder from the settings). */
export function getMemoryService(): MemoryService {
  holder.__autocodeMemory ??= new MemoryService();
  return holder.__autocodeMemory;
}

/** The real Chroma-backed MemoryStore, a process singleton. */
export function getMemoryStore(): MemoryStore {
  return getMemoryService();
}

export const indexProject = (input: { projectId: string; root: string }) => getMemoryService().indexProject(input);
/** Returns at once; the watcher and the initial index run in the background (see getIndexStatus). */
export const watchProject = (input: { projectId: string; root: string }) => getMemoryService().watchProject(input);
export const unwatchProject = (projectId: string) => getMemoryService().unwatchProject(projectId);
export const stopAll = () => getMemoryService().stopAll();
export const getIndexStatus = (projectId: string) => getMemoryService().getIndexStatus(projectId);
export const searchRepository = (input: { projectId: string; query: string; k: number }) =>
  getMemoryService().searchRepository(input);
export const rememberRun = (input: RememberRunInput) => getMemoryService().rememberRun(input);
export const recallSimilar = (input: { projectId: string; query: string; k: number }) =>
  getMemoryService().recallSimilar(input);
export const listMemories = (input: { projectId: string }) => getMemoryService().listMemories(input);
export const deleteMemory = (input: { projectId: string; memoryId: string }) => getMemoryService().deleteMemory(input);

/** Stops every watcher and the bundled Chroma server if this process started it. */
export async function shutdownMemory(): Promise<void> {
  await holder.__autocodeMemory?.stopAll();
  await stopChroma();
}
