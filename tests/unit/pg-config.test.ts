import { describe, expect, it } from "vitest";
import { isEmbeddedUrl, poolConfigFromUrl } from "@/server/db/pg-config";

describe("poolConfigFromUrl", () => {
  it("splits a URL into fields (so Prisma's shadow database is not the main one)", () => {
    expect(poolConfigFromUrl("postgresql://u%40x:p%3Aw@db.local:6543/app?sslmode=require", { max: 10 })).toMatchObject({
      host: "db.local",
      port: 6543,
      user: "u@x",
      password: "p:w",
      database: "app",
      ssl: { rejectUnauthorized: false },
      max: 10,
    });
  });

  it("keeps every client of the embedded database to one connection", () => {
    const url = "postgresql://postgres:postgres@127.0.0.1:54329/postgres?pglite=1";
    expect(isEmbeddedUrl(url)).toBe(true);
    expect(poolConfigFromUrl(url, { max: 10 }).max).toBe(1);
    expect(isEmbeddedUrl("postgresql://a:b@127.0.0.1/x")).toBe(false);
    expect(isEmbeddedUrl("not a url")).toBe(false);
  });

  it("refuses a URL that is not Postgres", () => {
    expect(() => poolConfigFromUrl("mysql://a:b@h/x")).toThrow(/postgres:\/\//);
  });
});
