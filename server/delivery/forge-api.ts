import { AppError } from "@/server/errors";
import { pinnedFetch } from "@/server/network/pin-address";
import { checkRemoteHost, type ResolvedRemote } from "./project-remote";

export type PullRequestState = "open" | "merged" | "closed";
export interface PullRequestInfo {
  number: number;
  url: string;
  state: PullRequestState;
}

const TIMEOUT_MS = 20_000;
const HOST_NAME = { github: "GitHub", gitlab: "GitLab" } as const;

/** A token never appears in what we show: the host may echo it in an error page. */
export function scrubToken(text: string, token: string): string {
  return token ? text.split(token).join("[token]") : text;
}

/** One REST call to the forge with the project's token; failures become errors that say what to do next. */
async function call(remote: ResolvedRemote, method: "GET" | "POST" | "PATCH" | "PUT", path: string, body?: unknown): Promise<unknown> {
  const host = HOST_NAME[remote.provider];
  const [address] = await checkRemoteHost(remote.apiUrl, "API base URL");
  const headers: Record<string, string> =
    remote.provider === "github"
      ? { authorization: `Bearer ${remote.token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" }
      : { "private-token": remote.token, accept: "application/json" };
  let response: Response;
  try {
    // To the address just checked (DNS rebinding); redirects are never followed: one could take the token elsewhere.
    response = await pinnedFetch(`${remote.apiUrl}${path}`, {
      address,
      method,
      headers: { ...headers, "user-agent": "AutoCodeAI", ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const cause = timedOut ? `no answer within ${TIMEOUT_MS / 1000} s` : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
    throw new AppError("UNAVAILABLE", `Could not reach the ${host} API at ${remote.apiUrl} (${cause}). Check the API base URL in the project's remote settings and that this server can reach it, then try again.`);
  }
  const text = await response.text().catch(() => "");
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed;
  const said = scrubToken(messageOf(parsed) ?? text.slice(0, 300), remote.token);
  const status = response.status;
  if (status === 401) throw new AppError("BAD_REQUEST", `${host} refused the project's token (HTTP 401${said ? `: ${said}` : ""}). It may be revoked or expired: set a new token under Remote on the project page.`);
  if (status === 403) throw new AppError("BAD_REQUEST", `${host} says the token may not do this (HTTP 403${said ? `: ${said}` : ""}). Give the token ${remote.provider === "github" ? "the pull requests: write and contents: write permissions" : "the api scope and Developer access"}.`);
  if (status === 404) throw new AppError("BAD_REQUEST", `${host} does not know ${remote.repository} at ${remote.apiUrl} (HTTP 404), or the token cannot see it. Check the repository URL, the API base URL and the token's access.`);
  if (status >= 300 && status < 400) throw new AppError("BAD_REQUEST", `The ${host} API at ${remote.apiUrl} answered with a redirect (HTTP ${status}); set the API base URL to where it points.`);
  throw new ForgeError(status, said, `${host} answered HTTP ${status}${said ? `: ${said}` : ""}.`);
}

/** An API answer other than the ones with a fixed meaning above (422, 409, 5xx): the caller may know more. */
export class ForgeError extends AppError {
  constructor(
    readonly status: number,
    readonly said: string,
    message: string,
  ) {
    super(status >= 500 ? "UNAVAILABLE" : "CONFLICT", message);
  }
}

function messageOf(body: unknown): string | null {
  if (!body || typeof body !== "object") return null;
  const record = body as { message?: unknown; error?: unknown; errors?: unknown };
  const parts: string[] = [];
  for (const value of [record.message, record.error]) {
    if (typeof value === "string") parts.push(value);
    else if (Array.isArray(value)) parts.push(value.map(String).join("; "));
  }
  if (Array.isArray(record.errors)) parts.push(record.errors.map((e) => (typeof e === "object" && e && "message" in e ? String((e as { message: unknown }).message) : String(e))).join("; "));
  return parts.filter(Boolean).join(" — ") || null;
}

const projectPath = (remote: ResolvedRemote) => `/projects/${encodeURIComponent(remote.repository)}`;

function githubInfo(value: unknown): PullRequestInfo {
  const pr = value as { number: number; html_url: string; state: string; merged?: boolean; merged_at?: string | null };
  return { number: pr.number, url: pr.html_url, state: pr.merged || pr.merged_at ? "merged" : pr.state === "open" ? "open" : "closed" };
}

function gitlabInfo(value: unknown): PullRequestInfo {
  const mr = value as { iid: number; web_url: string; state: string };
  return { number: mr.iid, url: mr.web_url, state: mr.state === "merged" ? "merged" : mr.state === "opened" ? "open" : "closed" };
}

/** Opens a pull request (GitHub) or merge request (GitLab) from `head` into `base`. */
export async function createPullRequest(remote: ResolvedRemote, input: { head: string; base: string; title: string; body: string }): Promise<PullRequestInfo> {
  try {
    if (remote.provider === "github") {
      return githubInfo(await call(remote, "POST", `/repos/${remote.repository}/pulls`, { title: input.title, head: input.head, base: input.base, body: input.body }));
    }
    return gitlabInfo(await call(remote, "POST", `${projectPath(remote)}/merge_requests`, { source_branch: input.head, target_branch: input.base, title: input.title, description: input.body }));
  } catch (error) {
    if (!(error instanceof ForgeError)) throw error;
    if (/already exists/i.test(error.said)) {
      const existing = await findOpenPullRequest(remote, input.head).catch(() => null);
      throw new AppError("CONFLICT", `A ${remote.provider === "github" ? "pull" : "merge"} request for ${input.head} is already open${existing ? `: ${existing.url}` : ""}. Update it by pushing the branch again, or close it first to open a new one.`);
    }
    if (error.status === 422 || error.status === 400) {
      throw new AppError("BAD_REQUEST", `${error.message} Check that ${input.base} exists on the remote and that the branch was pushed (Push branch), then try again.`);
    }
    throw error;
  }
}

async function findOpenPullRequest(remote: ResolvedRemote, head: string): Promise<PullRequestInfo | null> {
  if (remote.provider === "github") {
    const owner = remote.repository.split("/")[0];
    const list = (await call(remote, "GET", `/repos/${remote.repository}/pulls?state=open&head=${encodeURIComponent(`${owner}:${head}`)}`)) as unknown[];
    return list?.[0] ? githubInfo(list[0]) : null;
  }
  const list = (await call(remote, "GET", `${projectPath(remote)}/merge_requests?state=opened&source_branch=${encodeURIComponent(head)}`)) as unknown[];
  return list?.[0] ? gitlabInfo(list[0]) : null;
}

/** The pull request's current state (open, merged, closed) as the forge has it now. */
export async function readPullRequest(remote: ResolvedRemote, number: number): Promise<PullRequestInfo> {
  if (remote.provider === "github") return githubInfo(await call(remote, "GET", `/repos/${remote.repository}/pulls/${number}`));
  return gitlabInfo(await call(remote, "GET", `${projectPath(remote)}/merge_requests/${number}`));
}

/**
 * A follow-up turn's commits reached the request's branch: its description becomes the new turn's record and a
 * comment says what the turn changed (the title stays: a reviewer may have edited it).
 */
export async function updatePullRequest(remote: ResolvedRemote, number: number, input: { body: string; comment: string }): Promise<PullRequestInfo> {
  if (remote.provider === "github") {
    const info = githubInfo(await call(remote, "PATCH", `/repos/${remote.repository}/pulls/${number}`, { body: input.body }));
    await call(remote, "POST", `/repos/${remote.repository}/issues/${number}/comments`, { body: input.comment });
    return info;
  }
  const info = gitlabInfo(await call(remote, "PUT", `${projectPath(remote)}/merge_requests/${number}`, { description: input.body }));
  await call(remote, "POST", `${projectPath(remote)}/merge_requests/${number}/notes`, { body: input.comment });
  return info;
}
