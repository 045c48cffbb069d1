import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { git, gitText, GitCommandError } from "@/server/git/run-git";
import { curlResolvePin } from "@/server/network/pin-address";
import { isActiveStatus } from "@/server/runs/events/run-status";
import { appendRunEvent } from "@/server/runs/run-events";
import { scrubToken } from "./forge-api";
import { checkRemoteHost, resolveRemote, type ResolvedRemote } from "./project-remote";

const PUSH_TIMEOUT_MS = 120_000;

/**
 * git's environment for talking to the remote: only the project's token, sent as one header. run-git already
 * gives git an empty HOME and no global or system config, so no key, netrc or credential store of the host is used.
 */
function remoteGitEnv(remote: ResolvedRemote, address: string | undefined): Record<string, string> {
  const user = remote.provider === "gitlab" ? "oauth2" : "x-access-token";
  const basic = Buffer.from(`${user}:${remote.token}`).toString("base64");
  // In the environment, not argv (visible in `ps`); redirects are refused so the header never goes elsewhere.
  const config: [string, string][] = [
    ["http.extraHeader", `Authorization: Basic ${basic}`],
    ["http.followRedirects", "false"],
    ["credential.helper", ""],
  ];
  // curl connects to the address just checked, not to whatever a second DNS answer says (rebinding).
  const pin = curlResolvePin(remote.url, address);
  if (pin) config.push(["http.curloptResolve", pin]);
  return {
    GIT_ALLOW_PROTOCOL: "http:https",
    GIT_ASKPASS: "/bin/false",
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])),
  };
}

/** What git said, turned into what to do next (the token never shown). */
function pushFailure(error: unknown, remote: ResolvedRemote, branch: string): AppError {
  const stderr = error instanceof GitCommandError ? error.stderr : String(error);
  const said = scrubToken(stderr.trim().split("\n").slice(-3).join(" ").slice(0, 400), remote.token);
  if (error instanceof GitCommandError && error.timedOut) return new AppError("UNAVAILABLE", `The push to ${remote.url} did not finish within ${PUSH_TIMEOUT_MS / 1000} s. Check that this server can reach the remote, then push again.`);
  if (/\b(401|403)\b|Authentication failed|could not read Username|terminal prompts disabled|Invalid username or password/i.test(stderr)) {
    return new AppError("BAD_REQUEST", `The remote refused the project's token (${said}). It may be revoked, expired or without write access: set a new token under Remote on the project page, then push again.`);
  }
  if (/\[rejected\]|non-fast-forward|fetch first|failed to push some refs/i.test(stderr)) {
    return new AppError("CONFLICT", `The remote refused the push of ${branch} (${said}). Its ${branch} has commits this run does not have; delete that branch on the remote or re-run the task, then push again.`);
  }
  if (/Could not resolve host|Failed to connect|Connection refused|Connection timed out|SSL|unable to access/i.test(stderr)) {
    return new AppError("UNAVAILABLE", `Could not reach the remote ${remote.url} (${said}). Check the URL and that this server can reach it, then push again.`);
  }
  return new AppError("BAD_REQUEST", `The push to ${remote.url} failed: ${said || "no message from git"}. Check the remote's URL and token.`);
}

/**
 * Pushes the run's branch, as committed, to the project's remote under the same name; returns the pushed commit.
 * `alsoTo`: a branch of an earlier turn (its pull request's head) that this run continues, fast-forwarded in the same push.
 */
export async function pushRunBranch(options: { db: Db; userId: string; runId: string; alsoTo?: string }): Promise<{ branch: string; commit: string; remote: string }> {
  const run = await requireRun({ ...options, need: "write" });
  if (isActiveStatus(run.status)) throw new AppError("CONFLICT", "Wait for the run to finish before pushing its branch.");
  if (!run.branch) throw new AppError("CONFLICT", "This run never got a branch (it ended before starting): there is nothing to push.");
  const remote = await resolveRemote(options.db, run.projectId);
  // Checked at every push: the name may resolve elsewhere than when the remote was saved.
  const [address] = await checkRemoteHost(remote.url, "repository URL");
  const repoPath = run.project.repoPath;
  const commit = await gitText(["rev-parse", "--verify", "--end-of-options", `refs/heads/${run.branch}^{commit}`], { cwd: repoPath });
  const refspecs = [run.branch, ...(options.alsoTo && options.alsoTo !== run.branch ? [options.alsoTo] : [])].map((to) => `refs/heads/${run.branch}:refs/heads/${to}`);
  await git(["push", "--porcelain", "--", remote.url, ...refspecs], { cwd: repoPath, env: remoteGitEnv(remote, address), timeoutMs: PUSH_TIMEOUT_MS }).catch((error: unknown) => {
    throw pushFailure(error, remote, options.alsoTo ?? run.branch!);
  });
  await appendRunEvent(options.db, { runId: run.id, type: "run.pushed", payload: { by: options.userId, remote: remote.url, branch: run.branch, commit } });
  return { branch: run.branch, commit, remote: remote.url };
}
