import { checkOutboundHost } from "@/server/network/outbound-address";
import { createPinnedFetch } from "@/server/network/pin-address";
import type { ModelSettings } from "@/server/llm/resolve-model-settings";

/**
 * The fetch the openai client uses for this endpoint. A user's own URL goes through the outbound check at every new
 * connection and connects to the address checked (a name that rebinds to the server's network between the check
 * and the connection is refused); the operator's endpoint uses the platform's fetch.
 */
export function modelEndpointFetch(settings: Pick<ModelSettings, "baseUrl" | "userEndpoint">): typeof fetch | undefined {
  const policy = settings.userEndpoint;
  if (!policy) return undefined;
  return createPinnedFetch(async (host) => {
    const [address] = await checkOutboundHost({ host, allowPrivate: policy.allowPrivate, what: `Your model endpoint ${settings.baseUrl} was refused` });
    if (!address) throw new Error(`${host} resolved to no address`);
    return address;
  });
}
