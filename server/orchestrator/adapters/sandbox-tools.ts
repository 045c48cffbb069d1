import { executeTool, planTool, type ToolName } from "@/server/tools";
import type { ToolDescription, ToolExecutor } from "@/server/orchestrator/ports";

const DESCRIPTIONS: Record<ToolName, string> = {
  git_status: "git status of the workspace; params: {}",
  git_diff: "git diff of the workspace; params: { paths?: string[], staged?: boolean }",
  git_log: "recent commits; params: { max_count?: number }",
  git_clone: "clone a repository into the workspace (needs network); params: { url, dest? }",
  git_checkout: "check out a ref; params: { ref, create?: boolean }",
  // Offered by the orchestrator as environment changes (server/orchestrator/dependency-step.ts), not from here.
  pip_install: "install Python packages (an environment change); params: { packages: string[] }",
  npm_install: "install npm packages (an environment change); params: { packages: string[] }",
  run_tests: "run the tests (pytest in the sandbox); params: { paths?: string[] }",
  shell: "run one allow-listed program (no shell); params: { command: string[] }",
};

/** The command a tool step stands for, for the verification record; refused steps record just the tool. */
function commandOf(name: string, params: Record<string, unknown>): string[] {
  try {
    const plan = planTool(name as ToolName, params);
    return "argv" in plan && plan.argv ? plan.argv : ["pytest", ...("testPaths" in plan ? plan.testPaths : [])];
  } catch {
    return [name];
  }
}

/**
 * What the planner is offered: only tools that can work in a run's sandbox. The git tools find no .git there (the
 * run's branch is committed step by step on the host) and installs need a network the sandbox never has:
 * dependencies are environment changes, pip_install / npm_install offered by the orchestrator (dependency-step.ts).
 */
export const OFFERED_TOOLS: ToolName[] = ["run_tests", "shell"];

/** The ToolExecutor port over server/tools: whitelisted argv commands in the run's sandbox or a setup container. */
export function createSandboxTools(): ToolExecutor {
  return {
    listTools: (): ToolDescription[] => OFFERED_TOOLS.map((name) => ({ name, description: DESCRIPTIONS[name] })),
    async execute({ runId, name, params, session, signal }) {
      const result = await executeTool({ runId, tool: name, params, workspace: session, signal });
      const output = [result.stdout, result.stderr, result.error].filter(Boolean).join("\n").trim();
      return { ok: result.ok, output, exitCode: result.exitCode, command: commandOf(name, params) };
    },
  };
}
