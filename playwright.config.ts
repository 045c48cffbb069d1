import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://localhost:${PORT}`;
/** The fake model server (tests/fake-llm/serve.ts); e2e specs script answers through its /control API. */
export const FAKE_LLM_PORT = Number(process.env.E2E_FAKE_LLM_PORT ?? PORT + 80);

/**
 * End-to-end tests in Debian's Chromium against a production build of the app, started with no DATABASE_URL
 * so the embedded Postgres path is what the browser exercises. Browse localhost, not 127.0.0.1: Auth.js
 * builds its URLs on localhost.
 */
export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [
    {
      command: `npx tsx tests/fake-llm/serve.ts --port ${FAKE_LLM_PORT}`,
      url: `http://127.0.0.1:${FAKE_LLM_PORT}/health`,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "rm -rf .data/e2e && npm run build && npm start",
      url: `${baseURL}/health`,
      // The production build takes ~2 min on a quiet 2-core machine and over 5 min when it is loaded.
      timeout: 900_000,
      reuseExistingServer: !process.env.CI,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        PORT: String(PORT),
        DATA_DIR: ".data/e2e",
        DATABASE_URL: "",
        EMBEDDED_PG_PORT: String(PORT + 1000),
        // Its own Chroma too: never reuse a developer's server on the default port with another data dir.
        EMBEDDED_CHROMA_PORT: String(PORT + 2000),
        AUTH_SECRET: "e2e-secret-not-for-production",
        // The browser stands in for clients behind a proxy: each context names its address in X-Forwarded-For.
        TRUST_PROXY: "127.0.0.1,::1",
        // The suite signs up many people; e2e/sign-up-modes.spec.ts starts servers of its own for the other modes.
        SIGNUP: "open",
        NEXT_TELEMETRY_DISABLED: "1",
        // Runs go to the fake model server, and execute for real in the Docker sandbox.
        LLM_MODE: "litellm",
        LITELLM_URL: `http://127.0.0.1:${FAKE_LLM_PORT}/v1`,
        LLM_MODEL: "",
        LLM_MAX_RETRIES: "1",
        // The original clients' browser page (e2e/original-clients.spec.ts) runs on another origin; `*` counts
        // only for client URLs.
        CORS_ORIGINS: "*",
      },
    },
  ],
});
