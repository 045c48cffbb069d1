import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import os from "node:os";
import { AppError } from "@/server/errors";
import { getDocker } from "@/server/sandbox/docker-client";

/**
 * Where the server may connect on a user's behalf (imports, clones, the user's own model endpoint). A user
 * who names a URL must not reach what only the server can reach: its own loopback, the private network it
 * sits on, cloud metadata (link-local), the Docker host's gateway, or the server's own interfaces.
 */
const blocked = new BlockList();
const RANGES: [string, number, "ipv4" | "ipv6", string][] = [
  ["0.0.0.0", 8, "ipv4", "a reserved"],
  ["10.0.0.0", 8, "ipv4", "a private"],
  ["100.64.0.0", 10, "ipv4", "a carrier-grade NAT (private)"],
  ["127.0.0.0", 8, "ipv4", "a loopback"],
  ["169.254.0.0", 16, "ipv4", "a link-local"],
  ["172.16.0.0", 12, "ipv4", "a private (Docker's default)"],
  ["192.0.0.0", 24, "ipv4", "a reserved"],
  ["192.168.0.0", 16, "ipv4", "a private"],
  ["198.18.0.0", 15, "ipv4", "a reserved"],
  ["224.0.0.0", 3, "ipv4", "a multicast or reserved"],
  ["::", 128, "ipv6", "an unspecified"],
  ["::1", 128, "ipv6", "a loopback"],
  ["fc00::", 7, "ipv6", "a private"],
  ["fe80::", 10, "ipv6", "a link-local"],
  ["ff00::", 8, "ipv6", "a multicast"],
];
for (const [network, prefix, type] of RANGES) blocked.addSubnet(network, prefix, type);

/** IPv4 written inside IPv6 (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96) is judged as the IPv4 it carries. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

type HostResolver = (host: string) => Promise<string[]>;
const systemResolver: HostResolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
let resolveHost = systemResolver;

/** Tests stand in a DNS server (e.g. one that answers differently the second time); no argument restores the system's. */
export function setHostResolverForTests(resolver?: HostResolver): void {
  resolveHost = resolver ?? systemResolver;
}

const extraBlocked = new Map<string, string>();

/** Addresses the server itself answers on (its interfaces) and Docker networks' gateways, refused like private ones. */
export function blockAddresses(addresses: Iterable<string>, kind: string): void {
  for (const address of addresses) if (isIP(address)) extraBlocked.set(address.toLowerCase(), kind);
}

const dockerNetworks = new BlockList();
let learned: Promise<void> | undefined;

/** Docker's networks (their gateway is the host as a container sees it): refused even where they look public. */
function learnDockerNetworks(): Promise<void> {
  learned ??= (async () => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000).unref());
    const networks = await Promise.race([getDocker().listNetworks(), timeout]);
    for (const config of networks.flatMap((network) => network.IPAM?.Config ?? [])) {
      const [base, prefix] = (config.Subnet ?? "").split("/");
      if (base && prefix && isIP(base)) dockerNetworks.addSubnet(base, Number(prefix), isIP(base) === 4 ? "ipv4" : "ipv6");
      if (config.Gateway) blockAddresses([config.Gateway], "the Docker host's gateway");
    }
  })().catch(() => {
    learned = undefined; // no engine now: ask again next time
  });
  return learned;
}

function ownInterfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address.replace(/%.*$/, "")));
}

/** Why the address may not be reached, or undefined when it is a public address. */
export function blockedAddressKind(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const v4 = embeddedIpv4(bare);
  if (v4) return blockedAddressKind(v4);
  const type = isIP(bare);
  if (type === 0) return "an invalid";
  if (blocked.check(bare, type === 4 ? "ipv4" : "ipv6")) {
    const range = RANGES.find(([network, prefix, family]) => family === (type === 4 ? "ipv4" : "ipv6") && subnetHas(network, prefix, family, bare));
    return range?.[3] ?? "a private";
  }
  const extra = extraBlocked.get(bare.toLowerCase());
  if (extra) return extra;
  if (dockerNetworks.check(bare, type === 4 ? "ipv4" : "ipv6")) return "a Docker network's";
  if (ownInterfaceAddresses().some((own) => own.toLowerCase() === bare.toLowerCase())) return "this server's own";
  return undefined;
}

function subnetHas(network: string, prefix: number, family: "ipv4" | "ipv6", address: string): boolean {
  const one = new BlockList();
  one.addSubnet(network, prefix, family);
  return one.check(address, family);
}

export const ALLOW_PRIVATE_HINT =
  "An operator who means it (a local Ollama, a git server on the internal network) can allow such addresses with ALLOW_PRIVATE_ADDRESSES=true.";

/**
 * Resolves the host and refuses it when any address it resolves to is not public (unless allowPrivate).
 * Returns the addresses, so the caller can connect to exactly the address that was checked.
 */
export async function checkOutboundHost(options: {
  host: string;
  allowPrivate: boolean;
  what: string;
  /** A name that does not resolve now cannot be reached now either; a settings form may store it (checked again at use). */
  allowUnresolved?: boolean;
}): Promise<string[]> {
  const host = options.host.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolveHost(host);
    } catch {
      if (options.allowUnresolved) return [];
      throw new AppError("UNAVAILABLE", `${options.what}: could not resolve host ${host}. Check the address and that this server can reach it.`);
    }
  }
  if (options.allowPrivate) return addresses;
  await learnDockerNetworks();
  for (const address of addresses) {
    const kind = blockedAddressKind(address);
    if (kind) {
      const shown = address === host ? host : `${host} (${address})`;
      throw new AppError("BAD_REQUEST", `${options.what}: ${shown} is ${kind} address, which this server does not connect to for users. ${ALLOW_PRIVATE_HINT}`);
    }
  }
  return addresses;
}

/** Refuses a user's own model endpoint (Settings) that names an address only the server can reach. */
export async function checkUserModelEndpoint(options: { baseUrl: string; allowPrivate: boolean; allowUnresolved?: boolean }): Promise<void> {
  await checkOutboundHost({ host: new URL(options.baseUrl).hostname, allowPrivate: options.allowPrivate, allowUnresolved: options.allowUnresolved, what: `Your model endpoint ${options.baseUrl} was refused` });
}
