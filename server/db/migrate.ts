import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** Applies committed migrations with `prisma migrate deploy` on the wasm engines. */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const prismaBin = path.join(root, "node_modules", ".bin", "prisma");
  const preload = `--require=${path.join(root, "scripts", "unref-timers.cjs")}`;
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(prismaBin, ["migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(" ") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) {
    throw new Error(`Database migration failed (prisma migrate deploy exited ${code}):\n${output.join("").trim()}`);
  }
}
