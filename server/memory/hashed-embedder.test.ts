import { describe, expect, it } from "vitest";
import { HashedEmbedder, splitIdentifier } from "./hashed-embedder";

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

describe("HashedEmbedder", () => {
  const embedder = new HashedEmbedder({ dimensions: 512 });

  it("splits camelCase, PascalCase acronyms and snake_case identifiers", () => {
    expect(splitIdentifier("parseHTTPResponse_v2")).toEqual(["parse", "http", "response", "v", "2"]);
    expect(splitIdentifier("compute_invoice_total")).toEqual(["compute", "invoice", "total"]);
  });

  it("returns deterministic unit vectors of the declared dimension", async () => {
    const [a, b, empty] = await embedder.embed(["def verifyPassword(hash)", "def verifyPassword(hash)", ""]);
    expect(a).toHaveLength(512);
    expect(a).toEqual(b);
    expect(Math.abs(cosine(a!, a!) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(cosine(empty!, empty!) - 1)).toBeLessThan(1e-9);
  });

  it("ranks the related code above unrelated code for a natural-language query", async () => {
    const [query, related, unrelated] = await embedder.embed([
      "verify the password hash of a user",
      "def verify_password(user, password_hash):\n    return check_hash(user.password, password_hash)",
      "def render_chart(points):\n    for point in points:\n        plot(point.x, point.y)",
    ]);
    expect(cosine(query!, related!)).toBeGreaterThan(cosine(query!, unrelated!) + 0.1);
  });
});
