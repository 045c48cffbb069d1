import { env } from "@/server/env";
import { HashedEmbedder } from "./hashed-embedder";
import { OpenAIEmbedder } from "./openai-embedder";

/**
 * Turns texts into vectors. Each embedder keeps its own Chroma collections (named after `id` and the
 * dimension), so switching embedders never mixes vectors of different models or sizes.
 */
export interface Embedder {
  /** Stable, collection-name safe once slugged; changes whenever vectors would change. */
  id: string;
  /** Known up front for local embedders; remote ones learn it from their first answer. */
  dimensions?: number;
  embed(texts: string[]): Promise<number[][]>;
}

/** The vector size of an embedder, asking it once with a probe text when it does not say. */
export async function resolveDimensions(embedder: Embedder): Promise<number> {
  if (embedder.dimensions !== undefined) return embedder.dimensions;
  const [vector] = await embedder.embed(["dimension probe"]);
  if (!vector || vector.length === 0) throw new Error(`Embedder ${embedder.id} returned an empty vector`);
  return vector.length;
}

/** EMBEDDING_MODEL set: the OpenAI-compatible endpoint of the configured LLM mode; otherwise local hashing. */
export function createDefaultEmbedder(): Embedder {
  const settings = env();
  if (!settings.EMBEDDING_MODEL) return new HashedEmbedder();
  const endpoint = {
    openai: { baseURL: settings.OPENAI_BASE_URL, apiKey: settings.OPENAI_API_KEY },
    deepseek: { baseURL: settings.DEEPSEEK_BASE_URL, apiKey: settings.DEEPSEEK_API_KEY },
    litellm: { baseURL: settings.LITELLM_URL, apiKey: settings.LITELLM_API_KEY },
    local: { baseURL: settings.LOCAL_LLM_URL, apiKey: undefined },
  }[settings.LLM_MODE];
  return new OpenAIEmbedder({
    model: settings.EMBEDDING_MODEL,
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey ?? "not-needed",
    timeoutMs: settings.LLM_TIMEOUT * 1000,
    maxRetries: settings.LLM_MAX_RETRIES,
  });
}
