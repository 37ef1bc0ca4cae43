import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";

const maxLinkHops = 40;

/** Outcome of resolving a path inside an extraction root. */
export type LinkResolution = "inside" | "escapes" | "loop";

/**
 * Resolves `relPath` under `root` component by component, following symlinks the way the kernel would but
 * without ever leaving `root`, and reports whether the path escapes it (through an absolute link, or `..`
 * above the root after following a chain of relative links) or loops. Components that do not exist are
 * resolved lexically: nothing can be a link beyond them.
 */
export async function resolveInsideRoot(root: string, relPath: string): Promise<LinkResolution> {
  const pending = relPath.split("/");
  const stack: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const component = pending.shift()!;
    if (component === "" || component === ".") continue;
    if (component === "..") {
      if (stack.length === 0) return "escapes";
      stack.pop();
      continue;
    }
    stack.push(component);
    const abs = join(root, ...stack);
    let isLink: boolean;
    try {
      isLink = (await lstat(abs)).isSymbolicLink();
    } catch (err: unknown) {
      if (isNotFound(err)) continue;
      throw err;
    }
    if (!isLink) continue;
    hops += 1;
    if (hops > maxLinkHops) return "loop";
    const target = await readlink(abs);
    if (target.startsWith("/")) return "escapes";
    stack.pop();
    pending.unshift(...target.split("/"));
  }
  return "inside";
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
