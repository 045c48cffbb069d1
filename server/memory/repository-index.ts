import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import type { Collection } from "chromadb";
import { AppError } from "@/server/errors";
import { chunkSource, type SourceChunk } from "./chunk-source";
import type { CollectionCache } from "./collections";
import {
  gitVisibleFiles,
  hasSourceExtension,
  isInIgnoredDirectory,
  listSourceFiles,
  MAX_FILE_BYTES,
  readSourceFile,
} from "./list-source-files";

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

interface FileEntry {
  hash: string;
  chunks: number;
}

interface ProjectState {
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

interface PreparedFile {
  path: string;
  hash: string;
  chunks: SourceChunk[];
}

const MAX_ERRORS = 20;
const UPSERT_BATCH = 256;
const FILE_BATCH = 48;
const READ_CONCURRENCY = 16;
const MAX_WATCH_DEPTH = 32;

function fileKey(relativePath: string): string {
  return createHash("sha1").update(relativePath).digest("hex").slice(0, 20);
}

function chunkId(relativePath: string, index: number): string {
  return `${fileKey(relativePath)}#${index}`;
}

function toPosix(relativePath: string): string {
  return relativePath.split(path.sep).join("/");
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The searchable index of a project's source files in Chroma, kept live by a chokidar watcher. All writes of
 * a project go through one queue, so a full index and the watcher's batches never interleave.
 */
export class RepositoryIndex {
  private readonly projects = new Map<string, ProjectState>();
  private readonly collections: CollectionCache;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private readonly maxFileBytes: number;

  constructor(options: RepositoryIndexOptions) {
    this.collections = options.collections;
    this.debounceMs = options.debounceMs ?? 75;
    this.maxDelayMs = options.maxDelayMs ?? 500;
    this.maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  }

  private project(projectId: string, root: string): ProjectState {
    const resolved = path.resolve(root);
    let state = this.projects.get(projectId);
    if (!state) {
      state = {
        projectId,
        root: resolved,
        files: new Map(),
        errors: [],
        lastUpdatedAt: null,
        indexing: false,
        failed: false,
        queue: Promise.resolve(),
        pending: new Map(),
      };
      this.projects.set(projectId, state);
    } else if (state.root !== resolved) {
      if (state.watcher) {
        throw new AppError("CONFLICT", `Project ${projectId} is watched at ${state.root}, not ${resolved}`);
      }
      state.root = resolved;
      state.files.clear();
    }
    return state;
  }

  private enqueue<T>(state: ProjectState, task: () => Promise<T>): Promise<T> {
    const result = state.queue.then(task);
    state.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private recordError(state: ProjectState, text: string): void {
    // Errors are shown on the project page: the server's own paths (the data directory) are not the user's business.
    const relative = text.split(`${state.root}${path.sep}`).join("").split(state.root).join(".");
    state.errors.push(`${new Date().toISOString()} ${relative}`);
    if (state.errors.length > MAX_ERRORS) state.errors.splice(0, state.errors.length - MAX_ERRORS);
  }

  /** Indexes every source file under root; unchanged files (same content hash) are kept, vanished ones removed. */
  indexProject(input: { projectId: string; root: string }): Promise<IndexResult> {
    const state = this.project(input.projectId, input.root);
    return this.enqueue(state, () => this.runFullIndex(state));
  }

  private async runFullIndex(state: ProjectState): Promise<IndexResult> {
    const started = performance.now();
    state.indexing = true;
    state.files.clear();
    try {
      const rootStats = await stat(state.root).catch(() => undefined);
      if (!rootStats?.isDirectory()) {
        throw new AppError("NOT_FOUND", `Project root ${state.root} is not a directory`, {
          userMessage: "The project's files could not be found on the server, so they cannot be indexed. Check the project's location.",
        });
      }
      const collection = await this.collections.get("repo", state.projectId);
      const [listed, stored] = await Promise.all([listSourceFiles(state.root), this.storedFiles(collection, state.projectId)]);
      const listedSet = new Set(listed);
      let indexedFiles = 0;
      // Reading and embedding the next batch overlaps with Chroma writing the previous one (another process).
      let writing: Promise<void> = Promise.resolve();
      for (let start = 0; start < listed.length; start += FILE_BATCH) {
        const slice = listed.slice(start, start + FILE_BATCH);
        const prepared: PreparedFile[] = [];
        for (let i = 0; i < slice.length; i += READ_CONCURRENCY) {
          const group = slice.slice(i, i + READ_CONCURRENCY);
          const results = await Promise.all(group.map((file) => this.prepareFile(state, file)));
          results.forEach((result, offset) => {
            const file = group[offset] as string;
            if (!result) {
              listedSet.delete(file);
              return;
            }
            const previous = stored.get(file);
            if (previous && previous.hash === result.hash) {
              state.files.set(file, previous);
              return;
            }
            prepared.push(result);
          });
        }
        await writing;
        writing = this.writeFiles(state, collection, prepared, stored);
        writing.catch(() => undefined);
        indexedFiles += prepared.length;
      }
      await writing;
      const vanished = [...stored.keys()].filter((file) => !listedSet.has(file));
      await this.removeFiles(state, collection, vanished, stored);
      state.failed = false;
      state.lastUpdatedAt = new Date();
      return {
        files: state.files.size,
        chunks: this.chunkCount(state),
        indexedFiles,
        removedFiles: vanished.length,
        durationMs: performance.now() - started,
      };
    } catch (error) {
      state.failed = true;
      this.recordError(state, `Indexing failed: ${message(error)}`);
      throw error;
    } finally {
      state.indexing = false;
    }
  }

  /** What Chroma already holds for the project: path -> content hash and chunk count. */
  private async storedFiles(collection: Collection, projectId: string): Promise<Map<string, FileEntry>> {
    const stored = new Map<string, FileEntry>();
    const page = 5000;
    for (let offset = 0; ; offset += page) {
      const result = await collection.get({ where: { projectId }, include: ["metadatas"], limit: page, offset });
      for (const metadata of result.metadatas) {
        const file = metadata?.path;
        const hash = metadata?.fileHash;
        if (typeof file !== "string" || typeof hash !== "string") continue;
        const entry = stored.get(file);
        if (entry) entry.chunks += 1;
        else stored.set(file, { hash, chunks: 1 });
      }
      if (result.ids.length < page) break;
    }
    return stored;
  }

  private async prepareFile(state: ProjectState, file: string): Promise<PreparedFile | undefined> {
    try {
      const read = await readSourceFile(state.root, file, this.maxFileBytes);
      if (!read.ok) return undefined;
      return {
        path: file,
        hash: createHash("sha1").update(read.text).digest("hex"),
        chunks: chunkSource(file, read.text),
      };
    } catch (error) {
      this.recordError(state, `${file}: ${message(error)}`);
      return undefined;
    }
  }

  private async writeFiles(
    state: ProjectState,
    collection: Collection,
    prepared: PreparedFile[],
    previous: Map<string, FileEntry>,
  ): Promise<void> {
    const records = prepared.flatMap((file) =>
      file.chunks.map((chunk, index) => ({ file, chunk, index })),
    );
    for (let start = 0; start < records.length; start += UPSERT_BATCH) {
      const batch = records.slice(start, start + UPSERT_BATCH);
      // The path goes into the embedded text too: file and directory names carry much of a chunk's meaning.
      const embeddings = await this.collections.embedder.embed(batch.map(({ file, chunk }) => `${file.path}\n${chunk.text}`));
      await collection.upsert({
        ids: batch.map(({ file, index }) => chunkId(file.path, index)),
        embeddings,
        documents: batch.map(({ chunk }) => chunk.text),
        metadatas: batch.map(({ file, chunk, index }) => ({
          projectId: state.projectId,
          path: file.path,
          fileHash: file.hash,
          chunkIndex: index,
          startLine: chunk.startLine,
          endLine: chunk.endLine,
        })),
      });
    }
    // Upsert first, then drop the surplus chunks of files that shrank: a search never sees the file missing.
    const surplus: string[] = [];
    for (const file of prepared) {
      const before = previous.get(file.path)?.chunks ?? state.files.get(file.path)?.chunks ?? 0;
      for (let index = file.chunks.length; index < before; index++) surplus.push(chunkId(file.path, index));
      state.files.set(file.path, { hash: file.hash, chunks: file.chunks.length });
    }
    if (surplus.length > 0) await collection.delete({ ids: surplus });
  }

  private async removeFiles(
    state: ProjectState,
    collection: Collection,
    files: string[],
    known: Map<string, FileEntry>,
  ): Promise<void> {
    for (const file of files) {
      if (known.has(file) || state.files.has(file)) await collection.delete({ where: { path: file } });
      state.files.delete(file);
    }
  }

  /** Starts keeping the index live and queues a full (incremental) index; returns without waiting for either. */
  watchProject(input: { projectId: string; root: string }): void {
    const state = this.project(input.projectId, input.root);
    if (state.watcher) return;
    const root = state.root;
    const git = existsSync(path.join(root, ".git"));
    const watcher = watch(root, {
      ignoreInitial: true,
      // A link such as `u -> ../../..` in an imported repository would otherwise walk the whole data directory.
      followSymlinks: false,
      depth: MAX_WATCH_DEPTH,
      ignored: (absolute, stats) => {
        const relative = path.relative(root, absolute);
        if (relative === "") return false;
        // Checked as a directory path too, so whole ignored trees are never descended into.
        if (isInIgnoredDirectory(`${relative}${path.sep}x`, git)) return true;
        return stats?.isFile() === true && !hasSourceExtension(relative);
      },
    });
    state.watcher = watcher;
    const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
    const note = (kind: "change" | "unlink") => (absolute: string | Error) => {
      if (typeof absolute !== "string") return;
      const relative = toPosix(path.relative(root, absolute));
      if (!hasSourceExtension(relative)) return;
      this.schedule(state, relative, kind);
    };
    watcher.on("add", note("change"));
    watcher.on("change", note("change"));
    watcher.on("unlink", note("unlink"));
    watcher.on("unlinkDir", (absolute: string | Error) => {
      if (typeof absolute !== "string") return;
      const prefix = `${toPosix(path.relative(root, absolute))}/`;
      for (const file of state.files.keys()) if (file.startsWith(prefix)) this.schedule(state, file, "unlink");
    });
    watcher.on("error", (error) => this.recordError(state, `Watcher: ${message(error)}`));
    // The initial scan catches whatever changed while nobody watched; events after `ready` queue behind it.
    void this.enqueue(state, async () => {
      await ready;
      if (state.watcher === watcher) await this.runFullIndex(state);
    }).catch(() => undefined);
  }

  private schedule(state: ProjectState, file: string, kind: "change" | "unlink"): void {
    state.pending.set(file, kind);
    state.firstPendingAt ??= Date.now();
    if (state.timer) clearTimeout(state.timer);
    const waited = Date.now() - state.firstPendingAt;
    const delay = Math.max(0, Math.min(this.debounceMs, this.maxDelayMs - waited));
    state.timer = setTimeout(() => this.flush(state), delay);
  }

  private flush(state: ProjectState): Promise<void> {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.firstPendingAt = undefined;
    if (state.pending.size === 0) return state.queue;
    const batch = new Map(state.pending);
    state.pending.clear();
    return this.enqueue(state, () => this.applyChanges(state, batch)).catch((error: unknown) => {
      this.recordError(state, `Applying ${batch.size} file changes failed: ${message(error)}`);
    });
  }

  private async applyChanges(state: ProjectState, batch: Map<string, "change" | "unlink">): Promise<void> {
    const collection = await this.collections.get("repo", state.projectId);
    const changed = [...batch].filter(([, kind]) => kind === "change").map(([file]) => file);
    const removed = [...batch].filter(([, kind]) => kind === "unlink").map(([file]) => file);
    // In a git repository a new file may be ignored (.gitignore); git decides, in one call per batch.
    const visible = await gitVisibleFiles(state.root, changed);
    const prepared: PreparedFile[] = [];
    for (const file of changed) {
      if ((visible && !visible.includes(file)) || isInIgnoredDirectory(file, visible !== undefined)) {
        removed.push(file);
        continue;
      }
      const result = await this.prepareFile(state, file);
      if (!result) removed.push(file);
      else if (state.files.get(file)?.hash !== result.hash) prepared.push(result);
    }
    await this.writeFiles(state, collection, prepared, new Map());
    await this.removeFiles(state, collection, removed, new Map());
    if (prepared.length > 0 || removed.length > 0) state.lastUpdatedAt = new Date();
  }

  /** Resolves once queued work and pending file events of the project are applied. */
  async whenIdle(projectId: string): Promise<void> {
    const state = this.projects.get(projectId);
    if (!state) return;
    for (;;) {
      await state.queue;
      if (state.pending.size > 0) {
        await this.flush(state);
        continue;
      }
      return;
    }
  }

  /** The directories the project's watcher holds, relative to its root (all inside it). */
  watchedDirectories(projectId: string): string[] {
    const state = this.projects.get(projectId);
    if (!state?.watcher) return [];
    // chokidar also lists the root's parent, which it holds only to notice the root itself disappear.
    return Object.keys(state.watcher.getWatched())
      .filter((dir) => path.resolve(dir) !== path.dirname(state.root))
      .map((dir) => toPosix(path.relative(state.root, dir)) || ".");
  }

  async unwatchProject(projectId: string): Promise<void> {
    const state = this.projects.get(projectId);
    if (!state?.watcher) return;
    const watcher = state.watcher;
    state.watcher = undefined;
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.pending.clear();
    await watcher.close();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.projects.keys()].map((projectId) => this.unwatchProject(projectId)));
    await Promise.all([...this.projects.values()].map((state) => state.queue));
  }

  getIndexStatus(projectId: string): IndexStatus {
    const state = this.projects.get(projectId);
    if (!state) return { state: "idle", files: 0, chunks: 0, lastUpdatedAt: null, errors: [] };
    const current: IndexState = state.indexing ? "indexing" : state.failed ? "error" : state.watcher ? "watching" : "idle";
    return {
      state: current,
      files: state.files.size,
      chunks: this.chunkCount(state),
      lastUpdatedAt: state.lastUpdatedAt,
      errors: [...state.errors],
    };
  }

  private chunkCount(state: ProjectState): number {
    let total = 0;
    for (const entry of state.files.values()) total += entry.chunks;
    return total;
  }

  async searchRepository(input: { projectId: string; query: string; k: number }): Promise<RepoSnippet[]> {
    const k = Math.max(1, Math.min(50, Math.floor(input.k)));
    const result = await this.collections.nearest("repo", input.projectId, input.query, k);
    if (!result) return [];
    return result.ids.flatMap((_, i) => {
      const metadata = result.metadatas[i];
      const text = result.documents[i];
      const distance = result.distances[i];
      // A second wall between projects, behind the per-project collection.
      if (!metadata || metadata.projectId !== input.projectId) return [];
      if (typeof metadata.path !== "string" || typeof text !== "string") return [];
      return [
        {
          path: metadata.path,
          startLine: Number(metadata.startLine),
          endLine: Number(metadata.endLine),
          text,
          score: typeof distance === "number" ? 1 - distance : 0,
        },
      ];
    });
  }
}
