"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";

/** The confirmation before acting on a run that is not verified (merge, pull request): it names what is missing. */
export function ConfirmUnverified(props: { label: string; testId?: string; notVerified: string; children: ReactNode; action: string; pending: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <div role="alertdialog" aria-label={props.label} data-testid={props.testId} className="space-y-2 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-300">
      <p className="font-semibold">This run is not verified: {props.notVerified}</p>
      <p>{props.children}</p>
      <div className="flex gap-2">
        <Button variant="danger" pending={props.pending} onClick={props.onConfirm}>
          {props.action}
        </Button>
        <Button variant="secondary" onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
