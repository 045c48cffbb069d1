import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { env } from "@/server/env";
import { createDirWorkspace } from "./adapters/dir-workspace";
import { InMemoryEventSink } from "./adapters/in-memory-event-sink";
import type { SandboxSession } from "./ports";
import { RunEventLog } from "./run-event-log";
import { seedSandbox } from "./seed-sandbox";

describe("seedSandbox: a repository over the workspace limit", () => {
  it("refuses a 2 GB repository at the real SANDBOX_WORKSPACE_MB, naming the limit, without reading or allocating it", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "seed-2gb-"));
    try {
      fs.writeFileSync(path.join(root, "main.py"), "print('hi')\n");
      // Two sparse 1 GiB files: 2 GB by size, no blocks on disk; the limit is measured from sizes, never by reading.
      for (const name of ["data-1.bin", "data-2.bin"]) {
        fs.writeFileSync(path.join(root, name), "");
        fs.truncateSync(path.join(root, name), 1024 ** 3);
      }
      expect(fs.statSync(path.join(root, "data-1.bin")).size).toBe(1024 ** 3);
      expect(fs.statSync(path.join(root, "data-1.bin")).blocks).toBeLessThan(1024);
      const limitMb = env().SANDBOX_WORKSPACE_MB;
      expect(limitMb).toBe(512); // the shipped default, not a test-sized limit
      const written: unknown[] = [];
      const session = { writeTree: async (tree: unknown) => void written.push(tree) } as unknown as SandboxSession;
      const sink = new InMemoryEventSink();
      const seeded = seedSandbox({ session, workspace: createDirWorkspace(root), log: new RunEventLog("seed-2gb", sink) });
      await expect(seeded).rejects.toMatchObject({
        userMessage: expect.stringMatching(/larger than the sandbox workspace limit of 512 MB \(SANDBOX_WORKSPACE_MB\); at least 1024 MB were counted/),
      });
      // Refused before anything went to the sandbox.
      expect(written).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
