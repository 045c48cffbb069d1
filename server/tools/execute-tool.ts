import { isIP } from "node:net";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { checkOutboundHost } from "@/server/network/outbound-address";
import type { ExecutionResult, SandboxSession } from "@/server/sandbox/types";
import { runSetupContainer } from "./run-setup-container";
import { TOOL_NAMES, type ToolName, type ToolResult } from "./tool-step";
import { planTool } from "./validate-command";

export interface ExecuteToolOptions {
  runId: string;
  tool: string;
  params: Record<string, unknown>;
  /** The run's sandbox session: tools read and change its workspace. */
  workspace: SandboxSession;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const NETWORK_FAILURE =
  /network unreachable|Could not resolve host|Temporary failure in name resolution|Name or service not known|Network is unreachable|Failed to establish a new connection|Connection (refused|timed out)/i;

/** sandbox/runner.py exits with this when its probe of the package index fails. */
const SETUP_NETWORK_UNREACHABLE = 75;

function refused(error: string): ToolResult {
  return { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 0, error };
}

function fromExecution(result: ExecutionResult, timeoutMs: number): ToolResult {
  const error = result.timedOut ? `timed out after ${timeoutMs / 1000} s` : result.passed ? undefined : result.failureReason;
  return {
    ok: result.passed,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: result.durationMs,
    ...(error === undefined ? {} : { error }),
  };
}

/**
 * Runs one whitelisted tool step. Refusals and failures come back as a result with `error`, written for the
 * agent (they become observations); only a missing sandbox or engine throws.
 */
export async function executeTool(options: ExecuteToolOptions): Promise<ToolResult> {
  const settings = env();
  if (!settings.ENABLE_TOOL_USE) {
    return refused("Tool use is disabled on this server (ENABLE_TOOL_USE=false); plan without tool steps.");
  }
  if (!(TOOL_NAMES as readonly string[]).includes(options.tool)) {
    return refused(`Unknown tool ${JSON.stringify(options.tool)}; available: ${TOOL_NAMES.join(", ")}.`);
  }
  const timeoutMs = options.timeoutMs ?? settings.TOOL_EXECUTOR_TIMEOUT * 1000;
  let plan;
  try {
    plan = planTool(options.tool as ToolName, options.params);
  } catch (error) {
    if (AppError.is(error, "BAD_REQUEST")) return refused(`Refused: ${error.userMessage}`);
    throw error;
  }
  const run = { timeoutMs, signal: options.signal };
  if (plan.where === "sandbox") return fromExecution(await options.workspace.exec(plan.argv, run), timeoutMs);
  if (plan.where === "environment") {
    return refused(`${options.tool} changes the project's environment (manifest edit and image rebuild): it runs as a step of a run with an environment.`);
  }
  if (plan.where === "tests") {
    return fromExecution(await options.workspace.runPytest({ ...run, testPaths: plan.testPaths }), timeoutMs);
  }

  let pinnedHosts: string[] = [];
  if (plan.setupTool === "git-clone") {
    const host = new URL(plan.args[0]!).hostname;
    try {
      const [address] = await checkOutboundHost({ host, allowPrivate: settings.ALLOW_PRIVATE_ADDRESSES, what: "git_clone" });
      if (address && !isIP(host)) pinnedHosts = [`${host}:${address}`];
    } catch (error) {
      if (AppError.is(error, "BAD_REQUEST")) return refused(`Refused: ${error.message}`);
      if (AppError.is(error, "UNAVAILABLE")) return refused(`${plan.argv[0]} needs the network, which is unreachable: ${error.message}`);
      throw error;
    }
  }
  const outcome = await runSetupContainer({ runId: options.runId, tool: plan.setupTool, args: plan.args, timeoutMs, signal: options.signal, pinnedHosts });
  const base = { exitCode: outcome.exitCode, stdout: "", stderr: outcome.stderr, durationMs: outcome.durationMs };
  if (outcome.timedOut) return { ...base, ok: false, error: `${plan.argv.join(" ")} timed out after ${timeoutMs / 1000} s` };
  if (outcome.exitCode !== 0) {
    const networkLine =
      outcome.stderr.split("\n").find((line) => NETWORK_FAILURE.test(line)) ??
      (outcome.exitCode === SETUP_NETWORK_UNREACHABLE ? "the package index did not answer" : undefined);
    const error = networkLine
      ? `${plan.argv[0]} needs the network, which is unreachable: ${networkLine.trim()}`
      : `${plan.argv.join(" ")} failed with exit code ${outcome.exitCode}: ${outcome.stderr.trim().split("\n").slice(-3).join(" ")}`;
    return { ...base, ok: false, error };
  }
  await options.workspace.writeArchive(outcome.archive);
  return { ...base, ok: true, stdout: `${plan.argv.join(" ")}: done` };
}
