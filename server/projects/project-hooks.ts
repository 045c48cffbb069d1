/**
 * What long-lived services want to hear about projects (the repository index watches new ones). A registry
 * on globalThis, because the custom server and Next's bundle each load this module but share one process;
 * in a process that registers nothing (tests, scripts) creating a project starts nothing in the background.
 */
export interface ProjectHooks {
  created(project: { id: string; repoPath: string }): void;
  deleted(projectId: string): Promise<void>;
}

const holder = globalThis as { __autocodeProjectHooks?: ProjectHooks[] };

export function registerProjectHooks(hooks: ProjectHooks): () => void {
  (holder.__autocodeProjectHooks ??= []).push(hooks);
  return () => {
    holder.__autocodeProjectHooks = holder.__autocodeProjectHooks?.filter((h) => h !== hooks);
  };
}

export function projectHooks(): ProjectHooks {
  const all = holder.__autocodeProjectHooks ?? [];
  return {
    created: (project) => all.forEach((hooks) => hooks.created(project)),
    deleted: async (projectId) => {
      for (const hooks of all) await hooks.deleted(projectId);
    },
  };
}
