#!/usr/bin/env node
// `npm test`: every vitest suite, then Playwright, then one closing line with the totals.
// With CI=true a skipped test is a failure: in CI everything the tests need is installed and running.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const reports = path.resolve(".test-reports");
fs.mkdirSync(reports, { recursive: true });
const only = process.argv[2]; // "unit" or "e2e" to run one half

function run(command, args, env = {}) {
  console.log(`\n$ ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

let status = run("npx", ["prisma", "generate"]);
const totals = { passed: 0, failed: 0, skipped: 0 };

if (status === 0 && only !== "e2e") {
  const file = path.join(reports, "vitest.json");
  fs.rmSync(file, { force: true });
  status ||= run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${file}`]);
  const report = readJson(file);
  if (report) {
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  } else status ||= 1;
}

if (status === 0 && only !== "unit") {
  const file = path.join(reports, "playwright.json");
  fs.rmSync(file, { force: true });
  status ||= run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
  const report = readJson(file);
  if (report) {
    totals.passed += report.stats.expected + report.stats.flaky;
    totals.failed += report.stats.unexpected;
    totals.skipped += report.stats.skipped;
  } else status ||= 1;
}

if (process.env.CI && totals.skipped > 0) {
  console.error(`\n${totals.skipped} test(s) skipped under CI=true; in CI every dependency must be present.`);
  status ||= 1;
}
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status);
