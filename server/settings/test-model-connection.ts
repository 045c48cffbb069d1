import { z } from "zod";
import type { Db } from "@/server/db/client";
import { env, LLM_MODES } from "@/server/env";
import { checkModelEndpoint, endpointEnvVars, type ModelEndpointStatus } from "@/server/llm/check-model-endpoint";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { rememberServerModelStatus, serverModelStatus } from "@/server/llm/server-model-status";
import { checkUserModelEndpoint } from "@/server/network/outbound-address";
import { userOverrides } from "@/server/runs/execute-run";
import { ZUpdateModelSettings } from "@/server/settings/model-settings";

export const ZTestModelConnection = ZUpdateModelSettings.pick({ mode: true, baseUrl: true }).extend({
  /** A key typed into the form and not saved yet; empty: the stored key, else the server's. */
  apiKey: z.string().trim().max(4096).optional(),
});
export type TTestModelConnection = z.output<typeof ZTestModelConnection>;

export const ZModelConnectionDto = z.object({
  ok: z.boolean(),
  mode: z.enum(LLM_MODES),
  baseUrl: z.string(),
  models: z.array(z.string()),
  /** Models the settings name (per agent) that the endpoint did not list. */
  missingModels: z.array(z.string()),
  error: z.string().nullable(),
  latencyMs: z.number().nullable(),
  /** The server's variables for this mode, for messages that say what to set. */
  envVars: z.array(z.string()),
  /** True when the user's own endpoint applies, so the server's status is not theirs to fix. */
  usesOwnEndpoint: z.boolean(),
});
export type TModelConnectionDto = z.infer<typeof ZModelConnectionDto>;

function toDto(status: ModelEndpointStatus, named: string[], usesOwnEndpoint: boolean): TModelConnectionDto {
  const models = status.ok ? status.models : [];
  return {
    ok: status.ok,
    mode: status.mode,
    baseUrl: status.baseUrl,
    models,
    missingModels: status.ok && models.length > 0 ? [...new Set(named.filter((name) => name && !models.includes(name)))] : [],
    error: status.ok ? null : status.error,
    latencyMs: status.ok ? status.latencyMs : null,
    envVars: endpointEnvVars(status.mode),
    usesOwnEndpoint,
  };
}

/** What the app banner shows: the server's endpoint status, unless this user has an endpoint of their own. */
export async function getModelStatus(options: { db: Db; userId: string }): Promise<TModelConnectionDto> {
  const overrides = await userOverrides(options.db, options.userId);
  const own = Boolean(overrides?.baseUrl || overrides?.mode);
  const settings = resolveModelSettings(env(), overrides);
  if (own) return { ok: true, mode: settings.mode, baseUrl: settings.baseUrl, models: [], missingModels: [], error: null, latencyMs: null, envVars: [], usesOwnEndpoint: true };
  return toDto(await serverModelStatus(), Object.values(settings.models), false);
}

/** Settings' "Test connection": the form's values (saved key unless a new one is typed) against the endpoint. */
export async function testModelConnection(options: { db: Db; userId: string; input: TTestModelConnection }): Promise<TModelConnectionDto> {
  const { input } = options;
  const stored = await userOverrides(options.db, options.userId);
  const settings = resolveModelSettings(env(), {
    mode: input.mode ?? undefined,
    baseUrl: input.baseUrl ?? undefined,
    apiKey: input.apiKey || stored?.apiKey,
    models: stored?.models,
  });
  // The same guard as saving: a user's URL must not become a probe of the server's private network.
  if (input.baseUrl) await checkUserModelEndpoint({ baseUrl: input.baseUrl, allowPrivate: env().ALLOW_PRIVATE_ADDRESSES, allowUnresolved: true });
  const status = await checkModelEndpoint({ settings });
  const serverDefaults = !input.baseUrl && !input.mode && !input.apiKey && !stored?.apiKey;
  if (serverDefaults) rememberServerModelStatus(status);
  return toDto(status, Object.values(settings.models), Boolean(input.baseUrl || input.mode));
}
