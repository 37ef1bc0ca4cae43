// Builds directory trees for tests from a flat description.

import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A file's content, or `{ content, mode }`, or `{ symlink: target }`; a path ending in `/` is a directory. */
export type TreeSpec = Record<string, string | { content: string; mode: number } | { symlink: string }>;

/** Writes `spec` under `root`. */
export async function writeTree(root: string, spec: TreeSpec): Promise<void> {
  for (const [path, value] of Object.entries(spec)) {
    const abs = join(root, path);
    if (path.endsWith("/")) {
      await mkdir(abs, { recursive: true });
      continue;
    }
    await mkdir(dirname(abs), { recursive: true });
    if (typeof value === "string") await writeFile(abs, value);
    else if ("symlink" in value) await symlink(value.symlink, abs);
    else {
      await writeFile(abs, value.content);
      await chmod(abs, value.mode);
    }
  }
}

/** A fresh temporary directory and its remover. */
export async function tempDir(prefix = "sc-test-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
