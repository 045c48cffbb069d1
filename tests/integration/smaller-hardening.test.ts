import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_PLAN_STEPS, validatePlan } from "@/server/agents/plan";
import { applyEdits } from "@/server/editing/apply-edits";
import { AppError } from "@/server/errors";
import { validateSandboxPath } from "@/server/sandbox/validate-path";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf, messageOf } from "../helpers/trpc-errors";

describe("the smaller holes", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let member: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    owner = await createTestUser("small-owner");
    member = await createTestUser("small-member");
    stranger = await createTestUser("small-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "small" })).id;
  });

  it("a prompt with a NUL byte or a lone surrogate is a 400 with a reason, and nothing is written", async () => {
    const before = await testDb().task.count();
    for (const prompt of ["Write add\u0000 in calc.py", "Write add \uD800 in calc.py", "Write add \uDC00"]) {
      expect(await codeOf(callerFor(owner.id).task.create({ projectId, prompt }))).toBe("BAD_REQUEST");
    }
    expect(await messageOf(callerFor(owner.id).task.create({ projectId, prompt: "a\u0000b" }))).toMatch(/NUL byte or invalid Unicode/);
    const plan = { steps: [{ agent: "coder" as const, description: "x\u0000", file: "calc.py" }] };
    expect(await codeOf(callerFor(owner.id).task.create({ projectId, prompt: "ok", plan }))).toBe("BAD_REQUEST");
    expect(await testDb().task.count()).toBe(before);
  });

  it("a plan over the cap is refused with one message, from task.create and from the planner alike", async () => {
    const steps = Array.from({ length: 1000 }, (_, i) => ({ agent: "coder" as const, description: `step ${i}`, file: `f${i}.py` }));
    const message = await messageOf(callerFor(owner.id).task.create({ projectId, prompt: "Big", plan: { steps } }));
    expect(message).toMatch(new RegExp(`the plan has 1000 steps; at most ${MAX_PLAN_STEPS} are allowed`));
    // The planner's answer goes through the same check; its error is the repair message the model gets.
    const planned = validatePlan({ steps });
    expect(planned).toEqual({ ok: false, error: expect.stringMatching(/1000 steps; at most 20/) });
    expect(validatePlan({ steps: steps.slice(0, MAX_PLAN_STEPS) }).ok).toBe(true);
  });

  it("file names with right-to-left overrides and other bidi controls are refused everywhere", async () => {
    const name = "invoice\u202Eyp.txt"; // displays as "invoicetxt.py"
    expect(validatePlan({ steps: [{ agent: "coder", description: "x", file: name }] })).toEqual({ ok: false, error: expect.stringMatching(/bidirectional control/) });
    const root = await mkdtemp(path.join(tmpdir(), "bidi-"));
    try {
      const result = await applyEdits({ root, edits: [{ kind: "write", path: `src/${name}`, content: "x = 1\n" }] });
      expect(result.ok).toBe(false);
      expect(await readdir(root)).toEqual([]);
      for (const bidi of ["a\u2066b.py", "a\u200Fb.py", "a\u061Cb.py"]) {
        expect((await applyEdits({ root, edits: [{ kind: "write", path: bidi, content: "" }] })).ok).toBe(false);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    expect(() => validateSandboxPath(name)).toThrow(AppError);
  });

  it("removing a member revokes the share links they made; leaving does too", async () => {
    await callerFor(owner.id).project.addMember({ projectId, email: member.email, role: "EDITOR" });
    const { runId } = await callerFor(member.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" });
    await callerFor(member.id).run.cancel({ runId });
    const memberLink = await callerFor(member.id).share.create({ runId });
    const ownerLink = await callerFor(owner.id).share.create({ runId });
    await callerFor(owner.id).project.removeMember({ projectId, userId: member.id });
    expect(await codeOf(callerFor(null).share.run({ token: memberLink.token }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(null).share.run({ token: ownerLink.token }))).toBe("OK");

    await callerFor(owner.id).project.addMember({ projectId, email: member.email, role: "EDITOR" });
    const again = await callerFor(member.id).share.create({ runId });
    await callerFor(member.id).project.removeMember({ projectId, userId: member.id });
    expect(await codeOf(callerFor(null).share.run({ token: again.token }))).toBe("NOT_FOUND");
  });

  it("run.events for a run the caller may not see answers NOT_FOUND before any stream opens", async () => {
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Private" });
    await callerFor(owner.id).run.cancel({ runId });
    expect(await codeOf(callerFor(stranger.id).run.events({ runId }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).run.events({ runId: "no-such-run" }))).toBe("NOT_FOUND");
  });
});
