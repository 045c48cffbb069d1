/**
 * The run page of a big run in Chromium (issue #17): a run that wrote 6 files of about 130,000 characters each,
 * seeded into a production server's database the way a run leaves it (tests/helpers/big-run.ts), opened in
 * Debian's Chromium through Playwright, as the e2e suite does.
 *   page.big_run_ready_ms: navigation start to "usable" (the verdict and every file of the diff on the page),
 *     median over fresh page loads; page.big_share_ready_ms: the same run's share page, signed out;
 *   page.short_run_ready_ms: the baseline, alternated with it: a run that wrote one file of 2,000 characters;
 *   page.big_run_heap_mb / page.short_run_heap_mb: the JS heap after a forced GC once the page is usable, median;
 *   page.big_run_longest_task_ms: the longest main-thread task (PerformanceObserver "longtask", which reports
 *     tasks of 50 ms and more; 0 means none) from clicking "Expand all" until every file is open and drawn,
 *     median over loads.
 * Needs the production build (`npm run build`) and builds it when there is none.
 * Run alone: npx tsx bench/big-run-page.ts [--quick]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { freePort } from "@/bench/lib/bench-database";
import { ensureProductionBuild, productionServerEnv, ROOT, stopProcessGroup } from "@/bench/lib/production-build";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round, sleep } from "@/bench/lib/stats";
import { BIG_RUN_FILES, seedBigRun } from "@/tests/helpers/big-run";

const CHANGES = 'section[aria-label="Changes"]';

async function startServer(env: Record<string, string>, port: number): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, ["dist/server.mjs"], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = () => stopProcessGroup(child.pid!, exited, 20_000);
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${stderr}`);
    if (Date.now() - started > 180_000) {
      await stop();
      throw new Error(`/health did not say ok within 180 s:\n${stderr}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (ok) return stop;
    await sleep(200);
  }
}

/** Signs a person up and makes a project through the pages, as a newcomer does. */
async function signUpWithProject(page: Page, projectName: string): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Bench");
  await page.getByLabel("Email").fill(`bench-${Date.now()}@example.test`);
  await page.getByLabel("Password").fill("bench-big-runs-2026");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/projects$/, { timeout: 60_000 });
  const create = page.getByRole("button", { name: "New project" }).first();
  // Clicks before hydration are lost: retry until the dialog's field shows.
  for (let i = 0; i < 60 && !(await page.getByLabel("Name", { exact: true }).isVisible()); i++) {
    await create.click();
    await sleep(500);
  }
  await page.getByLabel("Name", { exact: true }).fill(projectName);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByRole("heading", { name: projectName }).waitFor({ timeout: 60_000 });
}

/** Opens a page and returns when it is usable: ms since navigation start (the page's own clock), and the heap. */
async function openUsable(context: BrowserContext, url: string, files: number): Promise<{ page: Page; readyMs: number; heapMb: number }> {
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "commit" });
  const ready = await page.waitForFunction(
    ({ selector, files }) => {
      const verdict = document.querySelector('[data-testid="verdict"]');
      const headers = document.querySelectorAll(`${selector} h3 button`).length;
      return verdict && headers >= files ? performance.now() : false;
    },
    { selector: CHANGES, files },
    { polling: "raf", timeout: 120_000 },
  );
  const readyMs = (await ready.jsonValue()) as number;
  // Where the time went (printed, not a figure): the server's answer, the document parsed, then the client's part.
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    const scripts = performance.getEntriesByType("resource").filter((entry) => entry.name.endsWith(".js")) as PerformanceResourceTiming[];
    return nav ? { firstByte: nav.responseStart, lastByte: nav.responseEnd, domInteractive: nav.domInteractive, domContentLoaded: nav.domContentLoadedEventEnd, scriptsEnd: Math.max(0, ...scripts.map((entry) => entry.responseEnd)) } : null;
  });
  if (timing) console.log(`  ${url.slice(0, 40).padEnd(40)} first byte ${Math.round(timing.firstByte)} ms, last byte ${Math.round(timing.lastByte)}, interactive ${Math.round(timing.domInteractive)}, scripts loaded ${Math.round(timing.scriptsEnd)}, DOMContentLoaded ${Math.round(timing.domContentLoaded)}, usable ${Math.round(readyMs)}`);
  // The heap once the page is hydrated and loaded (its server HTML can be usable before any script ran).
  await page.waitForLoadState("load");
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
  const cdp = await context.newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };
  await cdp.detach();
  return { page, readyMs, heapMb: usedSize / 2 ** 20 };
}

/** Clicks "Expand all" and returns the longest main-thread task until every file is open and painted (0: none >= 50 ms). */
async function expandAllLongestTask(page: Page, files: number): Promise<number> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { __longTasks: number[] }).__longTasks = seen;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) seen.push(entry.duration);
    }).observe({ type: "longtask" });
  });
  const expand = page.locator(CHANGES).getByRole("button", { name: "Expand all" });
  // The button is there before hydration; a click React has not attached to does nothing, so retry.
  for (let i = 0; i < 60; i++) {
    await expand.click();
    const open = await page.waitForFunction((selector) => document.querySelectorAll(`${selector} h3 button[aria-expanded="true"]`).length, CHANGES, { timeout: 1_000 }).then(
      (handle) => handle.jsonValue() as Promise<number>,
      () => 0,
    );
    if (open >= files) break;
  }
  await page.waitForFunction((selector) => document.querySelector(`${selector} tr[data-row]`) !== null, CHANGES, { timeout: 60_000 });
  // Two frames and a quiet moment, so the windowing's measure-and-trim pass is counted too.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 500)))));
  const tasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  return tasks.length ? Math.max(...tasks) : 0;
}

export async function benchBigRunPage({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const reps = quick ? 3 : 9;
  ensureProductionBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-big-run-"));
  const [port, pgPort, chromaPort] = [await freePort(), await freePort(), await freePort()];
  // Its own embedded Postgres; the seed writes to it as the e2e specs write to the suite's (e2e/extra-servers.ts).
  const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${pgPort}/postgres?pglite=1`;
  const stop = await startServer({ ...productionServerEnv({ port, dataDir, pgPort, chromaPort }), SIGNUP: "open", WORKER_ENABLED: "false" }, port);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    // localhost, not 127.0.0.1: Auth.js builds its URLs on localhost.
    const baseURL = `http://localhost:${port}`;
    const owner = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
    const projectName = "big-runs";
    await signUpWithProject(await owner.newPage(), projectName);
    const big = await seedBigRun({ databaseUrl, projectName });
    const short = await seedBigRun({ databaseUrl, projectName, files: 1, chars: 2_000 });
    const state = await owner.storageState();
    await owner.close();

    const samples = { big: [] as number[], share: [] as number[], short: [] as number[], bigHeap: [] as number[], shortHeap: [] as number[], shareHeap: [] as number[], longest: [] as number[] };
    // One warm-up load of each (the server compiles nothing in production, but its caches and Chromium's fill).
    for (let rep = -1; rep < reps; rep++) {
      const signedIn = await browser.newContext({ baseURL, storageState: state, viewport: { width: 1280, height: 900 } });
      const bigPage = await openUsable(signedIn, big.runPath, BIG_RUN_FILES);
      const longest = await expandAllLongestTask(bigPage.page, BIG_RUN_FILES);
      await bigPage.page.close();
      const shortPage = await openUsable(signedIn, short.runPath, 1);
      await signedIn.close();
      const guest = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
      const sharePage = await openUsable(guest, big.sharePath, BIG_RUN_FILES);
      await guest.close();
      if (rep < 0) continue;
      samples.big.push(bigPage.readyMs);
      samples.bigHeap.push(bigPage.heapMb);
      samples.longest.push(longest);
      samples.short.push(shortPage.readyMs);
      samples.shortHeap.push(shortPage.heapMb);
      samples.share.push(sharePage.readyMs);
      samples.shareHeap.push(sharePage.heapMb);
    }
    return {
      "page.big_run_ready_ms": round(median(samples.big)),
      "page.big_share_ready_ms": round(median(samples.share)),
      "page.short_run_ready_ms": round(median(samples.short)),
      "page.big_run_heap_mb": round(median(samples.bigHeap), 1),
      "page.big_share_heap_mb": round(median(samples.shareHeap), 1),
      "page.short_run_heap_mb": round(median(samples.shortHeap), 1),
      "page.big_run_longest_task_ms": round(median(samples.longest)),
      "page.big_run_longest_task_max_ms": round(Math.max(...samples.longest)),
      "page.runs": reps,
      "page.load1": round(os.loadavg()[0]!, 1),
    };
  } finally {
    await browser?.close();
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runStandalone(import.meta.url, benchBigRunPage);
