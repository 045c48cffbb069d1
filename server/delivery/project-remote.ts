import { z } from "zod";
import { requireProject } from "@/server/access/project-access";
import { decryptSecret, encryptSecret } from "@/server/auth/secrets";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { checkOutboundHost } from "@/server/network/outbound-address";

export const REMOTE_PROVIDERS = ["github", "gitlab"] as const;
export type RemoteProvider = (typeof REMOTE_PROVIDERS)[number];

const ZHttpUrl = (what: string) =>
  z
    .string()
    .trim()
    .max(2000, `The ${what} is too long.`)
    .refine((value) => URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol), `Give the ${what} as an http:// or https:// URL.`)
    // The token is stored encrypted apart from the URL; a password in the URL would be shown and logged.
    .refine((value) => !URL.canParse(value) || (!new URL(value).username && !new URL(value).password), `Leave credentials out of the ${what}; put the token in the token field.`);

export const ZSetProjectRemote = z.object({
  projectId: z.string().min(1).max(64),
  provider: z.enum(REMOTE_PROVIDERS),
  /** The repository's https clone URL, e.g. https://github.com/acme/shop.git or https://gitlab.example.com/team/shop.git. */
  url: ZHttpUrl("repository URL"),
  /** GitHub Enterprise (https://ghe.example.com/api/v3) or self-hosted GitLab (https://gitlab.example.com/api/v4); absent: derived from the URL. */
  apiUrl: ZHttpUrl("API base URL").optional(),
  /** A token with push and pull-request rights; absent keeps the stored one. Never returned. */
  token: z.string().trim().min(1, "The token is empty.").max(1000, "The token is too long.").optional(),
});

export const ZProjectRemoteDto = z.object({ provider: z.enum(REMOTE_PROVIDERS), url: z.string(), apiUrl: z.string(), repository: z.string(), tokenSet: z.boolean() });
export type TProjectRemoteDto = z.infer<typeof ZProjectRemoteDto>;

/** What a push or an API call needs, token decrypted: only for server-side use, never returned. */
export interface ResolvedRemote {
  provider: RemoteProvider;
  url: string;
  apiUrl: string;
  repository: string;
  token: string;
}

/** owner/name (GitHub) or group/subgroup/name (GitLab) from the clone URL's path. */
export function repositoryPathOf(url: string): string {
  const repository = new URL(url).pathname.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  if (!/^[\w.-]+(\/[\w.-]+)+$/.test(repository)) throw new AppError("BAD_REQUEST", `The URL ${url} does not name a repository (expected https://host/owner/name.git).`);
  return repository;
}

export function defaultApiUrl(provider: RemoteProvider, url: string): string {
  const parsed = new URL(url);
  if (provider === "gitlab") return `${parsed.origin}/api/v4`;
  return parsed.hostname === "github.com" ? "https://api.github.com" : `${parsed.origin}/api/v3`;
}

/** Refuses loopback, private and link-local hosts unless the operator allows them (checked at save and at every use); the checked addresses. */
export async function checkRemoteHost(url: string, what: string, allowUnresolved = false): Promise<string[]> {
  return checkOutboundHost({ host: new URL(url).hostname, allowPrivate: env().ALLOW_PRIVATE_ADDRESSES, allowUnresolved, what: `The ${what} ${url} was refused` });
}

function toDto(row: { provider: string; url: string; apiUrl: string; repository: string; tokenCipher: string | null }): TProjectRemoteDto {
  return { provider: row.provider as RemoteProvider, url: row.url, apiUrl: row.apiUrl, repository: row.repository, tokenSet: row.tokenCipher !== null };
}

export async function getProjectRemote(options: { db: Db; userId: string; projectId: string }): Promise<TProjectRemoteDto | null> {
  await requireProject({ ...options, need: "read" });
  const row = await options.db.projectRemote.findUnique({ where: { projectId: options.projectId } });
  return row ? toDto(row) : null;
}

/** Sets the project's remote (editors); the token is encrypted at rest and only whether one is set comes back. */
export async function setProjectRemote(options: { db: Db; userId: string; input: z.input<typeof ZSetProjectRemote> }): Promise<TProjectRemoteDto> {
  const parsed = ZSetProjectRemote.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the remote.");
  const { projectId, provider, url, token } = parsed.data;
  await requireProject({ db: options.db, userId: options.userId, projectId, need: "write" });
  const apiUrl = (parsed.data.apiUrl ?? defaultApiUrl(provider, url)).replace(/\/+$/, "");
  const repository = repositoryPathOf(url);
  await checkRemoteHost(url, "repository URL", true);
  await checkRemoteHost(apiUrl, "API base URL", true);
  const tokenCipher = token === undefined ? undefined : encryptSecret(token);
  const row = await options.db.projectRemote.upsert({
    where: { projectId },
    create: { projectId, provider, url, apiUrl, repository, tokenCipher: tokenCipher ?? null },
    update: { provider, url, apiUrl, repository, ...(tokenCipher ? { tokenCipher } : {}) },
  });
  return toDto(row);
}

export async function deleteProjectRemote(options: { db: Db; userId: string; projectId: string }): Promise<void> {
  await requireProject({ ...options, need: "write" });
  await options.db.projectRemote.deleteMany({ where: { projectId: options.projectId } });
}

/** The project's remote with its token, for a push or an API call; errors say what to set up. */
export async function resolveRemote(db: Db, projectId: string): Promise<ResolvedRemote> {
  const row = await db.projectRemote.findUnique({ where: { projectId } });
  if (!row) throw new AppError("BAD_REQUEST", "This project has no remote. Add the repository's URL and a token under Remote on the project page.");
  if (!row.tokenCipher) throw new AppError("BAD_REQUEST", "The project's remote has no token. Add one with push rights under Remote on the project page.");
  return { provider: row.provider as RemoteProvider, url: row.url, apiUrl: row.apiUrl, repository: row.repository, token: decryptSecret(row.tokenCipher) };
}
