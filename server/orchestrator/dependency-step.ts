import type { PlanStep } from "@/server/agents/plan";
import { AppError, errorText } from "@/server/errors";
import type { ToolDescription } from "@/server/orchestrator/ports";
import { installPackages } from "@/server/tools";
import { tail, type RunScope } from "./run-scope";
import type { StepOutcome } from "./run-types";

export const DEPENDENCY_TOOLS = ["pip_install", "npm_install"] as const;

/** The dependency tool a project of this language is offered (none without an environment that can be rebuilt). */
export function dependencyTools(language: string): ToolDescription[] {
  if (language === "python") {
    return [{ name: "pip_install", description: "add Python packages to requirements.txt and rebuild the project's environment before the next step (the sandbox has no network; this is the only way to add a dependency); params: { packages: string[] } (names with ==/~= versions, or a package folder of the repository as \"./vendor/name\")" }];
  }
  if (language === "node") {
    return [{ name: "npm_install", description: "npm install --save packages (package.json and package-lock.json change) and rebuild the project's environment before the next step (the sandbox has no network; this is the only way to add a dependency); params: { packages: string[] } (names, @scope/name, @version)" }];
  }
  return [];
}

export function isDependencyTool(name: string | undefined): name is (typeof DEPENDENCY_TOOLS)[number] {
  return (DEPENDENCY_TOOLS as readonly string[]).includes(name ?? "");
}

/**
 * A pip_install / npm_install step as an environment change: the manifest is edited and the environment image
 * rebuilt in a setup container with network (the only place with one); the run then continues offline in a
 * fresh sandbox from the new image, with every file so far. On failure nothing is written and the image stays.
 */
export async function runDependencyStep(scope: RunScope, step: PlanStep): Promise<StepOutcome> {
  const tool = step.tool_name as (typeof DEPENDENCY_TOOLS)[number];
  const failed = (reason: string): StepOutcome => ({ id: step.id, status: "failed", reason, runs: 0 });
  let packages: string[];
  try {
    packages = installPackages(tool, step.tool_params ?? {});
  } catch (error) {
    if (!AppError.is(error, "BAD_REQUEST")) throw error;
    await scope.log.emit("environment.change_failed", { stepId: step.id, tool, packages: [], error: error.userMessage, log: "" });
    return failed(`${tool} refused: ${error.userMessage}`);
  }
  const changer = scope.ports.environment;
  if (!changer) return failed(`${tool} needs a project environment (a recognised Python or Node.js repository)`);
  await scope.log.emit("environment.changing", { stepId: step.id, tool, packages });
  const kind = tool === "pip_install" ? "pip" : "npm";
  const result = await changer.change({ runId: scope.runId, kind, packages, signal: scope.signal });
  scope.throwIfStopped();
  if (!result.ok) {
    await scope.log.emit("environment.change_failed", { stepId: step.id, tool, packages, error: result.error, log: tail(result.log, 2_000) });
    return failed(`${tool} ${packages.join(" ")}: ${result.error}`);
  }
  const refusal = await scope.applyEdits(step.id, result.files.map((f) => ({ kind: "write" as const, path: f.path, content: f.content })), "environment");
  if (refusal) return failed(`${tool}: the manifest could not be written: ${refusal}`);
  try {
    const commit = await scope.ports.workspace.commitStep({ message: `${step.id} [passed]: ${tool} ${packages.join(" ")}`, paths: result.files.map((f) => f.path) });
    if (commit) await scope.log.emit("step.committed", { stepId: step.id, commit });
  } catch (error) {
    await scope.log.emit("step.commit_failed", { stepId: step.id, error: errorText(error) });
  }
  await scope.switchImage(result.image);
  await scope.log.emit("environment.changed", { stepId: step.id, tool, packages, image: result.image, built: result.built, durationMs: result.durationMs, files: result.files.map((f) => f.path) });
  return { id: step.id, status: "passed", runs: 0 };
}
