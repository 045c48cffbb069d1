import { z } from "zod";

export const PROJECT_NAME_MAX = 80;

export const ZProjectName = z
  .string()
  .trim()
  .min(1, "Give the project a name.")
  .max(PROJECT_NAME_MAX, `Use at most ${PROJECT_NAME_MAX} characters for the name.`)
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "The name cannot contain control characters.");

export const ZProjectSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("empty") }),
  z.object({ kind: z.literal("local"), path: z.string().trim().min(1, "Enter a directory path.").max(4096) }),
  z.object({
    kind: z.literal("url"),
    url: z
      .string()
      .trim()
      .max(2048)
      .refine(
        (value) => /^(https?|ssh|git|file):\/\//.test(value) || /^[\w.-]+@[\w.-]+:[\w./-]+$/.test(value),
        "Enter an http(s), ssh, git or file:// URL.",
      ),
  }),
]);

export const ZCreateProject = z.object({
  name: ZProjectName,
  description: z.string().trim().max(2000, "Use at most 2,000 characters for the description.").default(""),
  source: ZProjectSource.default({ kind: "empty" }),
});
export type TCreateProject = z.input<typeof ZCreateProject>;

export const ZProjectId = z.object({ projectId: z.string().min(1).max(64) });

export const ZProjectDto = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  source: z.enum(["EMPTY", "LOCAL", "GIT_URL"]),
  sourceRef: z.string().nullable(),
  defaultBranch: z.string(),
  role: z.enum(["owner", "editor", "viewer"]),
  /** New tasks stop after planning for review unless the task says otherwise. */
  requirePlanApproval: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TProjectDto = z.infer<typeof ZProjectDto>;

/** Project settings an editor may change; each is optional, absent keeps the current value. */
export const ZUpdateProjectSettings = z.object({ projectId: z.string().min(1).max(64), requirePlanApproval: z.boolean().optional() });
export type TUpdateProjectSettings = z.input<typeof ZUpdateProjectSettings>;
