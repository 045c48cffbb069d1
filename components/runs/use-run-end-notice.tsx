"use client";

import { isActiveStatus } from "@/server/runs/events/run-status";
import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";

const TITLE_STATUS: Record<string, string> = {
  QUEUED: "⏳ Queued",
  RUNNING: "⏳ Running",
  AWAITING_APPROVAL: "✋ Plan to review",
  SUCCEEDED: "✅ Succeeded",
  FAILED: "❌ Failed",
  CANCELLED: "⏹ Cancelled",
  INTERRUPTED: "⚠️ Interrupted",
};

/**
 * The tab's title follows the run's status, and a run seen running on this page that ends raises a browser
 * notification when the user allowed them (a finished run opened later notifies nothing).
 */
export function useRunEndNotice({ status, prompt }: { status: string; prompt: string }) {
  const sawActive = useRef(false);
  useEffect(() => {
    const short = prompt.length > 40 ? `${prompt.slice(0, 40)}…` : prompt;
    document.title = `${TITLE_STATUS[status] ?? status} · ${short} · AutoCodeAI`;
    const active = isActiveStatus(status);
    if (status === "AWAITING_APPROVAL" && sawActive.current && typeof Notification !== "undefined" && Notification.permission === "granted") {
      new Notification("Plan ready for review", { body: short, tag: "autocode-run" });
    }
    if (active) sawActive.current = true;
    else if (sawActive.current) {
      sawActive.current = false;
      if (typeof Notification !== "undefined" && Notification.permission === "granted") {
        new Notification(`Run ${status.toLowerCase()}`, { body: short, tag: "autocode-run" });
      }
    }
  }, [status, prompt]);
  useEffect(() => () => void (document.title = "AutoCodeAI"), []);
}

/** Asks once for permission to notify; hidden where the browser has no notifications or already answered. */
export function NotifyButton() {
  const [permission, setPermission] = useState<string>("unsupported");
  useEffect(() => setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission), []);
  if (permission !== "default") return null;
  return (
    <Button variant="secondary" onClick={() => void Notification.requestPermission().then(setPermission)}>
      Notify me when it ends
    </Button>
  );
}
