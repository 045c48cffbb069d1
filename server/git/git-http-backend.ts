import { spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isolatedHome } from "./run-git";

/** Where the web app serves project repositories to its workers; never routed to Next.js. */
export const GIT_ENDPOINT_PREFIX = "/internal/git/";

export function isGitRequest(url: string | undefined): boolean {
  return url?.startsWith(GIT_ENDPOINT_PREFIX) === true;
}

/** Git's own URL suffixes of the smart HTTP protocol; nothing else (no dumb-protocol file reads) is served. */
const SMART_PATH = /^\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Constant-time comparison of the presented secret; hashing first makes the lengths equal. */
export function secretMatches(presented: string | undefined, secret: string): boolean {
  if (!presented) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

/** The bearer value of an Authorization header, or the password of a Basic one (git's own credential form). */
function presentedSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}

export type GitHttpOptions = {
  /** WORKER_SECRET; unset turns the endpoint off (every request is 404). */
  secret: string | undefined;
  /** The repository of a project, or null when there is no such project (or it has no repository). */
  resolveRepository(projectId: string): Promise<string | null>;
};

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...(status === 401 ? { "WWW-Authenticate": 'Bearer realm="autocode-workers"' } : {}) });
  res.end(`${message}\n`);
}

/**
 * Serves `/internal/git/<projectId>/...` over git's smart HTTP protocol by running `git http-backend` as a
 * CGI. Only WORKER_SECRET opens it: user sessions and API tokens are never looked at here.
 */
export function createGitHttpHandler(options: GitHttpOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // No secret configured: the endpoint does not exist, rather than existing without a lock.
      if (!options.secret) return refuse(res, 404, "Not found.");
      if (!secretMatches(presentedSecret(req.headers.authorization), options.secret)) return refuse(res, 401, "A worker secret is required.");
      const url = new URL(req.url ?? "/", "http://internal");
      const rest = url.pathname.slice(GIT_ENDPOINT_PREFIX.length);
      const slash = rest.indexOf("/");
      const projectId = slash < 0 ? rest : rest.slice(0, slash);
      const gitPath = slash < 0 ? "" : rest.slice(slash);
      if (!PROJECT_ID.test(projectId) || !SMART_PATH.test(gitPath)) return refuse(res, 404, "Not found.");
      const repoPath = await options.resolveRepository(projectId);
      if (!repoPath) return refuse(res, 404, `No project ${projectId}.`);
      await runBackend(req, res, repoPath, gitPath, url.search.replace(/^\?/, ""));
    } catch (error) {
      console.error("[git-http] request failed:", error);
      if (!res.headersSent) refuse(res, 500, "The git endpoint failed.");
      else res.destroy();
    }
  };
}

/** Refs a worker may create or move: its runs' branches, nothing else. */
export const WORKER_PUSH_REFS = "refs/heads/autocode/run-";

let pushHooks: string | undefined;
/**
 * Our own pre-receive hook (never the repository's): it refuses every ref update outside refs/heads/autocode/run-*,
 * so a leaked WORKER_SECRET cannot move main or a user's branch, or plant tags; one such ref refuses the whole push.
 */
function pushHooksDir(): string {
  if (pushHooks) return pushHooks;
  const dir = mkdtempSync(path.join(os.tmpdir(), "autocode-git-hooks-"));
  const script = ["#!/bin/sh", "while read old new ref; do", `  case "$ref" in`, `    ${WORKER_PUSH_REFS}*) ;;`, `    *) echo "refused: workers push only ${WORKER_PUSH_REFS}* branches, not $ref" >&2; exit 1 ;;`, "  esac", "done", ""].join("\n");
  writeFileSync(path.join(dir, "pre-receive"), script, { mode: 0o755 });
  return (pushHooks = dir);
}

function runBackend(req: IncomingMessage, res: ServerResponse, repoPath: string, gitPath: string, query: string): Promise<void> {
  const config: [string, string][] = [
    // No hook of the repository runs; only ours, which limits pushes to run branches.
    ["core.hooksPath", pushHooksDir()],
    ["http.receivepack", "true"],
    ["http.uploadpack", "true"],
    // A follow-up run fetches its previous turn's last commit by id; only commits reachable from a ref are served.
    ["uploadpack.allowReachableSHA1InWant", "true"],
    // Workers only add commits to run branches: history on the web side is never rewritten or deleted.
    ["receive.denyNonFastForwards", "true"],
    ["receive.denyDeletes", "true"],
    ["receive.denyCurrentBranch", "refuse"],
    ["gc.auto", "0"],
  ];
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: isolatedHome(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])),
    GIT_PROJECT_ROOT: path.dirname(repoPath),
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${path.basename(repoPath)}${gitPath}`,
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: "autocode-worker",
    REMOTE_ADDR: req.socket.remoteAddress ?? "",
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
    ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["http-backend"], { env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined); // the backend may answer (e.g. an error) before reading the body
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n") >= 0 ? head.indexOf("\r\n\r\n") : head.indexOf("\n\n");
      if (end < 0) return;
      const separator = head[end] === 0x0d ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      headersDone = true;
      res.writeHead(status, headers);
      res.write(head.subarray(end + separator));
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!headersDone) {
        if (stderr) console.error(`[git-http] git http-backend (exit ${code}): ${stderr.trim()}`);
        refuse(res, 500, "The git endpoint failed.");
      } else res.end();
      resolve();
    });
  });
}
