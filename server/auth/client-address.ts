import { BlockList, isIP } from "node:net";

/** Set by server.ts on every request (any incoming value is overwritten): the address sign-in limits count. */
export const CLIENT_ADDRESS_HEADER = "x-autocode-client-address";

const bare = (address: string) => address.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1").replace(/^\[|\]$/g, "");

/** TRUST_PROXY: comma-separated proxy addresses or CIDR subnets; undefined when an entry is not one. */
export function parseTrustedProxies(value: string): BlockList | undefined {
  const list = new BlockList();
  for (const entry of value.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split("/");
    const type = isIP(address ?? "");
    if (!address || type === 0) return undefined;
    const family = type === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, family);
    else if (/^\d+$/.test(prefix) && Number(prefix) <= (type === 4 ? 32 : 128)) list.addSubnet(address, Number(prefix), family);
    else return undefined;
  }
  return list;
}

function isTrusted(address: string, trusted: BlockList): boolean {
  const type = isIP(address);
  return type !== 0 && trusted.check(address, type === 4 ? "ipv4" : "ipv6");
}

/**
 * The client's address: the socket's peer, unless that peer is a configured proxy, in which case
 * X-Forwarded-For is read from the right, skipping trusted proxies. The left-most entries are whatever the
 * client chose to send, so they are never believed (a rotating header must not buy fresh limits).
 */
export function clientAddress(options: { remoteAddress: string | undefined; forwardedFor: string | string[] | undefined; trusted: BlockList }): string {
  let current = bare(options.remoteAddress ?? "unknown");
  const forwarded = [options.forwardedFor ?? []].flat().join(",").split(",").map(bare).filter(Boolean);
  while (isTrusted(current, options.trusted) && forwarded.length > 0) current = forwarded.pop()!;
  return current;
}
