import type { Metadata } from "next";
import { ApiTokens } from "@/components/settings/api-tokens";

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
          The models each agent uses come from the server&apos;s settings (PLANNER_MODEL, CODER_MODEL and the others in
          the README). Per-user models and API keys will be set here.
        </p>
      </section>
      <ApiTokens />
    </div>
  );
}
