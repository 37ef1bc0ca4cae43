// Serves the built front end (dist/public) from memory: a few small files, read once.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** One file of the front end. */
export interface StaticFile {
  body: Buffer;
  type: string;
  /** Hashed asset names never change: cache them for long. */
  immutable: boolean;
  /** The body gzipped once at load (text files), sent to browsers that accept gzip. */
  gzipped: Buffer | undefined;
}

/** The default front-end directory: dist/public beside the compiled server (or of the package, from src/). */
export function defaultPublicDir(): string {
  const candidates = [
    fileURLToPath(new URL("../public", import.meta.url)),
    fileURLToPath(new URL("../../dist/public", import.meta.url)),
  ];
  return candidates.find((d) => existsSync(join(d, "index.html"))) ?? candidates[0]!;
}

/** Reads every file under `dir` into a map keyed by URL path (`/index.html`, `/assets/…`). */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(join(dir, "index.html"))) {
    throw new Error(`UI front end not built: ${join(dir, "index.html")} is missing (run pnpm build)`);
  }
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else {
        const body = readFileSync(full);
        const type = TYPES[extname(name)] ?? "application/octet-stream";
        const text = /^(text\/|application\/json|image\/svg)/.test(type);
        files.set(`/${rel}`, {
          body,
          type,
          immutable: rel.startsWith("assets/"),
          gzipped: text && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined,
        });
      }
    }
  };
  walk("");
  return files;
}
