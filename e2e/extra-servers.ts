import { spawn, type ChildProcess } from "node:child_process";

/**
 * Servers started beside the suite's own from the same production build, for settings only a process can
 * have (SIGNUP modes, a model endpoint that does not answer). Each spec stops its own in afterAll.
 */
export const SUITE_PORT = Number(process.env.E2E_PORT ?? 3210);
export const SHARED_DATABASE = `postgresql://postgres:postgres@127.0.0.1:${SUITE_PORT + 1000}/postgres?pglite=1`;

export function extraServers() {
  const servers: ChildProcess[] = [];
  return {
    async start(port: number, env: Record<string, string>): Promise<string> {
      const base = `http://localhost:${port}`;
      // A server left on the port would answer for this one (with other settings and another database).
      if (await fetch(`${base}/health`).then(() => true, () => false)) throw new Error(`port ${port} is already in use`);
      // The compiled server of the suite's build (`npm run build` wrote dist/), as `npm start` runs it.
      const child = spawn("node", ["dist/server.mjs"], {
        env: {
          ...process.env,
          NODE_ENV: "production",
          PORT: String(port),
          AUTH_SECRET: "e2e-secret-not-for-production",
          CHROMA_URL: `http://127.0.0.1:${SUITE_PORT + 2000}`,
          WORKER_ENABLED: "false",
          NEXT_TELEMETRY_DISABLED: "1",
          ...env,
        },
        stdio: "ignore",
        // Its own process group, so stopping it reaches anything it started.
        detached: true,
      });
      servers.push(child);
      for (let i = 0; i < 240; i++) {
        if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) return base;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(`the extra server on ${port} did not start`);
    },
    async stopAll(): Promise<void> {
      for (const child of servers) if (child.pid) process.kill(-child.pid, "SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 3000));
      for (const child of servers) if (child.pid) try { process.kill(-child.pid, "SIGKILL"); } catch { /* already gone */ }
    },
  };
}
