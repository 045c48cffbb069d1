import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

/**
 * One QueryClient setup for the browser and for server components: what a server component prefetches is
 * dehydrated with superjson (dates stay dates) and hydrated by HydrateClient (server/api/rsc.tsx).
 */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 15_000, retry: (count, error) => count < 2 && !/UNAUTHORIZED|NOT_FOUND|FORBIDDEN/.test(String((error as { data?: { code?: string } }).data?.code)) },
      // Only answers go to the browser: a prefetch that failed is fetched again there and shows its error as before.
      dehydrate: { serializeData: superjson.serialize, shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
