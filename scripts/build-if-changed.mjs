// `npm run up` serves a production build (Next's and the compiled server in dist/: scripts/build-server.mjs);
// this builds it only when the sources changed since the last build.
// The fingerprint is every source file's path, size and modification time (cheap: no file is read), kept
// beside the build in .next/autocode-sources; `npm run dev` never uses it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const SOURCES = ["app", "components", "server", "lib", "public", "prisma/schema.prisma", "package-lock.json", "package.json", "next.config.ts", "next.config.mjs", "tsconfig.json", "postcss.config.mjs", "tailwind.config.ts", "middleware.ts", "auth.ts", "server.ts"];
const SKIP = /(^|\/)(node_modules|\.next|\.data)(\/|$)|\.test\.tsx?$/;

function fingerprint() {
  const hash = createHash("sha256");
  const visit = (relative) => {
    if (SKIP.test(relative)) return;
    let stat;
    try {
      stat = fs.statSync(path.join(root, relative));
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(path.join(root, relative)).sort()) visit(path.join(relative, name));
    } else hash.update(`${relative}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  SOURCES.forEach(visit);
  return hash.digest("hex");
}

const stamp = path.join(root, ".next", "autocode-sources");
const current = fingerprint();
const complete = [path.join(".next", "BUILD_ID"), path.join("dist", "server.mjs"), path.join(".next", "autocode-sources")].every((file) => fs.existsSync(path.join(root, file)));
const built = complete ? fs.readFileSync(stamp, "utf8") : "";
if (built === current) {
  console.log("[up] the production build is current; starting it.");
} else {
  console.log("[up] building the production app (once; again only when the sources change)...");
  for (const [command, ...args] of [["npx", "next", "build"], ["node", "scripts/build-server.mjs"]]) {
    const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  fs.writeFileSync(stamp, current);
}
