import { env } from "@/server/env";
import { checkModelEndpoint, endpointEnvVars, type ModelEndpointStatus } from "@/server/llm/check-model-endpoint";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";

/** A failure is checked again after this long (the model may have been started since: the banner clears itself); a success rarely. */
const RECHECK_FAILED_MS = 5_000;
const RECHECK_OK_MS = 10 * 60_000;

// On globalThis: server.ts (start-up check) and Next's bundle of the routers are separate module instances.
const KEY = Symbol.for("autocode.serverModelStatus");
type Holder = { current?: ModelEndpointStatus; pending?: Promise<ModelEndpointStatus> };
const holder = ((globalThis as Record<symbol, Holder>)[KEY] ??= {});

/** The server's own model endpoint (from the environment), checked at start, then again on demand (a failure after 5 s). */
export async function serverModelStatus(options: { fresh?: boolean } = {}): Promise<ModelEndpointStatus> {
  const current = holder.current;
  const age = current ? Date.now() - current.checkedAt.getTime() : Infinity;
  if (!options.fresh && current && age < (current.ok ? RECHECK_OK_MS : RECHECK_FAILED_MS)) return current;
  holder.pending ??= checkModelEndpoint({ settings: resolveModelSettings(env()) }).then((status) => {
    holder.current = status;
    holder.pending = undefined;
    return status;
  });
  return holder.pending;
}

/** Records a result found elsewhere (a Settings "Test connection" of the server's defaults). */
export function rememberServerModelStatus(status: ModelEndpointStatus): void {
  holder.current = status;
}

/** The start-up check's log line: a warning that names what to set, or one line of good news. */
export function describeServerModelStatus(status: ModelEndpointStatus): string {
  if (status.ok) return `model endpoint ${status.baseUrl} (${status.mode}) answered with ${status.models.length} model(s) in ${status.latencyMs} ms`;
  return (
    `WARNING: the model endpoint ${status.baseUrl} (LLM_MODE=${status.mode}) is not usable: ${status.error}. ` +
    `Runs will fail until it answers. Set ${endpointEnvVars(status.mode).join(", ")} (see README, Configuration) ` +
    `or each user's endpoint under Settings > Models.`
  );
}
