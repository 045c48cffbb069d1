import { z } from "zod";
import { encryptSecret } from "@/server/auth/secrets";
import type { Db } from "@/server/db/client";
import { env, LLM_MODES } from "@/server/env";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { checkUserModelEndpoint } from "@/server/network/outbound-address";
import { AGENT_ROLES, type AgentRole } from "@/server/llm/types";

const ZModelName = z.string().trim().max(200, "Use at most 200 characters for a model name.");

export const ZUpdateModelSettings = z.object({
  /** null: use the server's LLM_MODE. */
  mode: z.enum(LLM_MODES).nullable(),
  baseUrl: z
    .string()
    .trim()
    .max(2048)
    .refine((value) => value === "" || /^https?:\/\/[^\s]+$/.test(value), "Enter an http:// or https:// URL, or leave it empty.")
    .transform((value) => value || null),
  /** Empty names fall back to the server's model for that agent. */
  models: z.partialRecord(z.enum(AGENT_ROLES), ZModelName),
  apiKey: z.discriminatedUnion("action", [
    z.object({ action: z.literal("keep") }),
    z.object({ action: z.literal("remove") }),
    z.object({ action: z.literal("replace"), value: z.string().trim().min(1, "Enter the new API key.").max(4096) }),
  ]),
});
export type TUpdateModelSettings = z.output<typeof ZUpdateModelSettings>;

export const ZModelSettingsDto = z.object({
  mode: z.enum(LLM_MODES).nullable(),
  baseUrl: z.string().nullable(),
  models: z.record(z.string(), z.string()),
  /** Whether a key is stored; the key itself never leaves the server. */
  hasApiKey: z.boolean(),
  updatedAt: z.date().nullable(),
  /** What applies where the user sets nothing (the server's settings), for placeholders. */
  serverDefaults: z.object({ mode: z.enum(LLM_MODES), models: z.record(z.string(), z.string()) }),
});
export type TModelSettingsDto = z.infer<typeof ZModelSettingsDto>;

function cleanModels(models: unknown): Record<string, string> {
  if (!models || typeof models !== "object") return {};
  return Object.fromEntries(Object.entries(models).filter((entry): entry is [AgentRole, string] => AGENT_ROLES.includes(entry[0] as AgentRole) && typeof entry[1] === "string" && entry[1] !== ""));
}

export async function getModelSettings(options: { db: Db; userId: string }): Promise<TModelSettingsDto> {
  const row = await options.db.userModelSettings.findUnique({ where: { userId: options.userId } });
  return {
    mode: (row?.mode ?? null) as TModelSettingsDto["mode"],
    baseUrl: row?.baseUrl ?? null,
    models: cleanModels(row?.models),
    hasApiKey: Boolean(row?.apiKeyCipher),
    updatedAt: row?.updatedAt ?? null,
    serverDefaults: (({ mode, models }) => ({ mode, models }))(resolveModelSettings(env())),
  };
}

/**
 * Saves the user's model settings in the shape execute-run reads; a new key is encrypted before it is
 * stored. Takes input already parsed with ZUpdateModelSettings (the router does).
 */
export async function updateModelSettings(options: { db: Db; userId: string; input: TUpdateModelSettings }): Promise<TModelSettingsDto> {
  const { input } = options;
  if (input.baseUrl) await checkUserModelEndpoint({ baseUrl: input.baseUrl, allowPrivate: env().ALLOW_PRIVATE_ADDRESSES, allowUnresolved: true });
  const apiKeyCipher = input.apiKey.action === "replace" ? encryptSecret(input.apiKey.value) : input.apiKey.action === "remove" ? null : undefined;
  const data = { mode: input.mode, baseUrl: input.baseUrl, models: cleanModels(input.models), ...(apiKeyCipher !== undefined ? { apiKeyCipher } : {}) };
  await options.db.userModelSettings.upsert({
    where: { userId: options.userId },
    create: { userId: options.userId, ...data, apiKeyCipher: apiKeyCipher ?? null },
    update: data,
  });
  return getModelSettings(options);
}
