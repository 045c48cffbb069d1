import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

const root = path.resolve(import.meta.dirname, "../..");

export type Message = Record<string, unknown>;

/** A child process running a TypeScript entry with `npx tsx`, speaking JSON lines on stdin and stdout. */
export interface Child {
  process: ChildProcess;
  messages: Message[];
  /** Resolves with the first message (already received or to come) that matches. */
  waitFor(match: (message: Message) => boolean, timeoutMs?: number, what?: string): Promise<Message>;
  send(message: Message): void;
  exited: Promise<number | null>;
  /** Signals the whole process group (npx, tsx and node): SIGKILL there is a real crash of every part. */
  killGroup(signal: NodeJS.Signals): void;
  output(): string;
}

export function spawnEntry(entry: string, env: Record<string, string>, name: string): Child {
  const child = spawn("npx", ["tsx", path.join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // its own process group, so killGroup reaches tsx's node child too
  });
  const messages: Message[] = [];
  const waiters = new Set<() => void>();
  const log: string[] = [];
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    log.push(line);
    if (!line.startsWith("{")) return;
    try {
      messages.push(JSON.parse(line) as Message);
    } catch {
      return;
    }
    for (const waiter of waiters) waiter();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    if (!text.includes("npm warn")) log.push(text.trimEnd());
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    messages,
    exited,
    output: () => log.join("\n"),
    send: (message) => child.stdin!.write(`${JSON.stringify(message)}\n`),
    killGroup: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
    waitFor(match, timeoutMs = 60_000, what = "a message") {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < messages.length; seen++) {
            if (match(messages[seen]!)) {
              cleanup();
              resolve(messages[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms. Output:\n${log.slice(-40).join("\n")}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`${name} exited before ${what}. Output:\n${log.slice(-40).join("\n")}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off("exit", onExit);
        };
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}
