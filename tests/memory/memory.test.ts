import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { createChromaClient, startChromaServer, type ChromaHandle } from "@/server/memory/chroma-server";
import { HashedEmbedder } from "@/server/memory/hashed-embedder";
import { listSourceFiles } from "@/server/memory/list-source-files";
import { MemoryService } from "@/server/memory/memory-store";
import { OpenAIEmbedder } from "@/server/memory/openai-embedder";
import { freePort } from "@/tests/helpers/free-port";

function write(root: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const AUTH = `import hashlib


def verify_password(stored_hash, password):
    """Check a password against its stored salted hash."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    if len(digest) != len(stored_hash):
        return False
    return digest == stored_hash
`;
const BILLING = `from decimal import Decimal


def compute_invoice_total(lines, tax_rate):
    """Sum invoice lines and add tax."""
    subtotal = sum(Decimal(line.price) * line.quantity for line in lines)
    tax = subtotal * Decimal(tax_rate)
    total = subtotal + tax
    return total.quantize(Decimal("0.01"))
`;
const CHARTS = `export function renderBarChart(canvas: HTMLCanvasElement, values: number[]): void {
  const context = canvas.getContext("2d");
  values.forEach((value, index) => context?.fillRect(index * 10, 0, 8, value));
}
`;

let tmp: string;
let dataPath: string;
let port: number;
let chroma: ChromaHandle;
let service: MemoryService;
let repo: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "memory-test-"));
  dataPath = path.join(tmp, "chroma");
  port = await freePort();
  chroma = await startChromaServer({ dataPath, port });
  service = new MemoryService({ client: createChromaClient(chroma.url), embedder: new HashedEmbedder(), debounceMs: 30 });

  repo = path.join(tmp, "repo");
  write(repo, "app/auth.py", AUTH);
  write(repo, "app/billing.py", BILLING);
  write(repo, "web/charts.ts", CHARTS);
  write(repo, ".gitignore", "secret_*.py\n");
  write(repo, "app/secret_keys.py", "def leaked_secret_token():\n    return 'hunter2'\n");
  write(repo, "node_modules/lib/index.js", "function vendoredThing() {}\n");
  write(repo, "README.md", "verify password\n");
  execFileSync("git", ["init", "-q", repo]);
});

afterAll(async () => {
  await service?.stopAll();
  await chroma?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("repository index against a real Chroma server", () => {
  it("indexes source files only, honouring .gitignore, and finds code by meaning", async () => {
    const result = await service.indexProject({ projectId: "proj-a", root: repo });
    expect(result.files).toBe(3);
    expect(result.indexedFiles).toBe(3);
    const status = service.getIndexStatus("proj-a");
    expect(status).toMatchObject({ state: "idle", files: 3, errors: [] });
    expect(status.chunks).toBeGreaterThanOrEqual(3);
    expect(status.lastUpdatedAt).toBeInstanceOf(Date);

    const hits = await service.searchRepository({ projectId: "proj-a", query: "check a password against the stored hash", k: 3 });
    expect(hits[0]?.path).toBe("app/auth.py");
    expect(hits[0]?.text).toContain("def verify_password");
    expect(hits[0]?.startLine).toBe(1);
    expect(hits[0]?.endLine).toBe(AUTH.trimEnd().split("\n").length);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);

    const leaked = await service.searchRepository({ projectId: "proj-a", query: "leaked secret token vendored thing", k: 10 });
    expect(leaked.map((hit) => hit.path).sort()).toEqual(["app/auth.py", "app/billing.py", "web/charts.ts"]);
  });

  it("skips unchanged files by content hash on a second index", async () => {
    const again = await service.indexProject({ projectId: "proj-a", root: repo });
    expect(again).toMatchObject({ files: 3, indexedFiles: 0, removedFiles: 0 });
  });

  it("applies saves, creations and deletions while watching", async () => {
    service.watchProject({ projectId: "proj-a", root: repo });
    await service.whenIdle("proj-a");
    expect(service.getIndexStatus("proj-a").state).toBe("watching");

    write(repo, "app/billing.py", `${BILLING}\n\ndef refund_payment_to_customer(payment):\n    """Send the money back."""\n    return payment.refund()\n`);
    await eventually(async () => {
      const [top] = await service.searchRepository({ projectId: "proj-a", query: "refund payment to customer", k: 1 });
      return top?.path === "app/billing.py" && top.text.includes("refund_payment_to_customer");
    });

    write(repo, "app/shipping.py", "def schedule_parcel_delivery(address):\n    return courier.book(address)\n");
    write(repo, "app/secret_more.py", "def another_secret_courier_parcel():\n    pass\n");
    await eventually(async () => {
      const hits = await service.searchRepository({ projectId: "proj-a", query: "schedule parcel delivery courier", k: 5 });
      return hits[0]?.path === "app/shipping.py";
    });
    await service.whenIdle("proj-a");
    const afterAdd = await service.searchRepository({ projectId: "proj-a", query: "another secret courier parcel", k: 10 });
    expect(afterAdd.map((hit) => hit.path)).not.toContain("app/secret_more.py");

    unlinkSync(path.join(repo, "app/auth.py"));
    await eventually(async () => {
      const hits = await service.searchRepository({ projectId: "proj-a", query: "verify password hash", k: 10 });
      return !hits.some((hit) => hit.path === "app/auth.py");
    });
    await service.whenIdle("proj-a");
    expect(service.getIndexStatus("proj-a")).toMatchObject({ state: "watching", files: 3 });

    await service.unwatchProject("proj-a");
    expect(service.getIndexStatus("proj-a").state).toBe("idle");
  });

  it("keeps projects apart in search and in run memory", async () => {
    const other = path.join(tmp, "other");
    write(other, "lib/password_reset.py", "def send_password_reset_email(user):\n    mail(user.email, 'reset your password')\n");
    await service.indexProject({ projectId: "proj-b", root: other });

    const fromB = await service.searchRepository({ projectId: "proj-b", query: "verify password hash invoice total refund", k: 10 });
    expect(fromB.map((hit) => hit.path)).toEqual(["lib/password_reset.py"]);
    const fromA = await service.searchRepository({ projectId: "proj-a", query: "send password reset email", k: 10 });
    expect(fromA.map((hit) => hit.path)).not.toContain("lib/password_reset.py");

    await service.rememberRun({
      projectId: "proj-a",
      runId: "run-1",
      task: "Add a refund endpoint for payments",
      plan: { steps: [{ title: "Write refund_payment_to_customer" }, { title: "Test refunds" }] },
      diffSummary: "app/billing.py: +5 -0",
    });
    await service.rememberRun({
      projectId: "proj-a",
      runId: "run-2",
      task: "Render a bar chart of monthly revenue",
      plan: { steps: ["Draw bars on a canvas"] },
      diffSummary: "web/charts.ts: +3 -0",
    });

    const recalled = await service.recallSimilar({ projectId: "proj-a", query: "refund a payment", k: 2 });
    expect(recalled.map((memory) => memory.runId)).toEqual(["run-1", "run-2"]);
    expect(recalled[0]?.summary).toContain("Write refund_payment_to_customer");
    expect(recalled[0]!.score).toBeGreaterThan(recalled[1]!.score);

    expect(await service.recallSimilar({ projectId: "proj-b", query: "refund a payment", k: 5 })).toEqual([]);
    expect(await service.listMemories({ projectId: "proj-b" })).toEqual([]);
    const memoryId = recalled[0]!.id;
    await expect(service.deleteMemory({ projectId: "proj-b", memoryId })).rejects.toSatisfy((error) => AppError.is(error, "NOT_FOUND"));
    expect((await service.listMemories({ projectId: "proj-a" })).map((memory) => memory.runId).sort()).toEqual(["run-1", "run-2"]);

    await service.deleteMemory({ projectId: "proj-a", memoryId });
    expect((await service.listMemories({ projectId: "proj-a" })).map((memory) => memory.runId)).toEqual(["run-2"]);
  });

  it("keeps the index and memories across a restart of the Chroma server", async () => {
    await service.stopAll();
    await chroma.stop();
    await expect(createChromaClient(chroma.url).heartbeat()).rejects.toThrow();
    chroma = await startChromaServer({ dataPath, port });
    service = new MemoryService({ client: createChromaClient(chroma.url), embedder: new HashedEmbedder(), debounceMs: 30 });

    const hits = await service.searchRepository({ projectId: "proj-a", query: "schedule parcel delivery", k: 1 });
    expect(hits[0]?.path).toBe("app/shipping.py");
    expect((await service.listMemories({ projectId: "proj-a" })).map((memory) => memory.runId)).toEqual(["run-2"]);
    const reindex = await service.indexProject({ projectId: "proj-a", root: repo });
    expect(reindex).toMatchObject({ files: 3, indexedFiles: 0 });
  });

  it("gives a second embedder with another dimension its own collections (remote embedder over real HTTP)", async () => {
    const local = new HashedEmbedder({ dimensions: 64 });
    const requests: Array<{ model: string; input: string[] }> = [];
    const fake = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/v1/embeddings") {
          res.writeHead(404).end();
          return;
        }
        const parsed = JSON.parse(body) as { model: string; input: string[] };
        requests.push(parsed);
        const data = parsed.input.map((text, index) => ({ object: "embedding", index, embedding: local.embedOne(text) }));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data, model: parsed.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const address = fake.address() as AddressInfo;
      const remote = new OpenAIEmbedder({ model: "fake-embed", baseURL: `http://127.0.0.1:${address.port}/v1`, apiKey: "test" });
      const remoteService = new MemoryService({ client: createChromaClient(chroma.url), embedder: remote });
      const client = createChromaClient(chroma.url);
      const before = await Promise.all((await client.listCollections()).map(async (c) => [c.name, await c.count()] as const));

      const result = await remoteService.indexProject({ projectId: "proj-a", root: repo });
      expect(result).toMatchObject({ files: 3, indexedFiles: 3 });
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((request) => request.model === "fake-embed")).toBe(true);
      const hits = await remoteService.searchRepository({ projectId: "proj-a", query: "schedule parcel delivery", k: 1 });
      expect(hits[0]?.path).toBe("app/shipping.py");

      const names = (await client.listCollections()).map((c) => c.name);
      const repoCollections = names.filter((name) => name.startsWith("repo-") && name.includes("proj-a"));
      expect(repoCollections).toHaveLength(2);
      expect(repoCollections.some((name) => name.startsWith("repo-hash-v1-768-"))).toBe(true);
      expect(repoCollections.some((name) => name.startsWith("repo-openai-fake-embed-64-"))).toBe(true);
      // The first embedder's collections are untouched.
      for (const [name, count] of before) expect(await (await client.getCollection({ name })).count()).toBe(count);
      // And the first embedder still answers from its own vectors.
      const old = await service.searchRepository({ projectId: "proj-a", query: "schedule parcel delivery", k: 1 });
      expect(old[0]?.path).toBe("app/shipping.py");
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it("reports a missing root as an error in the status", async () => {
    const failure = await service.indexProject({ projectId: "proj-missing", root: path.join(tmp, "nowhere") }).catch((error: unknown) => error);
    expect(AppError.is(failure, "NOT_FOUND")).toBe(true);
    const status = service.getIndexStatus("proj-missing");
    expect(status.state).toBe("error");
    expect(status.errors).toHaveLength(1);
    expect(status.errors[0]).toContain("is not a directory");
  });

  it("lists source files of a plain directory without node_modules", async () => {
    const plain = path.join(tmp, "plain");
    write(plain, "a.py", "x = 1\n");
    write(plain, "sub/b.go", "package sub\n");
    write(plain, "node_modules/c.js", "1\n");
    write(plain, "dist/d.js", "1\n");
    write(plain, "notes.txt", "text\n");
    expect(await listSourceFiles(plain)).toEqual(["a.py", "sub/b.go"]);
    // In a git repository git decides: a tracked build/ directory is source, node_modules never is.
    execFileSync("git", ["init", "-q", plain]);
    write(plain, ".gitignore", "*.go\n");
    expect(await listSourceFiles(plain)).toEqual(["a.py", "dist/d.js"]);
  });
});
