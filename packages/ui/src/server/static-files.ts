// Serves the built front end (dist/public) from memory: a few small files, read once.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
        files.set(`/${rel}`, {
          body: readFileSync(full),
          type: TYPES[extname(name)] ?? "application/octet-stream",
          immutable: rel.startsWith("assets/"),
        });
      }
    }
  };
  walk("");
  return files;
}
