/**
 * Time of a trivial 2-test pytest file through the sandbox: from the warm pool, from a fresh container, and
 * reused within a run, against a plain `docker run --rm` of the same tests and the floor of a bare
 * `docker exec CONTAINER python3 -c pass`, all measured in the same run under the same limits.
 *
 * Run alone: npx tsx bench/sandbox.ts [--quick]
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { median, round, timed } from "@/bench/lib/stats";
import { env } from "@/server/env";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { cpuLimit } from "@/server/sandbox/container-spec";
import { destroyBox, startBox } from "@/server/sandbox/sandbox-box";

const TEST_FILE = "def test_add():\n    assert 1 + 1 == 2\n\ndef test_upper():\n    assert 'a'.upper() == 'A'\n";

function assertPassed(result: { passed: boolean; failureReason?: string }): void {
  if (!result.passed) throw new Error(`bench pytest run failed: ${result.failureReason}`);
}

export async function benchSandbox(options: { quick: boolean } = { quick: false }): Promise<Record<string, number>> {
  const runs = options.quick ? 3 : 11;
  const settings = env();
  const limits = [
    "--network", "none",
    "--memory", `${settings.SANDBOX_MEMORY_MB}m`,
    "--memory-swap", `${settings.SANDBOX_MEMORY_MB}m`,
    // The sandbox's own CPU limit (container-spec.ts), so the baseline differs only in how the container is had.
    "--cpu-period", String(cpuLimit(settings.SANDBOX_CPUS).CpuPeriod),
    "--cpu-quota", String(cpuLimit(settings.SANDBOX_CPUS).CpuQuota),
    "--pids-limit", String(settings.SANDBOX_PIDS_LIMIT),
  ];
  const docker = (args: string[]) => execFileSync("docker", args, { stdio: ["ignore", "pipe", "pipe"] });
  const hostDir = mkdtempSync(path.join(os.tmpdir(), "bench-sandbox-"));
  writeFileSync(path.join(hostDir, "test_trivial.py"), TEST_FILE, { mode: 0o644 });
  chmodSync(hostDir, 0o755); // the image runs as uid 10001
  const files = [{ path: "test_trivial.py", content: TEST_FILE }];

  const pooled = new DockerSandbox({ poolSize: 1 });
  const cold = new DockerSandbox({ poolSize: 0 });
  const floorBox = await startBox({ role: "pool" });
  try {
    await pooled.start();
    const pool: number[] = [];
    const open: number[] = [];
    const reuse: number[] = [];
    for (let run = 0; run < runs; run++) {
      await pooled.pool.waitUntilFull();
      // What a run's first execution waits for: take the warm box, write the file, run the tests.
      const started = performance.now();
      const session = await pooled.openSession(`bench-pool-${run}`);
      open.push(performance.now() - started);
      await session.writeFiles(files);
      assertPassed(await session.runPytest());
      pool.push(performance.now() - started);
      // A later debug iteration of the same run: replaced file, same container.
      reuse.push(
        await timed(async () => {
          await session.writeFiles(files);
          assertPassed(await session.runPytest());
        }),
      );
      await session.close();
    }

    const coldRuns: number[] = [];
    for (let run = 0; run < runs; run++) {
      coldRuns.push(
        await timed(async () => {
          const session = await cold.openSession(`bench-cold-${run}`);
          await session.writeFiles(files);
          assertPassed(await session.runPytest());
          await session.close();
        }),
      );
    }

    const raw: number[] = [];
    for (let run = 0; run < runs; run++) {
      raw.push(
        await timed(() =>
          docker(["run", "--rm", ...limits, "-v", `${hostDir}:/w:ro`, "-w", "/w", settings.SANDBOX_IMAGE,
            "python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"]),
        ),
      );
    }

    const id = floorBox.container.id;
    docker(["exec", "-u", "10001", id, "python3", "-c", `open('/workspace/test_trivial.py','w').write(${JSON.stringify(TEST_FILE)})`]);
    const floor: number[] = [];
    const execPytest: number[] = [];
    for (let run = 0; run < runs; run++) {
      floor.push(await timed(() => docker(["exec", id, "python3", "-c", "pass"])));
      execPytest.push(await timed(() => docker(["exec", "-w", "/workspace", id, "python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"])));
    }

    const poolP50 = median(pool);
    const rawP50 = median(raw);
    const floorP50 = median(floor);
    return {
      "sandbox.runs": runs,
      "sandbox.pool_p50_ms": round(poolP50),
      "sandbox.pool_open_p50_ms": round(median(open)),
      "sandbox.session_reuse_p50_ms": round(median(reuse)),
      "sandbox.cold_p50_ms": round(median(coldRuns)),
      "sandbox.raw_docker_p50_ms": round(rawP50),
      "sandbox.docker_exec_pytest_p50_ms": round(median(execPytest)),
      "sandbox.exec_floor_p50_ms": round(floorP50),
      "sandbox.pool_vs_raw_ratio": round(poolP50 / rawP50, 3),
      "sandbox.pool_vs_floor_ratio": round(poolP50 / floorP50, 2),
    };
  } finally {
    await destroyBox(floorBox).catch(() => undefined);
    await pooled.shutdown();
    await cold.shutdown();
    rmSync(hostDir, { recursive: true, force: true });
  }
}

export default benchSandbox;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const quick = process.argv.includes("--quick") || process.env.CI === "true";
  benchSandbox({ quick })
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
