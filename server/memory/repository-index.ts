import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { watch } from "chokidar";
import { AppError } from "@/server/errors";
import { chunkSource } from "./chunk-source";
import type { CollectionCache } from "./collections";
import { removeFiles, searchChunks, storedFiles, writeFiles } from "./index-chunks";
import { gitVisibleFiles, hasSourceExtension, isInIgnoredDirectory, listSourceFiles, MAX_FILE_BYTES, readSourceFile } from "./list-source-files";
import { enqueue, FILE_BATCH, MAX_WATCH_DEPTH, message, newProjectState, READ_CONCURRENCY, recordError, toPosix } from "./repository-index-state";
import type { IndexResult, IndexState, IndexStatus, PreparedFile, ProjectState, RepoSnippet, RepositoryIndexOptions } from "./repository-index-state";

export type { IndexResult, IndexState, IndexStatus, RepoSnippet, RepositoryIndexOptions } from "./repository-index-state";

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
      state = newProjectState(projectId, resolved);
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

  /** Indexes every source file under root; unchanged files (same content hash) are kept, vanished ones removed. */
  indexProject(input: { projectId: string; root: string }): Promise<IndexResult> {
    const state = this.project(input.projectId, input.root);
    return enqueue(state, () => this.runFullIndex(state));
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
      const [listed, stored] = await Promise.all([listSourceFiles(state.root), storedFiles(collection, state.projectId)]);
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
        writing = writeFiles(this.collections, state, collection, prepared, stored);
        writing.catch(() => undefined);
        indexedFiles += prepared.length;
      }
      await writing;
      const vanished = [...stored.keys()].filter((file) => !listedSet.has(file));
      await removeFiles(state, collection, vanished, stored);
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
      recordError(state, `Indexing failed: ${message(error)}`);
      throw error;
    } finally {
      state.indexing = false;
    }
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
      recordError(state, `${file}: ${message(error)}`);
      return undefined;
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
    watcher.on("error", (error) => recordError(state, `Watcher: ${message(error)}`));
    // The initial scan catches whatever changed while nobody watched; events after `ready` queue behind it.
    void enqueue(state, async () => {
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
    return enqueue(state, () => this.applyChanges(state, batch)).catch((error: unknown) => {
      recordError(state, `Applying ${batch.size} file changes failed: ${message(error)}`);
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
    await writeFiles(this.collections, state, collection, prepared, new Map());
    await removeFiles(state, collection, removed, new Map());
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

  searchRepository(input: { projectId: string; query: string; k: number }): Promise<RepoSnippet[]> {
    return searchChunks(this.collections, input);
  }
}
