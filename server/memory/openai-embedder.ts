import OpenAI from "openai";
import { AppError } from "@/server/errors";
import type { Embedder } from "./embedder";

export interface OpenAIEmbedderOptions {
  model: string;
  baseURL: string;
  apiKey: string;
  /** Ask the endpoint for this size (text-embedding-3 supports it); otherwise learned from the first answer. */
  dimensions?: number;
  batchSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
}

/** Any OpenAI-compatible /embeddings endpoint (OpenAI, LiteLLM, Ollama, vLLM). Self-contained on purpose. */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  dimensions?: number;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly requestedDimensions?: number;
  private readonly batchSize: number;

  constructor(options: OpenAIEmbedderOptions) {
    this.model = options.model;
    this.id = `openai-${options.model}`;
    this.requestedDimensions = options.dimensions;
    this.dimensions = options.dimensions;
    this.batchSize = options.batchSize ?? 64;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize).map((text) => (text.trim() === "" ? " " : text));
      let response: OpenAI.CreateEmbeddingResponse;
      try {
        response = await this.client.embeddings.create({
          model: this.model,
          input: batch,
          // float, not the client's default base64: several compatible servers only speak float.
          encoding_format: "float",
          ...(this.requestedDimensions === undefined ? {} : { dimensions: this.requestedDimensions }),
        });
      } catch (error) {
        throw new AppError("UNAVAILABLE", `Embedding request to model ${this.model} failed: ${String(error)}`, {
          cause: error,
          userMessage: `The embeddings endpoint for model "${this.model}" did not answer. Check EMBEDDING_MODEL and the LLM endpoint settings.`,
        });
      }
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length) {
        throw new AppError("INTERNAL", `Embedding endpoint returned ${ordered.length} vectors for ${batch.length} inputs`);
      }
      for (const item of ordered) {
        const vector = item.embedding;
        this.dimensions ??= vector.length;
        if (vector.length !== this.dimensions) {
          throw new AppError("INTERNAL", `Embedding size changed from ${this.dimensions} to ${vector.length}`);
        }
        vectors.push(vector);
      }
    }
    return vectors;
  }
}
