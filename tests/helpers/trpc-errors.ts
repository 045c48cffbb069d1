import { TRPCError } from "@trpc/server";

async function settle(promise: Promise<unknown>): Promise<TRPCError | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
}

/** The tRPC error code a call fails with, or "OK" when it succeeds. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await settle(promise))?.code ?? "OK";
}

/** The message a person would see, or "" when the call succeeds. */
export async function messageOf(promise: Promise<unknown>): Promise<string> {
  return (await settle(promise))?.message ?? "";
}
