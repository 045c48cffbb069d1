import { AppError } from "@/server/errors";
import { WORKSPACE_DIR } from "@/server/sandbox/container-spec";
import { withEntries, type PackedDirectory } from "@/server/sandbox/pack-directory";
import type { TarEntry } from "@/server/sandbox/tar-writer";
import type { SandboxSession } from "@/server/sandbox/types";
import { ENV_NODE_MODULES, ENV_PNP_FILES } from "./build-environment-image";

/** Folders tools create right in node_modules for their caches: always the workspace's own, never the image's. */
const CACHE_DIRS = new Set([".cache", ".vite", ".vitest", ".tmp"]);
const PNP_MARK = "//pnp"; // no file name contains a slash
/** Image tags are hashes of their inputs, so what an image holds never changes; a few hundred bytes each. */
const MAX_LISTINGS = 64;
const listings = new Map<string, { nodeModules: string[] | null; pnp: boolean }>();

async function listImage(session: Pick<SandboxSession, "exec">, image: string | undefined): Promise<{ nodeModules: string[] | null; pnp: boolean }> {
  const key = image ?? "";
  const known = listings.get(key);
  if (known) return known;
  const listed = await session.exec(["sh", "-c", `ls -A ${ENV_NODE_MODULES} 2>/dev/null; echo ${PNP_MARK}; ls -A ${ENV_PNP_FILES} 2>/dev/null; true`]);
  const [modules = "", pnp = ""] = listed.stdout.split(`${PNP_MARK}\n`);
  const names = modules.split("\n").filter((name) => name !== "" && name !== "." && name !== ".." && !name.includes("/"));
  const found = { nodeModules: names.length > 0 ? names : null, pnp: pnp.trim() !== "" };
  if (listed.exitCode === 0) {
    if (listings.size >= MAX_LISTINGS) listings.delete(listings.keys().next().value!);
    listings.set(key, found);
  }
  return found;
}

/**
 * A Node environment's packages in a run's workspace. node_modules is a real folder on the run's size-limited
 * workspace tmpfs holding one link per entry of the image's node_modules: module resolution follows the links into
 * the image (read-only, like the rest of the root filesystem), and whatever a run writes there (jest's, babel's or
 * vite's caches, tsc's .tmp) lands on the tmpfs, inside SANDBOX_WORKSPACE_MB, never on the engine's disk (overlay2 on
 * ext4 cannot limit a container's own layer). Yarn berry's Plug'n'Play files are copied in as files: they find the
 * project from their own location, and point at the cache in the image by path.
 */
export async function writeNodeTree(session: Pick<SandboxSession, "exec" | "writeTree">, tree: PackedDirectory, image: string | undefined): Promise<void> {
  const found = await listImage(session, image);
  const links: TarEntry[] = found.nodeModules
    ? [
        { type: "dir", path: "node_modules", mode: 0o755 },
        ...found.nodeModules.filter((name) => !CACHE_DIRS.has(name)).map((name): TarEntry => ({ type: "symlink", path: `node_modules/${name}`, target: `${ENV_NODE_MODULES}/${name}` })),
      ]
    : [];
  if (tree.files > 0 || links.length > 0) await session.writeTree(withEntries(tree, links));
  if (!found.pnp) return;
  const copied = await session.exec(["cp", "-R", `${ENV_PNP_FILES}/.`, `${WORKSPACE_DIR}/`]);
  if (copied.exitCode !== 0) throw new AppError("INTERNAL", `copying Yarn's Plug'n'Play files into the sandbox failed: ${copied.stderr.trim()}`);
}
