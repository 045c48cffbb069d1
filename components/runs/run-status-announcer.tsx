"use client";

import { useEffect, useRef, useState } from "react";
import { isActiveStatus } from "@/server/runs/events/run-status";
import { statusLabel } from "./run-status-badge";


/** The first line of a prompt, short enough for a title or a list row. */
export function runTitle(prompt: string, max = 80): string {
  const line = prompt.split("\n").map((l) => l.replace(/^#+\s*/, "").trim()).find((l) => l && !l.startsWith("```")) ?? "Untitled run";
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/**
 * The browser tab carries the run's status and title; a polite live region tells screen-reader users when a
 * run they are watching ends (not when they open one that ended long ago).
 */
export function RunStatusAnnouncer({ status, prompt }: { status: string; prompt: string }) {
  const key = status.toUpperCase();
  const seenActive = useRef(isActiveStatus(key));
  const [message, setMessage] = useState("");
  const label = statusLabel(key);
  const title = runTitle(prompt, 60);

  useEffect(() => {
    document.title = `${label} · ${title} · AutoCodeAI`;
  }, [label, title]);

  useEffect(() => {
    if (isActiveStatus(key)) seenActive.current = true;
    else if (seenActive.current) setMessage(`Run finished: ${label}. ${title}`);
  }, [key, label, title]);

  return (
    <div role="status" aria-live="polite" className="sr-only" data-testid="run-announcer">
      {message}
    </div>
  );
}
