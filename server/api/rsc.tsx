/**
 * tRPC for server components, the create-t3-app way: a per-request QueryClient and context, an options proxy
 * that calls the router directly (no HTTP hop), and HydrateClient to hand what was prefetched to the client
 * components, which then render with data on the first paint instead of fetching after hydration.
 */
import "server-only";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache, type ReactNode } from "react";
import { makeQueryClient } from "@/components/providers/query-client";
import { currentUserId } from "@/server/auth/auth";
import { appRouter } from "./root";
import { createContext } from "./trpc";

const createRscContext = cache(async () => createContext({ headers: new Headers(await headers()), sessionUserId: currentUserId }));

export const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy({ ctx: createRscContext, router: appRouter, queryClient: getQueryClient });

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

/**
 * Awaits the prefetch of a page's main record (`getQueryClient().fetchQuery(...)`): a record that is missing or
 * not the viewer's renders the segment's not-found page, so client components can read it with suspense and
 * never see it absent. Other failures reach the segment's error boundary.
 */
export async function orNotFound<T>(prefetch: Promise<T>): Promise<T> {
  return prefetch.catch((error: unknown) => {
    if (error instanceof TRPCError && ["NOT_FOUND", "FORBIDDEN", "BAD_REQUEST"].includes(error.code)) notFound();
    throw error;
  });
}
