import { gzipSync } from "node:zlib";

/** One entry of a hand-built tar archive; `type` is the raw ustar typeflag ("0" file … "7"). */
export interface RawTarEntry {
  path: string;
  type?: "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7";
  body?: string | Buffer;
  linkpath?: string;
  mode?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/**
 * Builds a ustar archive byte by byte, so tests can craft entries tar's writer refuses to produce
 * (absolute paths, `..`, devices, escaping links). Gzipped unless `gzip` is false.
 */
export function rawTar(entries: readonly RawTarEntry[], gzip = true): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? "0";
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const header = Buffer.alloc(512);
    if (Buffer.byteLength(e.path) > 100) throw new Error(`path too long for a raw ustar header: ${e.path}`);
    header.write(e.path, 0, 100, "utf8");
    header.write(octal(e.mode ?? (type === "5" ? 0o755 : 0o644), 8), 100, "ascii");
    header.write(octal(0, 8), 108, "ascii");
    header.write(octal(0, 8), 116, "ascii");
    header.write(octal(type === "0" ? body.length : 0, 12), 124, "ascii");
    header.write(octal(0, 12), 136, "ascii");
    header.write("        ", 148, "ascii");
    header.write(type, 156, "ascii");
    if (e.linkpath !== undefined) header.write(e.linkpath, 157, 100, "utf8");
    header.write("ustar\0", 257, "ascii");
    header.write("00", 263, "ascii");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    blocks.push(header);
    if (type === "0" && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const tar = Buffer.concat(blocks);
  return gzip ? gzipSync(tar) : tar;
}
