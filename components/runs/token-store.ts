import { appendTokenText, discardTokenText, paneKey } from "@/server/runs/events/token-text";

export { MAX_VISIBLE_CHARS } from "@/server/runs/events/token-text";

export interface TokenPane {
  key: string;
  stepId: string | null;
  role: string;
}

/**
 * Streamed model text, kept outside React. Text is appended as events arrive and painted into registered
 * elements once per animation frame, so a fast stream costs one DOM write per pane per frame and no renders.
 */
export class TokenStore {
  private readonly text = new Map<string, string>();
  private readonly elements = new Map<string, HTMLElement>();
  private readonly dirty = new Set<string>();
  private frame: number | null = null;
  private panes: TokenPane[] = [];
  private readonly paneListeners = new Set<() => void>();
  totalChars = 0;

  append(stepId: string | null, role: string, chunk: string): void {
    const key = paneKey(stepId, role);
    const before = this.text.get(key);
    if (before === undefined) {
      this.panes = [...this.panes, { key, stepId, role }];
      for (const listener of this.paneListeners) listener();
    }
    this.text.set(key, appendTokenText(before ?? "", chunk));
    this.totalChars += chunk.length;
    this.dirty.add(key);
    this.schedule();
  }

  /** Drops the last `chars` characters of a pane: the part of an answer whose stream broke and is retried. */
  discard(stepId: string | null, role: string, chars: number): void {
    const key = paneKey(stepId, role);
    const before = this.text.get(key);
    if (before === undefined || chars <= 0) return;
    this.text.set(key, discardTokenText(before, chars));
    this.dirty.add(key);
    this.schedule();
  }

  /** Attaches a pane's element (or detaches it with null) and paints what is there. */
  bind(key: string, element: HTMLElement | null): void {
    if (!element) {
      this.elements.delete(key);
      return;
    }
    this.elements.set(key, element);
    element.textContent = this.text.get(key) ?? "";
  }

  getPanes = (): TokenPane[] => this.panes;

  subscribePanes = (listener: () => void): (() => void) => {
    this.paneListeners.add(listener);
    return () => this.paneListeners.delete(listener);
  };

  private schedule(): void {
    if (this.frame !== null || typeof requestAnimationFrame === "undefined") return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      for (const key of this.dirty) {
        const element = this.elements.get(key);
        if (!element) continue;
        const stick = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
        element.textContent = this.text.get(key) ?? "";
        if (stick) element.scrollTop = element.scrollHeight;
      }
      this.dirty.clear();
    });
  }

  dispose(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }
}
