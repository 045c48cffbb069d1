/**
 * A minimal streaming ustar writer (regular files, directories, symlinks; PAX headers for long names), so a
 * repository goes into a container as one tar stream without holding it in memory.
 */
const BLOCK = 512;
const OWNER = 10001; // the sandbox user: files land owned by it, writable by model code, as before

export type TarEntry =
  | { type: "file"; path: string; size: number; mode: number; open: () => AsyncIterable<Buffer> }
  | { type: "dir"; path: string; mode: number }
  | { type: "symlink"; path: string; target: string };

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

function header(fields: { name: string; size: number; mode: number; typeflag: string; linkname?: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, "utf8");
  block.write(octal(fields.mode & 0o7777, 8), 100, "ascii");
  block.write(octal(OWNER, 8), 108, "ascii");
  block.write(octal(OWNER, 8), 116, "ascii");
  block.write(octal(fields.size, 12), 124, "ascii");
  block.write(octal(0, 12), 136, "ascii");
  block.write("        ", 148, "ascii");
  block.write(fields.typeflag, 156, "ascii");
  if (fields.linkname) block.write(fields.linkname, 157, 100, "utf8");
  block.write("ustar\0", 257, "ascii");
  block.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + " ", 148, "ascii");
  return block;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** A PAX extended header carrying names that do not fit ustar's 100 bytes. */
function paxFor(name: string, linkname?: string): Buffer[] {
  const records: string[] = [];
  const add = (key: string, value: string) => {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
    records.push(`${length}${body}`);
  };
  if (Buffer.byteLength(name) > 99) add("path", name);
  if (linkname !== undefined && Buffer.byteLength(linkname) > 99) add("linkpath", linkname);
  if (records.length === 0) return [];
  const data = Buffer.from(records.join(""), "utf8");
  return [header({ name: "PaxHeader", size: data.length, mode: 0o644, typeflag: "x" }), data, padding(data.length)];
}

/** Yields the archive block by block; always a well-formed archive, whatever happens to the files meanwhile. */
export async function* writeTar(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const name = entry.type === "dir" ? `${entry.path.replace(/\/$/, "")}/` : entry.path;
    if (entry.type === "symlink") {
      yield* paxFor(name, entry.target);
      yield header({ name: name.slice(0, 99), size: 0, mode: 0o777, typeflag: "2", linkname: entry.target.slice(0, 99) });
    } else if (entry.type === "dir") {
      yield* paxFor(name);
      yield header({ name: name.slice(0, 99), size: 0, mode: entry.mode, typeflag: "5" });
    } else {
      yield* paxFor(name);
      yield header({ name: name.slice(0, 99), size: entry.size, mode: entry.mode, typeflag: "0" });
      // The header promised entry.size bytes: a file edited or deleted while it streams (a parallel step's
      // edit) is cut or zero-filled to that size, as tar does, instead of breaking the whole archive. The
      // session writes every edited file again before it runs anything, so the torn copy never gets used.
      let written = 0;
      try {
        for await (const chunk of entry.open()) {
          const room = entry.size - written;
          if (room <= 0) break;
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          written += part.length;
          yield part;
        }
      } catch {
        // unreadable now (deleted, replaced): filled below
      }
      if (written < entry.size) yield Buffer.alloc(entry.size - written);
      yield padding(entry.size);
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}
