import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { setHostResolverForTests } from "@/server/network/outbound-address";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startFakeForge, type FakeForge } from "@/tests/fixtures/fake-forge-api";
import { startGitHttpRemote, type GitHttpRemote } from "@/tests/fixtures/git-http-remote";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf, messageOf } from "../helpers/trpc-errors";

const dockerReady = await requireDocker("push and pull requests (database + sandbox)");
const TOKEN = "ghp_test_token_1234567890";

describe.skipIf(!dockerReady)("push and pull requests: a real git remote over HTTP and a fake GitHub/GitLab API", () => {
  let testRunner: TestRunner | undefined;
  let remote: GitHttpRemote;
  let gitlabRemote: GitHttpRemote;
  let forge: FakeForge;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let viewer: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let verifiedRunId: string;
  let failedRunId: string;
  const saved = { ALLOW_PRIVATE_ADDRESSES: process.env.ALLOW_PRIVATE_ADDRESSES, AUTH_URL: process.env.AUTH_URL };

  beforeAll(async () => {
    testRunner = await startTestRunner();
    remote = await startGitHttpRemote({ token: TOKEN });
    gitlabRemote = await startGitHttpRemote({ token: TOKEN, repoPath: "team/sub/shop.git" });
    forge = await startFakeForge({ token: TOKEN });
    owner = await createTestUser("push-owner");
    viewer = await createTestUser("push-viewer");
    stranger = await createTestUser("push-stranger");
    const as = callerFor(owner.id);
    projectId = (await as.project.create({ name: "push" })).id;
    await as.project.addMember({ projectId, email: viewer.email, role: "VIEWER" });
    verifiedRunId = (await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py with tests" })).runId;
    const verified = await waitForRunEnd(verifiedRunId);
    expect(verified.status).toBe("SUCCEEDED");
    testRunner.llm.script("critic", JSON.stringify({ verdict: "FAIL", reasons: ["add ignores floats"] }));
    failedRunId = (await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py, floats too" })).runId;
    expect((await waitForRunEnd(failedRunId)).status).toBe("FAILED");
  }, 240_000);

  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) value === undefined ? delete process.env[key] : (process.env[key] = value);
    resetEnvForTests();
    await testRunner?.stop();
    await Promise.all([remote?.close(), gitlabRemote?.close(), forge?.close()]);
  });

  const allow = (value: boolean) => {
    process.env.ALLOW_PRIVATE_ADDRESSES = String(value);
    process.env.AUTH_URL = "https://autocode.example.test";
    resetEnvForTests();
  };

  it("stores the remote with its token encrypted, returns only whether a token is set, and refuses credentials in the URL and private hosts", async () => {
    const as = callerFor(owner.id);
    allow(false);
    expect(await messageOf(as.project.setRemote({ projectId, provider: "github", url: remote.url, token: TOKEN }))).toMatch(/loopback address.*ALLOW_PRIVATE_ADDRESSES=true/);
    allow(true);
    expect(await messageOf(as.project.setRemote({ projectId, provider: "github", url: `http://user:${TOKEN}@127.0.0.1/acme/shop.git` }))).toContain("Leave credentials out");
    expect(await codeOf(as.project.setRemote({ projectId, provider: "github", url: "ftp://example.com/x.git" }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(viewer.id).project.setRemote({ projectId, provider: "github", url: remote.url, token: TOKEN }))).toBe("FORBIDDEN");
    const dto = await as.project.setRemote({ projectId, provider: "github", url: remote.url, apiUrl: `${forge.origin}/api/v3`, token: TOKEN });
    expect(dto).toEqual({ provider: "github", url: remote.url, apiUrl: `${forge.origin}/api/v3`, repository: "acme/shop", tokenSet: true });
    expect(JSON.stringify(await callerFor(viewer.id).project.remote({ projectId }))).not.toContain(TOKEN);
    const row = await testDb().projectRemote.findUniqueOrThrow({ where: { projectId } });
    expect(row.tokenCipher).not.toContain(TOKEN);
    // Saving without a token keeps the stored one.
    expect((await as.project.setRemote({ projectId, provider: "github", url: remote.url, apiUrl: `${forge.origin}/api/v3` })).tokenSet).toBe(true);
  });

  it("pushes the run's branch with the project's token only, and a revoked token fails once with what to do", async () => {
    const as = callerFor(owner.id);
    allow(true);
    expect(await codeOf(callerFor(viewer.id).run.push({ runId: verifiedRunId }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(stranger.id).run.push({ runId: verifiedRunId }))).toBe("NOT_FOUND");
    const run = await testDb().run.findUniqueOrThrow({ where: { id: verifiedRunId } });
    const pushed = await as.run.push({ runId: verifiedRunId });
    expect(pushed).toEqual({ branch: run.branch, commit: run.headCommit, remote: remote.url, pullRequest: null });
    expect(remote.git("rev-parse", `refs/heads/${run.branch}`)).toBe(run.headCommit);
    const authorized = remote.requests.filter((r) => r.authorization);
    expect(authorized.length).toBeGreaterThan(0);
    expect(Buffer.from(authorized[0]!.authorization!.split(" ")[1]!, "base64").toString()).toBe(`x-access-token:${TOKEN}`);
    const events = await testDb().runEvent.findMany({ where: { runId: verifiedRunId } });
    expect(events.some((e) => e.type === "run.pushed")).toBe(true);
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain(TOKEN);

    remote.token = "rotated-on-the-host";
    const before = remote.requests.length;
    const message = await messageOf(as.run.push({ runId: verifiedRunId }));
    expect(message).toMatch(/refused the project's token.*set a new token/);
    expect(message).not.toContain(TOKEN);
    expect(remote.requests.length - before).toBeLessThanOrEqual(2); // no retry storm
    remote.token = TOKEN;

    // Someone else pushed to the branch on the host: the push is rejected, nothing is forced over it.
    const theirs = remote.git("commit-tree", "-m", "someone else's commit", "-p", run.headCommit!, remote.git("rev-parse", `${run.headCommit}^{tree}`));
    remote.git("update-ref", `refs/heads/${run.branch}`, theirs);
    expect(await messageOf(as.run.push({ runId: verifiedRunId }))).toMatch(/refused the push of autocode\/run-\w+ .*has commits this run does not have/);
    expect(remote.git("rev-parse", `refs/heads/${run.branch}`)).toBe(theirs);
    remote.git("update-ref", `refs/heads/${run.branch}`, run.headCommit!);
  });

  it("opens a GitHub pull request (Enterprise base URL) whose body carries the verification record and a share link, and follows its state", async () => {
    const as = callerFor(owner.id);
    allow(true);
    const pr = await as.run.openPullRequest({ runId: verifiedRunId });
    expect(pr).toMatchObject({ provider: "github", number: 1, state: "open", base: "main", error: null });
    const created = forge.requests.find((r) => r.method === "POST" && r.path === "/api/v3/repos/acme/shop/pulls")!;
    expect(created.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const run = await testDb().run.findUniqueOrThrow({ where: { id: verifiedRunId } });
    expect(created.body).toMatchObject({ head: run.branch, base: "main", title: "Write add(a, b) in calc.py with tests" });
    const body = String(created.body!.body);
    expect(body).toContain("**Outcome:** `verified`");
    expect(body).toMatch(/\| `[^`]*pytest[^`]*` \| 0 \| passed \|/);
    expect(body).toMatch(/\*\*Tests:\*\* \d+ of \d+ passed/);
    expect(body).toContain("**Critic:** PASS");
    expect(body).toMatch(/https:\/\/autocode\.example\.test\/share\/acsh_\w+/);
    expect(body).not.toContain(TOKEN);

    expect(await messageOf(as.run.openPullRequest({ runId: verifiedRunId }))).toContain("pull request #1 is already open");
    expect((await as.run.pullRequest({ runId: verifiedRunId }))?.state).toBe("open");
    forge.setState(1, "merged");
    expect((await callerFor(viewer.id).run.pullRequest({ runId: verifiedRunId }))?.state).toBe("merged");
    const states = await testDb().runEvent.findMany({ where: { runId: verifiedRunId, type: "run.pull_request" }, orderBy: { seq: "asc" } });
    expect(states.map((e) => (e.payload as { state: string }).state)).toEqual(["open", "merged"]);
  });

  it("refuses a non-verified run's pull request unless forced; a 422 'already exists', a 401 and an unreachable API each say what to do", async () => {
    const as = callerFor(owner.id);
    allow(true);
    expect(await messageOf(as.run.openPullRequest({ runId: failedRunId }))).toMatch(/not verified .*explicit confirmation \(force\)/);
    forge.token = "revoked";
    expect(await messageOf(as.run.openPullRequest({ runId: failedRunId, force: true }))).toMatch(/GitHub refused the project's token \(HTTP 401: Bad credentials\).*set a new token/);
    forge.token = TOKEN;
    const pr = await as.run.openPullRequest({ runId: failedRunId, force: true });
    const body = String(forge.requests.filter((r) => r.method === "POST").at(-1)!.body!.body);
    expect(body).toContain("**Not verified:**");
    expect(body).toContain("add ignores floats");
    // The host already has an open request for the branch (opened elsewhere): GitHub's 422.
    await testDb().runEvent.deleteMany({ where: { runId: failedRunId, type: "run.pull_request" } });
    expect(await messageOf(as.run.openPullRequest({ runId: failedRunId, force: true }))).toContain(`is already open: ${pr.url}`);
    await as.project.setRemote({ projectId, provider: "github", url: remote.url, apiUrl: "http://127.0.0.1:9/api/v3" });
    expect(await messageOf(as.run.openPullRequest({ runId: failedRunId, force: true }))).toMatch(/Could not reach the GitHub API at http:\/\/127\.0\.0\.1:9\/api\/v3 .*Check the API base URL/);
  });

  it("opens a GitLab merge request on a self-hosted base URL and reads its state", async () => {
    const as = callerFor(owner.id);
    allow(true);
    await as.project.setRemote({ projectId, provider: "gitlab", url: gitlabRemote.url, apiUrl: `${forge.origin}/api/v4`, token: TOKEN });
    await testDb().runEvent.deleteMany({ where: { runId: verifiedRunId, type: "run.pull_request" } });
    const mr = await as.run.openPullRequest({ runId: verifiedRunId });
    expect(mr).toMatchObject({ provider: "gitlab", state: "open" });
    const created = forge.requests.find((r) => r.method === "POST" && r.path === "/api/v4/projects/team%2Fsub%2Fshop/merge_requests")!;
    expect(created.headers["private-token"]).toBe(TOKEN);
    const run = await testDb().run.findUniqueOrThrow({ where: { id: verifiedRunId } });
    expect(created.body).toMatchObject({ source_branch: run.branch, target_branch: "main" });
    expect(gitlabRemote.git("rev-parse", `refs/heads/${run.branch}`)).toBe(run.headCommit);
    expect(Buffer.from(gitlabRemote.requests.find((r) => r.authorization)!.authorization!.split(" ")[1]!, "base64").toString()).toBe(`oauth2:${TOKEN}`);
    forge.setState(mr.number, "closed");
    expect((await as.run.pullRequest({ runId: verifiedRunId }))?.state).toBe("closed");
  });

  it("git and the API connect to the address that was checked: names only the check's resolver knows are reached", async () => {
    const as = callerFor(owner.id);
    allow(true);
    const lookedUp: string[] = [];
    // The system's DNS knows neither name: a push or API call that resolved again by itself could not connect.
    setHostResolverForTests(async (host) => (lookedUp.push(host), ["127.0.0.1"]));
    try {
      const gitUrl = remote.url.replace("127.0.0.1", "git.rebind.test");
      const apiUrl = `${forge.origin.replace("127.0.0.1", "forge.rebind.test")}/api/v3`;
      await as.project.setRemote({ projectId, provider: "github", url: gitUrl, apiUrl, token: TOKEN });
      const run = await testDb().run.findUniqueOrThrow({ where: { id: verifiedRunId } });
      const pushesBefore = remote.requests.length;
      expect(await as.run.push({ runId: verifiedRunId })).toEqual({ branch: run.branch, commit: run.headCommit, remote: gitUrl, pullRequest: null });
      expect(remote.requests.length).toBeGreaterThan(pushesBefore);
      await testDb().runEvent.deleteMany({ where: { runId: verifiedRunId, type: "run.pull_request" } });
      const callsBefore = forge.requests.length;
      const answer = await as.run.openPullRequest({ runId: verifiedRunId }).then(() => "opened", (error: Error) => error.message);
      expect(answer).not.toMatch(/Could not reach|could not resolve/i);
      const calls = forge.requests.slice(callsBefore);
      expect(calls.length).toBeGreaterThan(0);
      // The name is kept (virtual hosts, TLS): only the address is pinned.
      expect(String(calls[0]!.headers.host)).toMatch(/^forge\.rebind\.test:\d+$/);
      expect(lookedUp).toEqual(expect.arrayContaining(["git.rebind.test", "forge.rebind.test"]));
    } finally {
      setHostResolverForTests();
    }
  });

  it("a follow-up turn updates the thread's open pull request (its branch, description and a comment) instead of opening a twin; once merged, the next turn opens a new one", async () => {
    const as = callerFor(owner.id);
    allow(true);
    await as.project.setRemote({ projectId, provider: "github", url: remote.url, apiUrl: `${forge.origin}/api/v3`, token: TOKEN });
    const first = (await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py for the thread" })).runId;
    expect((await waitForRunEnd(first)).status).toBe("SUCCEEDED");
    const pr = await as.run.openPullRequest({ runId: first });
    const turn1 = await testDb().run.findUniqueOrThrow({ where: { id: first } });

    testRunner!.llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py" }] }));
    const second = (await as.task.followUp({ runId: first, prompt: "Now also add more.py with the same add" })).runId;
    expect((await waitForRunEnd(second)).status).toBe("SUCCEEDED");
    const turn2 = await testDb().run.findUniqueOrThrow({ where: { id: second } });
    const opened = () => forge.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/repos/acme/shop/pulls").length;
    // The turn's page offers the thread's open request (to update), not a second one.
    expect(await as.run.pullRequest({ runId: second })).toMatchObject({ number: pr.number, state: "open", earlierTurn: true });
    const openedBefore = opened();
    const callsBefore = forge.requests.length;

    // A plain push of the verified follow-up: its own branch, and the request's branch fast-forwarded to it.
    const pushed = await as.run.push({ runId: second });
    expect(pushed).toMatchObject({ branch: turn2.branch, commit: turn2.headCommit, pullRequest: { number: pr.number, url: pr.url, state: "open" } });
    expect(remote.git("rev-parse", `refs/heads/${turn2.branch}`)).toBe(turn2.headCommit);
    expect(remote.git("rev-parse", `refs/heads/${turn1.branch}`)).toBe(turn2.headCommit);
    const calls = forge.requests.slice(callsBefore);
    const edited = calls.find((r) => r.method === "PATCH" && r.path === `/api/v3/repos/acme/shop/pulls/${pr.number}`);
    expect(String(edited?.body?.body)).toContain(`from run \`${second}\``);
    expect(String(edited?.body?.body)).toContain("Now also add more.py");
    expect(String(edited?.body?.body)).toContain("**Outcome:** `verified`");
    expect(edited?.body).not.toHaveProperty("title");
    const comment = calls.find((r) => r.method === "POST" && r.path === `/api/v3/repos/acme/shop/issues/${pr.number}/comments`);
    expect(String(comment?.body?.body)).toMatch(new RegExp(`follow-up turn \\(run \`${second}\`\\): Now also add more\\.py`));
    expect(String(comment?.body?.body)).toMatch(/Full record: https:\/\/autocode\.example\.test\/share\/acsh_\w+/);
    expect(opened()).toBe(openedBefore);
    // The turn now shows the thread's request; asking to open one again is refused, never a duplicate.
    expect(await as.run.pullRequest({ runId: second })).toEqual(expect.objectContaining({ number: pr.number, state: "open" }));
    expect((await as.run.pullRequest({ runId: second }))?.earlierTurn).toBeUndefined();
    expect(await messageOf(as.run.openPullRequest({ runId: second }))).toContain(`pull request #${pr.number} is already open`);
    expect(opened()).toBe(openedBefore);

    // Merged on the host: the next turn's request is a new one, from its own branch.
    forge.setState(pr.number, "merged");
    testRunner!.llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in third.py", file: "third.py" }] }));
    const third = (await as.task.followUp({ runId: second, prompt: "And third.py" })).runId;
    expect((await waitForRunEnd(third)).status).toBe("SUCCEEDED");
    const next = await as.run.openPullRequest({ runId: third });
    expect(next.number).not.toBe(pr.number);
    const turn3 = await testDb().run.findUniqueOrThrow({ where: { id: third } });
    expect(forge.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/repos/acme/shop/pulls").at(-1)?.body).toMatchObject({ head: turn3.branch });
    expect((await testDb().runEvent.findMany({ where: { runId: second, type: "run.pull_request" }, orderBy: { seq: "asc" } })).map((e) => (e.payload as { state: string }).state)).toEqual(["open", "merged"]);
  }, 240_000);

  it("on GitLab too, a follow-up turn updates the thread's open merge request (description and a note) instead of opening a twin", async () => {
    const as = callerFor(owner.id);
    allow(true);
    await as.project.setRemote({ projectId, provider: "gitlab", url: gitlabRemote.url, apiUrl: `${forge.origin}/api/v4`, token: TOKEN });
    const first = (await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py for the GitLab thread" })).runId;
    expect((await waitForRunEnd(first)).status).toBe("SUCCEEDED");
    const mr = await as.run.openPullRequest({ runId: first });
    expect(mr).toMatchObject({ provider: "gitlab", state: "open" });
    const turn1 = await testDb().run.findUniqueOrThrow({ where: { id: first } });

    testRunner!.llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py" }] }));
    const second = (await as.task.followUp({ runId: first, prompt: "Now also add more.py for GitLab" })).runId;
    expect((await waitForRunEnd(second)).status).toBe("SUCCEEDED");
    const turn2 = await testDb().run.findUniqueOrThrow({ where: { id: second } });
    const list = "/api/v4/projects/team%2Fsub%2Fshop/merge_requests";
    const opened = () => forge.requests.filter((r) => r.method === "POST" && r.path === list).length;
    const openedBefore = opened();
    const callsBefore = forge.requests.length;

    const pushed = await as.run.push({ runId: second });
    expect(pushed).toMatchObject({ branch: turn2.branch, commit: turn2.headCommit, pullRequest: { number: mr.number, url: mr.url, state: "open" } });
    expect(gitlabRemote.git("rev-parse", `refs/heads/${turn1.branch}`)).toBe(turn2.headCommit);
    const calls = forge.requests.slice(callsBefore);
    const edited = calls.find((r) => r.method === "PUT" && r.path === `${list}/${mr.number}`);
    expect(edited?.headers["private-token"]).toBe(TOKEN);
    expect(String(edited?.body?.description)).toContain(`from run \`${second}\``);
    expect(String(edited?.body?.description)).toContain("**Outcome:** `verified`");
    expect(edited?.body).not.toHaveProperty("title");
    const note = calls.find((r) => r.method === "POST" && r.path === `${list}/${mr.number}/notes`);
    expect(String(note?.body?.body)).toMatch(new RegExp(`follow-up turn \\(run \`${second}\`\\): Now also add more\\.py for GitLab`));
    expect(opened()).toBe(openedBefore);
    expect(await messageOf(as.run.openPullRequest({ runId: second }))).toMatch(new RegExp(`(pull|merge) request !?#?${mr.number} is already open`));
    expect(opened()).toBe(openedBefore);
  }, 240_000);
});
