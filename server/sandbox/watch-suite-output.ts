import type Docker from "dockerode";
import { StringDecoder } from "node:string_decoder";
import { execStdout, parseSuiteProgress, type ProgressTest } from "./suite-progress";

/** A command's output since the last look: each stream's newest characters (at most LIVE_CHUNK_CHARS), and how many bytes were left out. */
export interface OutputChunk {
  stdout: string;
  stderr: string;
  skippedBytes: number;
}

/** Bounds on live output (one chunk per poll at most): a chatty command cannot flood the event log. */
export const LIVE_CHUNK_CHARS = 4_096;
export const LIVE_TOTAL_BYTES = 262_144;
/** Read per stream per poll for the progress parser (whose lines must not be skipped). */
const READ_BYTES = 65_536;

/** Each file's size now and its bytes after `offsets` (the last `max` of them): one docker exec for all files. */
export async function readNewOutput(container: Docker.Container, files: string[], offsets: number[], max = READ_BYTES): Promise<Array<{ size: number; data: Buffer }>> {
  const script = files
    .map((file, i) => `s=$( (wc -c < ${file}) 2>/dev/null || echo 0); echo $s; if [ "$s" -gt ${offsets[i]} ]; then tail -c +${offsets[i]! + 1} ${file} | head -c $((s-${offsets[i]})) | tail -c ${max}; fi`)
    .join("; ");
  const all = await execStdout(container, script);
  let at = 0;
  return files.map((_, i) => {
    const newline = all.indexOf(10, at);
    const size = newline < 0 ? offsets[i]! : Number.parseInt(all.subarray(at, newline).toString("ascii").trim(), 10) || 0;
    const length = size > offsets[i]! ? Math.min(size - offsets[i]!, max) : 0;
    const data = newline < 0 ? Buffer.alloc(0) : all.subarray(newline + 1, newline + 1 + length);
    at = newline < 0 ? at : newline + 1 + length;
    return { size: Math.max(size, offsets[i]!), data };
  });
}

/**
 * Watches a wrapped suite's output files (suite-progress.ts's progressShell) while it runs: the tests that finished
 * (whole lines only) and the new output, once per poll. stop() ends the polling; the last partial lines wait for
 * the caller's final parse of the complete output.
 */
export function watchSuiteOutput(options: {
  container: () => Docker.Container | undefined;
  files: [string, string];
  pollMs: number;
  onTests: (tests: ProgressTest[]) => void;
  onOutput?: (chunk: OutputChunk) => void;
}): { stop: () => Promise<void> } {
  let running = true;
  const offsets = [0, 0];
  const decoders = [new StringDecoder("utf8"), new StringDecoder("utf8")];
  const partial = ["", ""];
  let sent = 0;
  // stop() cuts the wait short: the caller should not sit out the rest of a poll interval once the command ended.
  let wake: (() => void) | undefined;
  const poll = async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      const container = options.container();
      if (!running || !container) continue;
      const read = await readNewOutput(container, options.files, offsets);
      let skippedBytes = 0;
      const texts = read.map(({ size, data }, i) => {
        const unread = size - offsets[i]! - data.length;
        offsets[i] = size;
        if (unread > 0) {
          // More than one read takes: skip to the newest bytes, decoding and line splitting start over there.
          skippedBytes += unread;
          decoders[i] = new StringDecoder("utf8");
          partial[i] = "";
        }
        return decoders[i]!.write(data);
      });
      const lines = texts.map((text, i) => {
        const all = partial[i] + text;
        const cut = all.lastIndexOf("\n") + 1;
        partial[i] = all.slice(cut);
        return all.slice(0, cut);
      });
      const tests = parseSuiteProgress(lines.join("\n"));
      if (tests.length > 0) options.onTests(tests);
      if (!options.onOutput || texts.every((text) => text === "") || sent >= LIVE_TOTAL_BYTES) continue;
      // Each stream's newest characters are sent; older ones beyond the chunk size are counted, not sent.
      const [stdout, stderr] = texts.map((text) => text.slice(-LIVE_CHUNK_CHARS));
      for (const [i, text] of texts.entries()) skippedBytes += Buffer.byteLength(text) - Buffer.byteLength(i === 0 ? stdout! : stderr!);
      sent += Buffer.byteLength(stdout!) + Buffer.byteLength(stderr!);
      options.onOutput({ stdout: stdout!, stderr: stderr!, skippedBytes });
    }
  };
  const poller = poll();
  return {
    stop: async () => {
      running = false;
      wake?.();
      await poller;
    },
  };
}
