import { describe, expect, it } from "vitest";
import { TokenStore } from "@/components/runs/token-store";

describe("the run page's token panes", () => {
  it("drops a retried stream's partial text, so the answer shows once", () => {
    const store = new TokenStore();
    const element = { textContent: "" } as unknown as HTMLElement;
    store.append("s1", "coder", "keep. ");
    store.append("s1", "coder", "def ad");
    store.discard("s1", "coder", 6);
    store.append("s1", "coder", "def add");
    store.bind("s1:coder", element);
    expect(element.textContent).toBe("keep. def add");
  });
});
