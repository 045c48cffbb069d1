import { describe, expect, it, vi } from "vitest";

// The route's session lookup is Auth.js (which needs Next's runtime); nobody is signed in here.
vi.mock("@/server/auth/auth", () => ({ currentUserId: async () => null }));

describe("tRPC batches are bounded", () => {
  it("refuses a batch of more than 50 calls in one request, before running any", async () => {
    const { GET } = await import("@/app/api/trpc/[trpc]/route");
    const batch = (n: number) => {
      const paths = Array.from({ length: n }, () => "viewer.me").join(",");
      const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))));
      return GET(new Request(`http://localhost/api/trpc/${paths}?batch=1&input=${input}`));
    };
    const big = await batch(200);
    expect(big.status).toBe(400);
    expect(await big.text()).toMatch(/Batch call exceeds maximum size/);
    // Fifty is allowed (each call then answers for itself: unauthenticated here).
    const fine = await batch(50);
    expect(fine.status).toBe(401);
  });
});
