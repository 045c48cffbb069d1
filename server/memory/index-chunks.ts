import type { Collection } from "chromadb";
import type { CollectionCache } from "./collections";
import { chunkId, UPSERT_BATCH, type FileEntry, type PreparedFile, type ProjectState, type RepoSnippet } from "./repository-index-state";

/** What Chroma already holds for the project: path -> content hash and chunk count. */
export async function storedFiles(collection: Collection, projectId: string): Promise<Map<string, FileEntry>> {
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

export async function writeFiles(
  collections: CollectionCache,
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
    const embeddings = await collections.embedder.embed(batch.map(({ file, chunk }) => `${file.path}\n${chunk.text}`));
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

export async function removeFiles(
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

/** The k chunks nearest the query in the project's collection, as snippets with a cosine score. */
export async function searchChunks(collections: CollectionCache, input: { projectId: string; query: string; k: number }): Promise<RepoSnippet[]> {
  const k = Math.max(1, Math.min(50, Math.floor(input.k)));
  const result = await collections.nearest("repo", input.projectId, input.query, k);
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
