import { AppError } from "@/server/errors";
import type { CollectionCache } from "./collections";

export interface RecalledMemory {
  id: string;
  runId: string;
  task: string;
  summary: string;
  /** Cosine similarity, 1 is identical. */
  score: number;
}

export interface StoredMemory {
  id: string;
  runId: string;
  task: string;
  summary: string;
  createdAt: Date;
}

export interface RememberRunInput {
  projectId: string;
  runId: string;
  task: string;
  plan: unknown;
  diffSummary: string;
}

const MAX_TASK_CHARS = 2000;
const MAX_SUMMARY_CHARS = 4000;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The readable gist of a plan: step titles or descriptions when it has them, compact JSON otherwise. */
export function describePlan(plan: unknown): string {
  if (plan === null || plan === undefined) return "";
  if (typeof plan === "string") return plan;
  const steps = (plan as { steps?: unknown }).steps;
  if (Array.isArray(steps)) {
    return steps
      .map((step, index) => {
        if (typeof step === "string") return `${index + 1}. ${step}`;
        const record = (step ?? {}) as Record<string, unknown>;
        const label = [record.title, record.description, record.name, record.file].find((value) => typeof value === "string");
        return `${index + 1}. ${typeof label === "string" ? label : JSON.stringify(step)}`;
      })
      .join("\n");
  }
  return JSON.stringify(plan);
}

export function summarizeRun(input: Pick<RememberRunInput, "plan" | "diffSummary">): string {
  const plan = describePlan(input.plan);
  return truncate([plan && `Plan:\n${plan}`, input.diffSummary && `Changes:\n${input.diffSummary}`].filter(Boolean).join("\n\n"), MAX_SUMMARY_CHARS);
}

function memoryId(runId: string): string {
  return `run-${runId}`;
}

/**
 * What past verified runs of a project did, for recall by similar tasks. One collection per project and a
 * projectId filter on every read: one project's memory never reaches another's.
 */
export class RunMemory {
  constructor(private readonly collections: CollectionCache) {}

  /** Call on a verified PASS only; remembering the same run again replaces it. */
  async rememberRun(input: RememberRunInput): Promise<void> {
    const task = truncate(input.task.trim(), MAX_TASK_CHARS);
    const summary = summarizeRun(input);
    const collection = await this.collections.get("mem", input.projectId);
    const [embedding] = await this.collections.embedder.embed([`${task}\n\n${summary}`]);
    if (!embedding) throw new AppError("INTERNAL", "Embedder returned no vector for a run memory");
    await collection.upsert({
      ids: [memoryId(input.runId)],
      embeddings: [embedding],
      documents: [summary],
      metadatas: [{ projectId: input.projectId, runId: input.runId, task, createdAt: Date.now() }],
    });
  }

  async recallSimilar(input: { projectId: string; query: string; k: number }): Promise<RecalledMemory[]> {
    const k = Math.max(0, Math.min(50, Math.floor(input.k)));
    const result = await this.collections.nearest("mem", input.projectId, input.query, k);
    if (!result) return [];
    return result.ids.flatMap((id, i) => {
      const metadata = result.metadatas[i];
      const distance = result.distances[i];
      // A second wall between projects, behind the per-project collection.
      if (!metadata || metadata.projectId !== input.projectId) return [];
      return [
        {
          id,
          runId: String(metadata.runId),
          task: String(metadata.task),
          summary: result.documents[i] ?? "",
          score: typeof distance === "number" ? 1 - distance : 0,
        },
      ];
    });
  }

  async listMemories(input: { projectId: string }): Promise<StoredMemory[]> {
    const collection = await this.collections.get("mem", input.projectId);
    const result = await collection.get({ where: { projectId: input.projectId }, include: ["documents", "metadatas"] });
    return result.ids
      .flatMap((id, i) => {
        const metadata = result.metadatas[i];
        if (!metadata) return [];
        return [
          {
            id,
            runId: String(metadata.runId),
            task: String(metadata.task),
            summary: result.documents[i] ?? "",
            createdAt: new Date(Number(metadata.createdAt)),
          },
        ];
      })
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  async deleteMemory(input: { projectId: string; memoryId: string }): Promise<void> {
    const collection = await this.collections.get("mem", input.projectId);
    // Only a memory of this very project may be deleted through it.
    const found = await collection.get({ ids: [input.memoryId], where: { projectId: input.projectId }, include: [] });
    if (found.ids.length === 0) {
      throw new AppError("NOT_FOUND", `Memory ${input.memoryId} not found in project ${input.projectId}`, {
        userMessage: "That memory does not exist in this project (it may already be deleted).",
      });
    }
    await collection.delete({ ids: [input.memoryId] });
  }
}
