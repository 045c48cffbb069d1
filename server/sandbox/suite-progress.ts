import type Docker from "dockerode";
import { PassThrough } from "node:stream";
import { getDocker } from "./docker-client";

export type ProgressStatus = "passed" | "failed" | "skipped";
export interface ProgressTest {
  name: string;
  status: ProgressStatus;
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
// pytest -v: "tests/test_core.py::test_word_count PASSED     [ 50%]"
const PYTEST = /^(\S+\.py::\S.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/;
// vitest --reporter=verbose ("✓ src/a.test.ts > group > name 3ms"), jest --verbose ("✓ name (3 ms)"), node --test spec ("✔ name (1ms)").
const MARKED = /^\s*(✓|√|✔|×|✕|✖|↓|○)\s+(.+?)(?:\s+\(?\d+(?:\.\d+)?\s?ms\)?)?\s*$/;
const FILE_SUMMARY = /\(\d+ tests?(?: \| [^)]*)?\)$/;

/**
 * The tests a suite's console output says have finished, in order, from the per-test lines of pytest -v, vitest's
 * verbose reporter, jest --verbose and node:test's spec reporter. Progress only: pass and fail still come from the
 * exit code and the structured report at the end.
 */
export function parseSuiteProgress(output: string): ProgressTest[] {
  const tests: ProgressTest[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.replace(ANSI, "").replace(/\r$/, "");
    const py = PYTEST.exec(line);
    if (py) {
      const word = py[2]!;
      tests.push({ name: py[1]!, status: word === "PASSED" || word === "XFAIL" ? "passed" : word === "SKIPPED" ? "skipped" : "failed" });
      continue;
    }
    const marked = MARKED.exec(line);
    if (!marked || FILE_SUMMARY.test(marked[2]!.replace(/\s+\d+ms$/, ""))) continue;
    const mark = marked[1]!;
    tests.push({ name: marked[2]!, status: "✓√✔".includes(mark) ? "passed" : "↓○".includes(mark) ? "skipped" : "failed" });
  }
  return tests;
}

/** The shell line that keeps a suite's output in files the host can read while it runs, then replays it as before. */
export function progressShell(shell: string, id: string): { shell: string; files: string[] } {
  const out = `/tmp/autocode-suite-${id}.out`;
  const err = `/tmp/autocode-suite-${id}.err`;
  // Unbuffered Python: pytest's lines reach the file as each test finishes, not at exit.
  return { shell: `(export PYTHONUNBUFFERED=1; ${shell}) >${out} 2>${err}; s=$?; cat ${out}; cat ${err} >&2; rm -f ${out} ${err}; exit $s`, files: [out, err] };
}

/** What the files hold now (a docker exec of cat; empty when the container is gone). */
export async function readProgressFiles(container: Docker.Container, files: string[]): Promise<string> {
  return (await execStdout(container, `cat ${files.join(" ")} 2>/dev/null | tail -c 200000`)).toString("utf8");
}

/** A shell line's stdout from a docker exec in the container (empty when the container is gone). */
export async function execStdout(container: Docker.Container, script: string): Promise<Buffer> {
  try {
    const exec = await container.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    getDocker().modem.demuxStream(stream, out, new PassThrough());
    const chunks: Buffer[] = [];
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    return Buffer.concat(chunks);
  } catch {
    return Buffer.alloc(0);
  }
}
