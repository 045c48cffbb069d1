import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import http from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { initRepository } from "@/server/git/init-repository";
import { blockedAddressKind } from "@/server/network/outbound-address";

let dir: string;
const sh = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" }).trim();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "clone-hardening-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A TCP listener that counts connections: an SSRF attempt must leave it at zero. */
async function listener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("imports refuse addresses only the server can reach", () => {
  let target: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    target = await listener();
  });
  afterAll(async () => {
    await target.close();
  });

  it.each([
    (port: number) => `http://127.0.0.1:${port}/x.git`,
    (port: number) => `http://localhost:${port}/x.git`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/x.git`,
    (port: number) => `https://127.1:${port}/x.git`,
    (port: number) => `git://127.0.0.1:${port}/x`,
    (port: number) => `ssh://git@127.0.0.1:${port}/x.git`,
    () => "git@127.0.0.1:x.git",
  ])("refuses %s with a message naming the setting, and never connects", async (url) => {
    const error = await initRepository({ path: path.join(dir, "ssrf"), source: { kind: "url", url: url(target.port) }, allowPrivate: false }).catch((e: unknown) => e);
    expect(AppError.is(error, "BAD_REQUEST")).toBe(true);
    expect((error as AppError).message).toMatch(/loopback address.*ALLOW_PRIVATE_ADDRESSES=true/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(target.connections()).toBe(0);
    await expect(readdir(path.join(dir, "ssrf"))).rejects.toThrow();
  });

  it("judges private, link-local, mapped and NAT64 addresses as blocked and public ones as fine", () => {
    for (const address of ["10.1.2.3", "172.17.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "::ffff:7f00:1", "64:ff9b::a9fe:a9fe"]) {
      expect({ address, kind: blockedAddressKind(address) }).toEqual({ address, kind: expect.any(String) });
    }
    for (const address of ["8.8.8.8", "140.82.112.3", "2606:4700::1111"]) expect(blockedAddressKind(address)).toBeUndefined();
  });
});

describe("clones run without the operator's credentials", () => {
  const savedHome = process.env.HOME;
  afterEach(() => {
    process.env.HOME = savedHome;
  });

  it("sends no credentials from the operator's ~/.netrc, and never prompts", async () => {
    const home = path.join(dir, "operator-home");
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, ".netrc"), "machine 127.0.0.1 login operator password hunter2\n", { mode: 0o600 });
    await writeFile(path.join(home, ".git-credentials"), "http://operator:hunter2@127.0.0.1\n", { mode: 0o600 });
    process.env.HOME = home;
    const authorizations: string[] = [];
    const server = http.createServer((request, response) => {
      if (request.headers.authorization) authorizations.push(request.headers.authorization);
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.git`;
      const error = await initRepository({ path: path.join(dir, "auth"), source: { kind: "url", url }, allowPrivate: true, timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(AppError.is(error, "UNAVAILABLE")).toBe(true);
      expect(authorizations).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe("a repository's size and file count are bounded before anything is checked out", () => {
  let source: string;
  beforeAll(async () => {
    source = path.join(dir, "big-source");
    await mkdir(source, { recursive: true });
    sh(source, "init", "-q", "-b", "main");
    for (let i = 0; i < 30; i++) await writeFile(path.join(source, `f${i}.py`), `X = ${i}\n`);
    // Compresses to almost nothing in the pack, but a checkout would write 8 MB.
    await writeFile(path.join(source, "zeros.bin"), Buffer.alloc(8 * 1024 * 1024));
    sh(source, "add", ".");
    sh(source, "commit", "-qm", "big");
  });

  it("refuses more files than REPO_MAX_FILES and leaves nothing behind", async () => {
    const target = path.join(dir, "too-many");
    const error = await initRepository({ path: target, source: { kind: "local", path: source }, limits: { maxFiles: 10, maxBytes: 1e9 } }).catch((e: unknown) => e);
    expect(AppError.is(error, "BAD_REQUEST")).toBe(true);
    expect((error as AppError).message).toMatch(/31 files; this server accepts at most 10 \(REPO_MAX_FILES\)/);
    await expect(readdir(target)).rejects.toThrow();
  });

  it("refuses a tree larger than REPO_MAX_MB before its files are written", async () => {
    const error = await initRepository({ path: path.join(dir, "too-big"), source: { kind: "local", path: source }, limits: { maxFiles: 1000, maxBytes: 1024 * 1024 } }).catch((e: unknown) => e);
    expect((error as AppError).message).toMatch(/take 9 MB; this server accepts at most 1 MB \(REPO_MAX_MB\)/);
  });

  it("accepts a repository within the limits", async () => {
    const made = await initRepository({ path: path.join(dir, "fine"), source: { kind: "local", path: source }, limits: { maxFiles: 1000, maxBytes: 100 * 1024 * 1024 } });
    expect((await readdir(made.path)).filter((f) => f.endsWith(".py"))).toHaveLength(30);
  });
});
