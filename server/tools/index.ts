export { executeTool, type ExecuteToolOptions } from "./execute-tool";
export { ZToolStep, TOOL_NAMES, type TToolStep, type ToolName, type ToolResult } from "./tool-step";
export { installPackages, planTool, SHELL_PROGRAMS, type ToolPlan } from "./validate-command";
