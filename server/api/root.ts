import { projectRouter } from "./routers/project";
import { runRouter } from "./routers/run";
import { taskRouter } from "./routers/task";
import { tokenRouter } from "./routers/token";
import { viewerRouter } from "./routers/viewer";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  viewer: viewerRouter,
  project: projectRouter,
  task: taskRouter,
  run: runRouter,
  token: tokenRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
