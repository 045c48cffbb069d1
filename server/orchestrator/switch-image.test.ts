import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { env } from "@/server/env";
import { getDocker } from "@/server/sandbox/docker-client";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { createDirWorkspace } from "./adapters/dir-workspace";
import { InMemoryEventSink } from "./adapters/in-memory-event-sink";
import { RunScope } from "./run-scope";
import { resolveRunSettings } from "./run-types";

const dockerReady = await requireDocker("a dependency step's image switch");
const inContainer = async (id: string, command: string) => {
  const exec = await getDocker().getContainer(id).exec({ Cmd: ["sh", "-c", command], User: "10001" });
  await exec.start({ Detach: true });
};

describe.skipIf(!dockerReady)("a dependency step's image switch under a parallel step", () => {
  const sandbox = new DockerSandbox({ poolSize: 0 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "switch-image-"));
  afterAll(async () => {
    await sandbox.shutdown();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("waits for the command a parallel step is running, then closes that sandbox; the next use opens one from the new image", async () => {
    fs.writeFileSync(path.join(root, "calc.py"), "def add(a, b):\n    return a + b\n");
    const llm = { complete: async () => Promise.reject(new Error("no model in this test")) };
    const scope = new RunScope("test-switch-image", { llm, sandbox, workspace: createDirWorkspace(root), events: new InMemoryEventSink() } as never, resolveRunSettings(), undefined);
    try {
      const first = await scope.withSession((s) => s.describeContainer!());
      // A parallel step's command: it says it started, then runs until the host lets it finish.
      const running = scope.withSession((s) =>
        s.exec(["sh", "-c", "touch /tmp/started; while [ ! -e /tmp/go ]; do sleep 0.1; done; cat calc.py | head -1"], { timeoutMs: 300_000 }),
      );
      for (let seen = false; !seen; ) {
        seen = await getDocker()
          .getContainer(first.containerId)
          .exec({ Cmd: ["test", "-e", "/tmp/started"] })
          .then(async (exec) => {
            await exec.start({ Detach: true });
            for (;;) {
              const state = await exec.inspect();
              if (!state.Running) return state.ExitCode === 0;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          });
        if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      let switched = false;
      const switching = scope.switchImage(env().SANDBOX_IMAGE).then(() => (switched = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The old sandbox is still there while the parallel step's command runs.
      expect(switched).toBe(false);
      expect((await getDocker().getContainer(first.containerId).inspect()).State.Running).toBe(true);
      await inContainer(first.containerId, "touch /tmp/go");
      const result = await running;
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe("def add(a, b):\n");
      await switching;
      expect(await getDocker().getContainer(first.containerId).inspect().then(() => "exists", () => "removed")).toBe("removed");
      // The next step works in a fresh sandbox, re-seeded with the repository.
      const next = await scope.withSession(async (s) => ({ box: await s.describeContainer!(), out: await s.exec(["cat", "calc.py"]) }));
      expect(next.box.containerId).not.toBe(first.containerId);
      expect(next.out.stdout).toContain("return a + b");
    } finally {
      await scope.close();
    }
  });
});
