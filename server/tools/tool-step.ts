import { z } from "zod";

export const TOOL_NAMES = [
  "git_status",
  "git_diff",
  "git_log",
  "git_clone",
  "git_checkout",
  "pip_install",
  "npm_install",
  "run_tests",
  "shell",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** A tool step of the Planner's JSON plan. */
export const ZToolStep = z.object({
  tool_name: z.enum(TOOL_NAMES),
  tool_params: z.record(z.string(), z.unknown()).default({}),
});
export type TToolStep = z.infer<typeof ZToolStep>;

export interface ToolResult {
  ok: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Why the tool failed or was refused, written for the agent that asked for it. */
  error?: string;
}
