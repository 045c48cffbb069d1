import { z } from "zod";

const DAY_MS = 86_400_000;
/** The longest range the insights aggregate over. */
export const MAX_RANGE_DAYS = 400;

export const ZInsightsInput = z
  .object({
    projectId: z.string().min(1),
    /** Inclusive start and exclusive end of the range; the last 30 days when absent. */
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    /** Only this author's runs. Members other than the owner always see only their own. */
    authorId: z.string().min(1).nullish(),
  })
  .transform((input) => {
    const to = input.to ?? new Date(Date.now() + DAY_MS);
    const from = input.from ?? new Date(to.getTime() - 31 * DAY_MS);
    return { ...input, from, to, authorId: input.authorId ?? null };
  })
  .refine((input) => input.from < input.to, { message: "The range must start before it ends." })
  .refine((input) => input.to.getTime() - input.from.getTime() <= MAX_RANGE_DAYS * DAY_MS, { message: `Choose a range of at most ${MAX_RANGE_DAYS} days.` });
export type TInsightsInput = z.output<typeof ZInsightsInput>;

export const OUTCOMES = ["verified", "needs_review", "failed", "cancelled"] as const;
export type TOutcome = (typeof OUTCOMES)[number];

const ZCost = z.object({ key: z.string(), calls: z.number(), tokens: z.number(), costUsd: z.number() });

export const ZProjectInsights = z.object({
  scope: z.enum(["everyone", "own"]),
  authorId: z.string().nullable(),
  from: z.date(),
  to: z.date(),
  users: z.array(z.object({ id: z.string(), name: z.string() })),
  days: z.array(z.object({ day: z.string(), verified: z.number(), needs_review: z.number(), failed: z.number(), cancelled: z.number(), verifiedRate: z.number().nullable() })),
  summary: z.object({
    runs: z.number(),
    finished: z.number(),
    verified: z.number(),
    verifiedRate: z.number().nullable(),
    medianDurationMs: z.number().nullable(),
    medianCostUsd: z.number().nullable(),
    totalCostUsd: z.number(),
  }),
  costByAgent: z.array(ZCost),
  costByModel: z.array(ZCost),
  failureReasons: z.array(z.object({ reason: z.string(), runs: z.number() })),
  slowestSteps: z.array(z.object({ runId: z.string(), stepId: z.string(), agent: z.string(), description: z.string(), durationMs: z.number() })),
});
export type TProjectInsights = z.output<typeof ZProjectInsights>;

export const ZCostTotals = z.object({ monthUsd: z.number(), allTimeUsd: z.number(), monthRuns: z.number(), allTimeRuns: z.number() });
export type TCostTotals = z.output<typeof ZCostTotals>;
