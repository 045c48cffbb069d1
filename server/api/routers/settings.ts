import { getModelSettings, updateModelSettings, ZModelSettingsDto, ZUpdateModelSettings } from "@/server/settings/model-settings";
import { getModelStatus, testModelConnection, ZModelConnectionDto, ZTestModelConnection } from "@/server/settings/test-model-connection";
import { createTRPCRouter, sessionProcedure } from "../trpc";

// Model endpoints and keys are changed only from a signed-in browser, like API tokens: a leaked token must
// not be able to point a user's runs (and their code) at another endpoint.
export const settingsRouter = createTRPCRouter({
  models: sessionProcedure.output(ZModelSettingsDto).query(({ ctx }) => getModelSettings({ db: ctx.db, userId: ctx.userId })),

  updateModels: sessionProcedure
    .input(ZUpdateModelSettings)
    .output(ZModelSettingsDto)
    .mutation(({ ctx, input }) => updateModelSettings({ db: ctx.db, userId: ctx.userId, input })),

  /** The app banner: is the model endpoint this user's runs use reachable? */
  modelStatus: sessionProcedure.output(ZModelConnectionDto).query(({ ctx }) => getModelStatus({ db: ctx.db, userId: ctx.userId })),

  testModels: sessionProcedure
    .input(ZTestModelConnection)
    .output(ZModelConnectionDto)
    .mutation(({ ctx, input }) => testModelConnection({ db: ctx.db, userId: ctx.userId, input })),
});
