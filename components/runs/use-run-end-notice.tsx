"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { presentStatus } from "@/server/runs/events/run-status";
import { runTitle } from "./run-status-announcer";

/**
 * A run seen running on this page that ends raises a browser notification when the user allowed them (a
 * finished run opened later notifies nothing). The tab title is RunStatusAnnouncer's.
 */
export function useRunEndNotice({ status, prompt, enabled = true }: { status: string; prompt: string; enabled?: boolean }) {
  const sawActive = useRef(false);
  useEffect(() => {
    if (!enabled) return;
    const { label, active } = presentStatus(status);
    if (status === "AWAITING_APPROVAL" && sawActive.current && typeof Notification !== "undefined" && Notification.permission === "granted") {
      new Notification("Plan ready for review", { body: runTitle(prompt, 60), tag: "autocode-run" });
    }
    if (active) sawActive.current = true;
    else if (sawActive.current) {
      sawActive.current = false;
      if (typeof Notification !== "undefined" && Notification.permission === "granted") {
        new Notification(`Run finished: ${label}`, { body: runTitle(prompt, 60), tag: "autocode-run" });
      }
    }
  }, [status, prompt, enabled]);
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
