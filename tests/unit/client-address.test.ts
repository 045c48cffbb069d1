import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxies } from "@/server/auth/client-address";
import { parseEnv } from "@/server/env";

const none = parseTrustedProxies("")!;

describe("the client address sign-in limits count", () => {
  it("ignores X-Forwarded-For unless the peer is a configured proxy (a rotating header buys nothing)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(clientAddress({ remoteAddress: "203.0.113.9", forwardedFor: `10.0.0.${i}`, trusted: none }));
    expect([...seen]).toEqual(["203.0.113.9"]);
  });

  it("behind a trusted proxy reads the header from the right and never believes the client's own entries", () => {
    const trusted = parseTrustedProxies("127.0.0.1, 10.0.0.0/8")!;
    // client -> 10.1.1.1 (trusted LB) -> 127.0.0.1 (trusted nginx) -> app; "6.6.6.6" is what the client wrote.
    expect(clientAddress({ remoteAddress: "::ffff:127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.7, 10.1.1.1", trusted })).toBe("198.51.100.7");
    expect(clientAddress({ remoteAddress: "127.0.0.1", forwardedFor: ["6.6.6.6", "198.51.100.8"], trusted })).toBe("198.51.100.8");
    expect(clientAddress({ remoteAddress: "127.0.0.1", forwardedFor: undefined, trusted })).toBe("127.0.0.1");
    expect(clientAddress({ remoteAddress: "192.0.2.1", forwardedFor: "6.6.6.6", trusted })).toBe("192.0.2.1");
  });

  it("refuses a TRUST_PROXY that is not addresses or subnets, naming the setting", () => {
    expect(() => parseEnv({ TRUST_PROXY: "true" })).toThrow(/TRUST_PROXY/);
    expect(() => parseEnv({ TRUST_PROXY: "10.0.0.0/40" })).toThrow(/TRUST_PROXY/);
    expect(parseEnv({ TRUST_PROXY: "127.0.0.1,::1,10.0.0.0/8" }).TRUST_PROXY).toBe("127.0.0.1,::1,10.0.0.0/8");
  });
});
