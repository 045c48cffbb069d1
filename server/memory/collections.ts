import { createHash } from "node:crypto";
import type { ChromaClient, Collection } from "chromadb";
import { resolveDimensions, type Embedder } from "./embedder";

export type CollectionKind = "repo" | "mem";

function slug(text: string, max: number): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max) || "x";
}

/**
 * One collection per project, kind and embedder: the embedder id and dimension in the name keep vectors of
 * different models apart, the project part keeps projects apart (the hash makes distinct ids distinct).
 */
export function collectionName(kind: CollectionKind, embedderId: string, dimensions: number, projectId: string): string {
  const projectHash = createHash("sha256").update(projectId).digest("hex").slice(0, 12);
  return `${kind}-${slug(embedderId, 48)}-${dimensions}-${slug(projectId, 40)}-${projectHash}`;
}

/** Caches get-or-create per collection name; a failed attempt is forgotten so the next call retries. */
export class CollectionCache {
  private readonly byName = new Map<string, Promise<Collection>>();
  private dimensions?: Promise<number>;

  constructor(
    /** Called on each cache miss; getChromaClient caches and retries on its own. */
    private readonly connect: () => Promise<ChromaClient>,
    readonly embedder: Embedder,
  ) {}

  embedderDimensions(): Promise<number> {
    this.dimensions ??= resolveDimensions(this.embedder).catch((error: unknown) => {
      this.dimensions = undefined;
      throw error;
    });
    return this.dimensions;
  }

  async get(kind: CollectionKind, projectId: string): Promise<Collection> {
    const name = collectionName(kind, this.embedder.id, await this.embedderDimensions(), projectId);
    let collection = this.byName.get(name);
    if (!collection) {
      collection = this.connect()
        .then((client) => client.getOrCreateCollection({
          name,
          // Our own vectors: null keeps the client from loading (and downloading) a default model.
          embeddingFunction: null,
          configuration: { hnsw: { space: "cosine" } },
          metadata: { kind, projectId, embedder: this.embedder.id },
        }))
        .catch((error: unknown) => {
          this.byName.delete(name);
          throw error;
        });
      this.byName.set(name, collection);
    }
    return collection;
  }

  /**
   * The k nearest entries of a project's collection to a text: documents, metadata and distances, for the first
   * (only) query. No `where` prefilter: it costs ~35 ms on 12k chunks against ~3 ms, and collections are per project.
   */
  async nearest(kind: CollectionKind, projectId: string, query: string, k: number) {
    if (k <= 0 || query.trim() === "") return null;
    const collection = await this.get(kind, projectId);
    const [embedding] = await this.embedder.embed([query]);
    if (!embedding) return null;
    const result = await collection.query({ queryEmbeddings: [embedding], nResults: k, include: ["documents", "metadatas", "distances"] });
    return {
      ids: result.ids[0] ?? [],
      documents: result.documents[0] ?? [],
      metadatas: result.metadatas[0] ?? [],
      distances: result.distances[0] ?? [],
    };
  }
}
