import { afterAll, afterEach, beforeAll } from "vitest";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { createHarness, type Harness } from "@/tests/orchestrator/orchestrator-harness";

type HarnessOptions = NonNullable<Parameters<typeof createHarness>[1]>;

/**
 * The set-up the orchestrator's end-to-end files share, called inside a describe: one real Docker sandbox for the
 * block (started before its tests, shut down after them) and each test's harnesses disposed after that test.
 */
export function useOrchestratorHarness(options: { poolSize: number }): { harness(options?: HarnessOptions): Promise<Harness> } {
  let sandbox: DockerSandbox | undefined;
  const made: Harness[] = [];
  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: options.poolSize });
    await sandbox.start();
  });
  afterAll(() => sandbox?.shutdown());
  afterEach(async () => {
    await Promise.all(made.splice(0).map((h) => h.dispose()));
  });
  return {
    async harness(harnessOptions = {}) {
      const h = await createHarness(sandbox!, harnessOptions);
      made.push(h);
      return h;
    },
  };
}
