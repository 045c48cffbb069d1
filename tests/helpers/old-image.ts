import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { getDocker } from "@/server/sandbox/docker-client";
import { writeTar, type TarEntry } from "@/server/sandbox/tar-writer";

async function tarOf(files: Array<[string, Buffer]>): Promise<Buffer> {
  const entries: TarEntry[] = files.map(([path, body]) => ({ type: "file", path, size: body.length, mode: 0o644, open: async function* () { yield body; } }));
  const chunks: Buffer[] = [];
  for await (const chunk of writeTar(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Loads a one-file image whose creation date is years back (docker load of a hand-made image archive): an
 * environment image left on an engine long ago, without waiting for the retention to pass.
 */
export async function loadOldImage(tag: string, created = "2020-01-01T00:00:00Z"): Promise<void> {
  const layer = await tarOf([["old.txt", Buffer.from(`${tag}\n`)]]);
  const diffId = `sha256:${createHash("sha256").update(layer).digest("hex")}`;
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", created, config: { Cmd: ["true"] }, rootfs: { type: "layers", diff_ids: [diffId] }, history: [{ created }] }));
  const configName = `${createHash("sha256").update(config).digest("hex")}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: ["layer/layer.tar"] }]));
  const archive = await tarOf([["manifest.json", manifest], [configName, config], ["layer/layer.tar", layer]]);
  const stream = await getDocker().loadImage(Readable.from([archive]));
  for await (const _ of stream as AsyncIterable<Buffer>) {
    // drain: the load is done when the engine's answer ends
  }
}
