import type { Metadata } from "next";
import { CostTotals } from "@/components/insights/cost-totals";
import { ApiTokens } from "@/components/settings/api-tokens";
import { AdminInvitations } from "@/components/settings/invitations-panel";
import { ModelSettingsForm } from "@/components/settings/model-settings-form";
import { getQueryClient, HydrateClient, trpc } from "@/server/api/rsc";

export const metadata: Metadata = { title: "Settings" };

/** Model settings and tokens are fetched here and read with suspense; the smaller panels load on their own. */
export default async function SettingsPage() {
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.fetchQuery(trpc.settings.models.queryOptions()),
    queryClient.fetchQuery(trpc.token.list.queryOptions()),
    queryClient.prefetchQuery(trpc.viewer.me.queryOptions()),
  ]);
  return (
    <HydrateClient>
      <div className="space-y-10">
        <h1 className="text-2xl font-bold tracking-tight">Settings</h1>
        <section aria-labelledby="models-heading" className="space-y-2">
          <h2 id="models-heading" className="text-lg font-semibold">
            Models
          </h2>
          <p className="text-sm text-slate-600">
            Which provider and model each agent uses for your runs. Anything left empty falls back to the server&apos;s settings.
          </p>
          <CostTotals />
          <ModelSettingsForm />
        </section>
        <ApiTokens />
        <AdminInvitations />
      </div>
    </HydrateClient>
  );
}
