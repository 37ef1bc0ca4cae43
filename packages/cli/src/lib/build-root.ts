// The directory `build`/`diff kustomization` builds from: the repository holding `--path`, as flux builds an
// overlay in place so that `../../base` resolves. Nothing outside that root is read.

import { stat } from "node:fs/promises";
import { dirname, isAbsolute, relative } from "node:path";

/**
 * The nearest ancestor of `dir` (itself included) holding `.git`; when there is none, the working directory if
 * it contains `dir`, else `dir` itself.
 */
export async function buildRoot(dir: string, cwd: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    if (await exists(`${d}/.git`)) return d;
    if (dirname(d) === d) break;
  }
  return inside(cwd, dir) ? cwd : dir;
}

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
