import { environmentRouter } from "./routers/environment";
import { insightsRouter } from "./routers/insights";
import { invitationRouter } from "./routers/invitation";
import { projectRouter } from "./routers/project";
import { runRouter } from "./routers/run";
import { settingsRouter } from "./routers/settings";
import { clientUrlRouter } from "./routers/client-url";
import { shareRouter } from "./routers/share";
import { taskRouter } from "./routers/task";
import { tokenRouter } from "./routers/token";
import { viewerRouter } from "./routers/viewer";
import { webhookRouter } from "./routers/webhook";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  viewer: viewerRouter,
  project: projectRouter,
  task: taskRouter,
  run: runRouter,
  token: tokenRouter,
  clientUrl: clientUrlRouter,
  share: shareRouter,
  settings: settingsRouter,
  invitation: invitationRouter,
  environment: environmentRouter,
  insights: insightsRouter,
  webhook: webhookRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
