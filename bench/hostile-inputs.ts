/**
 * reliability.hostile_inputs: replays the inputs of the outside attack (issue 15) against the real services on a
 * throwaway database and counts how many were tried and how many held (refused, or stored intact, as the
 * issue demands). Goal: all of them. A case that fails is named on stderr.
 *
 * Run alone: npx tsx bench/hostile-inputs.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startBenchDatabase } from "@/bench/lib/bench-database";
import { runStandalone } from "@/bench/lib/standalone";
import { validatePlan } from "@/server/agents/plan";
import { clientAddress, parseTrustedProxies } from "@/server/auth/client-address";
import { signUp } from "@/server/auth/credentials";
import { signInWithPassword } from "@/server/auth/sign-in";
import { createDb, type Db } from "@/server/db/client";
import { applyEdits } from "@/server/editing/apply-edits";
import { resetEnvForTests } from "@/server/env";
import { AppError } from "@/server/errors";
import { initRepository } from "@/server/git/init-repository";
import { CollectionCache } from "@/server/memory/collections";
import { HashedEmbedder } from "@/server/memory/hashed-embedder";
import { readSourceFile } from "@/server/memory/list-source-files";
import { RepositoryIndex } from "@/server/memory/repository-index";
import { checkOutboundHost, checkUserModelEndpoint } from "@/server/network/outbound-address";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { removeMember } from "@/server/projects/project-members";
import { appendRunEvent } from "@/server/runs/run-events";
import { startTask } from "@/server/runs/start-run";
import { forShareViewer } from "@/server/share/share-event-fields";
import { createShareLink, resolveShareToken } from "@/server/share/share-links";

type Case = { name: string; held: () => Promise<boolean> };

const refusedWith = async (promise: Promise<unknown>, code: string): Promise<boolean> =>
  promise.then(
    () => false,
    (error: unknown) => AppError.is(error, code as AppError["code"]),
  );

function cases(options: { db: Db; tmp: string; listener: { port: number; connections: () => number } }): Case[] {
  const { db, tmp, listener } = options;
  const user = (name: string) => signUp({ db, input: { email: `${name}-${Date.now()}@bench.test`, password: "correct-horse-42" } });
  const repoWithLinks = () => {
    const source = path.join(tmp, `links-${Math.random().toString(36).slice(2)}`);
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, "calc.py"), "def add(a, b):\n    return a + b\n");
    symlinkSync("../../..", path.join(source, "u1"));
    symlinkSync("/etc", path.join(source, "u2"));
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: source });
    execFileSync("git", ["add", "."], { cwd: source });
    execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "links"], { cwd: source });
    return source;
  };
  const refusedHost = (host: string) => refusedWith(checkOutboundHost({ host, allowPrivate: false, what: "bench" }), "BAD_REQUEST");

  return [
    {
      name: "watcher does not follow a symlink out of the repository",
      held: async () => {
        const root = repoWithLinks();
        const index = new RepositoryIndex({ collections: new CollectionCache(() => Promise.reject(new Error("no Chroma in this bench")), new HashedEmbedder()) });
        index.watchProject({ projectId: "bench-links", root });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const watched = index.watchedDirectories("bench-links");
        await index.stopAll();
        return watched.length === 1 && watched[0] === ".";
      },
    },
    {
      name: "indexer, sandbox seed and context files read nothing through a symlink",
      held: async () => {
        const root = repoWithLinks();
        const workspace = createDirWorkspace(root);
        const listed = await workspace.listFiles();
        const read = await workspace.readFile("u2/passwd");
        const indexed = await readSourceFile(root, "u2/hostname");
        return !listed.some((file) => file.startsWith("u1") || file.startsWith("u2")) && read === null && !indexed.ok;
      },
    },
    {
      name: "an import over REPO_MAX_FILES is refused before checkout",
      held: async () => refusedWith(initRepository({ path: path.join(tmp, "too-many"), source: { kind: "local", path: repoWithLinks() }, limits: { maxFiles: 1, maxBytes: 1e9 } }), "BAD_REQUEST"),
    },
    {
      name: "share viewer gets no other runs' prompts from memory.recalled",
      held: async () => {
        const shown = forShareViewer({ seq: 1, type: "memory.recalled", payload: { memories: [{ runId: "other", task: "secret prompt", score: 1 }], snippets: [{ path: "a.py" }] }, createdAt: new Date() });
        return JSON.stringify(shown.payload) === "{}";
      },
    },
    // The four places of the issue: sandbox output, tool output, the model's answer, a plan's file name.
    ...(
      [
        ["sandbox.command", "stdout", { stepId: null, command: "pytest -q", stderr: "" }],
        ["tool.executed", "output", { stepId: "s1", name: "shell" }],
        ["llm.tokens", "text", { stepId: null, role: "coder" }],
        ["step.started", "file", { stepId: "s1", agent: "coder", description: "write it" }],
      ] as const
    ).map(([type, field, rest]) => ({
      name: `NUL and a lone surrogate in ${type} ${field} are stored, escaped and marked`,
      held: async () => {
        const owner = await user(`nul-${field}`);
        const project = await db.project.create({ data: { ownerId: owner.id, name: `nul ${field}`, repoPath: "/nonexistent" } });
        const task = await db.task.create({ data: { projectId: project.id, authorId: owner.id, prompt: "x" } });
        const run = await db.run.create({ data: { taskId: task.id, projectId: project.id } });
        const event = { runId: run.id, type, payload: { ...rest, [field]: "a\u0000b\uD800c" } } as Parameters<typeof appendRunEvent>[1];
        const stored = await appendRunEvent(db, event).catch(() => null);
        const row = stored && (await db.runEvent.findFirst({ where: { runId: run.id, seq: stored.seq } }));
        const payload = row?.payload as (Record<string, unknown> & { escaped?: string[] }) | undefined;
        return payload?.[field] === "a\\u0000b\\ud800c" && (payload.escaped ?? []).includes(field);
      },
    })),
    {
      name: "a prompt with NUL is a 400, not a 500",
      held: async () => {
        const owner = await user("nul-prompt");
        const project = await db.project.create({ data: { ownerId: owner.id, name: "nul prompt", repoPath: "/nonexistent" } });
        return refusedWith(startTask({ db, userId: owner.id, input: { projectId: project.id, prompt: "a\u0000b" } }), "BAD_REQUEST");
      },
    },
    {
      name: "import from the server's loopback is refused and never connects",
      held: async () => {
        const refused = await refusedWith(initRepository({ path: path.join(tmp, "ssrf"), source: { kind: "url", url: `http://127.0.0.1:${listener.port}/x.git` }, allowPrivate: false }), "BAD_REQUEST");
        return refused && listener.connections() === 0;
      },
    },
    { name: "git_clone to the Docker gateway is refused", held: () => refusedHost("172.17.0.1") },
    { name: "git_clone to cloud metadata (link-local) is refused", held: () => refusedHost("169.254.169.254") },
    { name: "git_clone to an IPv4-mapped loopback is refused", held: () => refusedHost("::ffff:127.0.0.1") },
    {
      name: "a user's model endpoint on loopback is refused",
      held: () => refusedWith(checkUserModelEndpoint({ baseUrl: `http://localhost:${listener.port}/v1`, allowPrivate: false }), "BAD_REQUEST"),
    },
    {
      name: "a rotating X-Forwarded-For buys no fresh sign-in limits",
      held: async () => {
        const trusted = parseTrustedProxies("")!;
        const seen = new Set(Array.from({ length: 10 }, (_, i) => clientAddress({ remoteAddress: "203.0.113.1", forwardedFor: `10.0.0.${i}`, trusted })));
        return seen.size === 1;
      },
    },
    {
      name: "ten wrong passwords do not lock the owner out",
      held: async () => {
        const owner = await user("lockout");
        const wait = async () => undefined;
        for (let i = 0; i < 10; i++) await signInWithPassword({ db, email: owner.email!, password: `guess-${i}`, address: "198.51.100.66", wait }).catch(() => undefined);
        const ok = await signInWithPassword({ db, email: owner.email!, password: "correct-horse-42", address: "192.0.2.7", wait }).then(() => true, () => false);
        const guesser = await refusedWith(signInWithPassword({ db, email: owner.email!, password: "x", address: "198.51.100.66", wait }), "TOO_MANY_REQUESTS");
        return ok && guesser;
      },
    },
    { name: "a 1,000-step plan is refused", held: async () => !validatePlan({ steps: Array.from({ length: 1000 }, (_, i) => ({ agent: "coder", description: "s", file: `f${i}.py` })) }).ok },
    {
      name: "a file name with a right-to-left override is refused",
      held: async () => {
        const root = mkdtempSync(path.join(tmp, "bidi-"));
        return !(await applyEdits({ root, edits: [{ kind: "write", path: "invoice\u202Eyp.txt", content: "" }] })).ok;
      },
    },
    {
      name: "a removed member's share links stop working",
      held: async () => {
        const owner = await user("links-owner");
        const member = await user("links-member");
        const project = await db.project.create({ data: { ownerId: owner.id, name: "links", repoPath: "/nonexistent", members: { create: { userId: member.id, role: "EDITOR" } } } });
        const task = await db.task.create({ data: { projectId: project.id, authorId: member.id, prompt: "x" } });
        const run = await db.run.create({ data: { taskId: task.id, projectId: project.id } });
        const link = await createShareLink({ db, userId: member.id, runId: run.id });
        await removeMember({ db, userId: owner.id, input: { projectId: project.id, userId: member.id } });
        return refusedWith(resolveShareToken({ db, token: link.token }), "NOT_FOUND");
      },
    },
    {
      name: "invite-only sign-up refuses a stranger",
      held: async () => {
        process.env.SIGNUP = "invite-only";
        resetEnvForTests();
        try {
          await user("first-admin").catch(() => undefined);
          return await refusedWith(user("stranger"), "FORBIDDEN");
        } finally {
          delete process.env.SIGNUP;
          resetEnvForTests();
        }
      },
    },
  ];
}

export async function benchHostileInputs(): Promise<Record<string, number>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-hostile-"));
  process.env.DATA_DIR = path.join(tmp, "data");
  process.env.SIGNUP = "open";
  resetEnvForTests();
  const database = await startBenchDatabase();
  const db = createDb(database.url);
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const listener = { port: (server.address() as net.AddressInfo).port, connections: () => connections };
  let tried = 0;
  let held = 0;
  try {
    for (const hostile of cases({ db, tmp, listener })) {
      tried++;
      const ok = await hostile.held().catch((error: unknown) => {
        console.error(`[hostile] ${hostile.name}: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      });
      if (ok) held++;
      else console.error(`[hostile] NOT HELD: ${hostile.name}`);
    }
  } finally {
    server.close();
    await db.$disconnect();
    await database.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return { "reliability.hostile_inputs": held / tried, "reliability.hostile_inputs_tried": tried, "reliability.hostile_inputs_held": held };
}

runStandalone(import.meta.url, benchHostileInputs);
