import type { Metadata } from "next";
import { CostTotals } from "@/components/insights/cost-totals";
import { ApiTokens } from "@/components/settings/api-tokens";
import { AdminInvitations } from "@/components/settings/invitations-panel";
import { ModelSettingsForm } from "@/components/settings/model-settings-form";

export const metadata: Metadata = { title: "Settings" };

export default function SettingsPage() {
  return (
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
  );
}
