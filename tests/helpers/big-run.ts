import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@/server/db/client";
import { appendRunEvent } from "@/server/runs/run-events";
import { createShareLink } from "@/server/share/share-links";

/** Issue #17's big run: 6 files of about 130,000 characters each. */
export const BIG_RUN_FILES = 6;
export const BIG_RUN_FILE_CHARS = 130_000;
/** Characters per llm.tokens event of the seeded coder streams (the orchestrator batches tokens similarly). */
const TOKEN_CHUNK = 4_000;

/** One big Python module: add() and numbered short lines (about 3,700) up to `chars` characters. */
export function bigModule(index: number, chars = BIG_RUN_FILE_CHARS): string {
  const lines = ["def add(a, b):", "    return a + b", "", ""];
  let size = lines.join("\n").length;
  for (let i = 1; size < chars; i++) {
    const line = `VALUE_${i} = add(${i}, ${index})  # line ${i}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

/** A long, coloured pytest -v log (about 2,000 lines), as a big step's test command prints. */
export function testOutput(file: string, lines = 2_000): string {
  const module = file.replace(/\.py$/, "");
  const body = Array.from({ length: lines }, (_, i) => `test_${module}.py::test_value_${i + 1} \x1b[32mPASSED\x1b[0m`);
  return `${body.join("\n")}\n\x1b[32m${lines} passed\x1b[0m in 1.23s\n`;
}

function git(cwd: string, args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: "AutoCode", GIT_AUTHOR_EMAIL: "autocode@example.test", GIT_COMMITTER_NAME: "AutoCode", GIT_COMMITTER_EMAIL: "autocode@example.test" };
  return execFileSync("git", args, { cwd, env, encoding: "utf8" }).trim();
}

/**
 * Seeds a finished big run into an existing project, the way a run leaves it: a branch with the files committed
 * in the project's repository, the run's rows and its event log (through appendRunEvent, so the run's row is
 * folded from the events as for a real run), and a share link. `files`/`chars` shrink it for a short baseline.
 */
export async function seedBigRun(options: { databaseUrl: string; projectName: string; files?: number; chars?: number }): Promise<{ runId: string; runPath: string; sharePath: string }> {
  const files = options.files ?? BIG_RUN_FILES;
  const db = createDb(options.databaseUrl);
  try {
    const project = await db.project.findFirstOrThrow({ where: { name: options.projectName }, orderBy: { createdAt: "desc" } });
    const repo = path.resolve(project.repoPath);
    const baseCommit = git(repo, ["rev-parse", `refs/heads/${project.defaultBranch}`]);
    const branch = `autocode/big-run-${Date.now()}`;
    const contents = Array.from({ length: files }, (_, i) => ({ path: `big_${i + 1}.py`, text: bigModule(i + 1, options.chars) }));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "big-run-"));
    const worktree = path.join(scratch, "wt");
    git(repo, ["worktree", "add", "--quiet", "-b", branch, worktree, baseCommit]);
    for (const file of contents) fs.writeFileSync(path.join(worktree, file.path), file.text);
    git(worktree, ["add", "-A"]);
    git(worktree, ["commit", "--quiet", "-m", "Write the big modules"]);
    const headCommit = git(worktree, ["rev-parse", "HEAD"]);
    git(repo, ["worktree", "remove", "--force", worktree]);
    fs.rmSync(scratch, { recursive: true, force: true });

    const prompt = `Write ${files} big modules`;
    const task = await db.task.create({ data: { projectId: project.id, authorId: project.ownerId, prompt } });
    const run = await db.run.create({ data: { taskId: task.id, projectId: project.id, branch, baseCommit, headCommit } });
    const append = (type: string, payload: Record<string, unknown>) => appendRunEvent(db, { runId: run.id, type, payload } as Parameters<typeof appendRunEvent>[1]);
    await append("run.queued", { taskId: task.id, prompt });
    await append("run.claimed", { workerId: "seed", branch, baseCommit });
    await append("run.started", { task: prompt });
    const steps = contents.map((file, i) => ({ id: `s${i + 1}`, agent: "coder", description: `Write ${file.path}`, file: file.path, depends_on: i ? [`s${i}`] : [] }));
    await append("plan.created", { steps });
    for (const [i, file] of contents.entries()) {
      const stepId = `s${i + 1}`;
      await append("step.started", { stepId, agent: "coder", description: `Write ${file.path}`, file: file.path });
      const answer = `File: ${file.path}\n\`\`\`python\n${file.text}\`\`\`\n`;
      for (let at = 0; at < answer.length; at += TOKEN_CHUNK) await append("llm.tokens", { stepId, role: "coder", text: answer.slice(at, at + TOKEN_CHUNK) });
      await append("sandbox.command", { stepId, command: "python -m pytest -v", exitCode: 0, durationMs: 900, passed: true, stdout: testOutput(file.path), stderr: "" });
      await append("step.finished", { stepId, status: "passed", reason: null, runs: 1 });
    }
    await append("run.finished", { status: "succeeded", reason: null, verdict: { verdict: "PASS", reasons: ["The big modules are written."] } });
    const share = await createShareLink({ db, userId: project.ownerId, runId: run.id });
    return { runId: run.id, runPath: `/runs/${run.id}`, sharePath: `/share/${share.token}` };
  } finally {
    await db.$disconnect();
  }
}
