import type { Embedder } from "./embedder";

/**
 * Inverse-document-frequency prior: tokens that occur in nearly every file of any language (English function
 * words, keywords of the indexed languages) carry almost no signal, so they get a small weight. A fixed prior
 * rather than corpus statistics keeps vectors stable across restarts and comparable between projects.
 */
const COMMON_TOKENS = new Set(
  (
    "a an the and or not of to in on at by for from with as is are was were be been being it its this that these " +
    "those if else elif then than so do does did done can could should would will shall may might must has have had " +
    "we you he she they i me my our your their them us all any some no yes one two into out up down over under " +
    "def class return import self cls none true false null undefined void new let const var function async await " +
    "export default public private protected static final package func fn pub mut impl use mod struct enum type " +
    "interface extends implements try catch except finally raise throw throws while for break continue pass lambda " +
    "yield with del global nonlocal assert string int str bool float double char long byte object args kwargs " +
    "get set value values key keys item items data result results x y n s t e f k v"
  ).split(/\s+/),
);

const COMMON_WEIGHT = 0.15;
const BIGRAM_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.25;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/** Splits `parseHTTPResponse_v2` into `parse http response v 2`, lowercased. */
export function splitIdentifier(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([A-Za-z])([0-9])/g, "$1 $2")
    .split(/[\s_]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.toLowerCase());
}

/** 32-bit FNV-1a; deterministic across processes and versions, unlike any runtime hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Features of a text with their counts and prior weights: word unigrams, identifiers, bigrams, trigrams. */
export function extractFeatures(text: string): Map<string, { count: number; weight: number }> {
  const features = new Map<string, { count: number; weight: number }>();
  const add = (feature: string, weight: number) => {
    const existing = features.get(feature);
    if (existing) existing.count += 1;
    else features.set(feature, { count: 1, weight });
  };
  let previous: string | undefined;
  for (const match of text.matchAll(IDENTIFIER)) {
    const identifier = match[0];
    const parts = splitIdentifier(identifier);
    if (parts.length > 1) add(`i:${identifier.toLowerCase()}`, 1);
    for (const part of parts) {
      const common = COMMON_TOKENS.has(part);
      add(`w:${part}`, common ? COMMON_WEIGHT : 1);
      if (previous !== undefined && !common) add(`b:${previous} ${part}`, BIGRAM_WEIGHT);
      if (!common) previous = part;
      if (!common && part.length > 4) {
        // Trigrams let "parser" meet "parse" and "parsing" without a stemmer.
        for (let i = 0; i + 3 <= part.length; i++) add(`c:${part.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
      }
    }
  }
  return features;
}

export interface HashedEmbedderOptions {
  dimensions?: number;
}

/**
 * Local embedder that downloads nothing: weighted n-gram features, sublinear term frequency, feature hashing
 * with a sign bit (so collisions cancel instead of pile up) into a fixed dimension, L2-normalised.
 */
export class HashedEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(options: HashedEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 768;
    // Bump the version whenever features or weights change: stored vectors would no longer match new queries.
    this.id = `hash-v1`;
  }

  embedOne(text: string): number[] {
    const vector = new Float64Array(this.dimensions);
    for (const [feature, { count, weight }] of extractFeatures(text)) {
      const hash = fnv1a(feature);
      const index = hash % this.dimensions;
      const sign = (Math.imul(hash, 0x9e3779b1) >>> 31) === 0 ? 1 : -1;
      vector[index] = (vector[index] ?? 0) + sign * weight * (1 + Math.log(count));
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    if (norm === 0) {
      // Chroma's cosine distance is undefined for a zero vector; an empty text gets a fixed unit vector.
      vector[0] = 1;
      norm = 1;
    }
    const scale = 1 / Math.sqrt(norm);
    return Array.from(vector, (value) => value * scale);
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }
}
