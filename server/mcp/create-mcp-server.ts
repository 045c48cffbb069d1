import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Db } from "@/server/db/client";
import { McpRunFeed } from "./mcp-run-feed";
import { registerResources } from "./mcp-resources";
import type { McpScope } from "./mcp-scope";
import { registerTools } from "./mcp-tools";

const INSTRUCTIONS = `AutoCodeAI runs coding tasks for you in the team's sandbox and hands back work that was verified by executing its tests.
Typical use: list_projects -> run_task (returns a run id at once) -> wait_for_run (repeat until it has finished) -> read the outcome line first, then the diff (get_diff for one file).
Results begin with "Verified by execution: ..." only when a final test run passed; anything else begins with "NOT verified: ..." and must not be presented as working code.
Each run's event log and diff are also resources (autocode://runs/<id>/events, autocode://runs/<id>/diff) that can be subscribed to while the run is live.`;

/** One MCP session's server, acting as one user (in one project, for a client URL): every tool and resource calls the same services as the tRPC API. */
export function createMcpServer(options: { db: Db; scope: McpScope; version: string }): { server: McpServer; feed: McpRunFeed } {
  const server = new McpServer(
    { name: "autocodeai", title: "AutoCodeAI", version: options.version },
    { capabilities: { logging: {}, tools: {}, resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );
  const feed = new McpRunFeed({ db: options.db, server });
  const context = { db: options.db, userId: options.scope.userId, scope: options.scope, feed };
  registerTools(server, context);
  registerResources(server, context);
  return { server, feed };
}
