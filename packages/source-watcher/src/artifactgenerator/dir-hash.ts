// The content hash that names a generated artifact's file, as Flux's source-watcher computes it (Go's
// dirhash over the staged files with Adler-32): `<decimal adler32>` of lines `<hex adler32>  <prefix>/<path>`.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { listFiles } from "./copy.js";

const MOD_ADLER = 65521;

/** Adler-32 of `data` (RFC 1950), continuing from `start`. */
export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 3800, data.length);
    for (; i < end; i++) {
      a += data[i] as number;
      b += a;
    }
    a %= MOD_ADLER;
    b %= MOD_ADLER;
  }
  return ((b << 16) | a) >>> 0;
}

/** The hash of the regular files under `dir`, each named `<prefix>/<relative path>`. */
export async function hashDir(dir: string, prefix: string): Promise<string> {
  const names = (await listFiles(dir)).map((p) => ({ p, name: `${prefix}/${p}` }));
  names.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  let summary = 1;
  for (const { p, name } of names) {
    if (name.includes("\n")) throw new Error("filenames with newlines are not supported");
    const line = `${adler32(await readFile(join(dir, p))).toString(16)}  ${name}\n`;
    summary = adler32(Buffer.from(line), summary);
  }
  return String(summary);
}
