// The copy operations of an ArtifactGenerator artifact, with the `cp`-like semantics of Flux's source-watcher:
// a plain file or directory path copies that file or directory (a directory as a subdirectory of the
// destination), a glob copies every match (`dir/**` strips the `dir/` prefix), a trailing `/` on the
// destination means "into this directory"; later operations overwrite earlier ones, or merge YAML (Merge), or
// unpack tarballs (Extract). Every path stays inside its source or the staging directory.

import { createReadStream } from "node:fs";
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { dirname, join, posix, resolve, sep } from "node:path";
import type { CopyOperation } from "@sluice/api";
import { extractTarball } from "@sluice/runtime";
import { excluded, GlobPatternError, globToRegExp, hasGlobChars } from "./glob.js";
import { mergeYamlFiles } from "./merge.js";

/** A copy operation that can't be applied (bad reference, nothing matched, unsafe path, bad YAML). */
export class CopyOperationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CopyOperationError";
  }
}

/** The alias and path of `@alias/path`. */
export function parseSourceRef(from: string): { alias: string; pattern: string } {
  const m = /^@([a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)\/(.*)$/.exec(from);
  if (!m) throw new CopyOperationError(`invalid copy source '${from}': the format must be '@alias/pattern'`);
  return { alias: m[1] as string, pattern: m[2] as string };
}

/** The path inside the artifact of `@artifact/path`. */
export function parseDestination(to: string): string {
  if (!to.startsWith("@artifact/")) {
    throw new CopyOperationError(`invalid copy destination '${to}': destination must start with '@artifact/'`);
  }
  return to.slice("@artifact/".length);
}

/** Applies `operations` in order from the extracted `sources` (alias → directory) into `stagingDir`. */
export async function applyCopyOperations(
  operations: readonly CopyOperation[],
  sources: ReadonlyMap<string, string>,
  stagingDir: string,
): Promise<void> {
  for (const op of operations) {
    try {
      await applyCopyOperation(op, sources, stagingDir);
    } catch (err: unknown) {
      const cause = err instanceof Error ? err.message : String(err);
      throw new CopyOperationError(`failed to apply copy operation from '${op.from}' to '${op.to}': ${cause}`, {
        cause: err,
      });
    }
  }
}

interface Exclusions {
  full: RegExp[];
  plain: RegExp[];
  /** The non-glob prefix of `from`: excludes also match paths relative to it. */
  base: string;
}

async function applyCopyOperation(op: CopyOperation, sources: ReadonlyMap<string, string>, staging: string) {
  const { alias, pattern } = parseSourceRef(op.from);
  const dest = parseDestination(op.to);
  const srcRoot = sources.get(alias);
  if (srcRoot === undefined) throw new CopyOperationError(`source alias '${alias}' not found`);
  const ex: Exclusions = { full: [], plain: [], base: selectionRoot(pattern) };
  for (const p of op.exclude ?? []) {
    try {
      ex.full.push(globToRegExp(p, true));
      if (!p.includes("/")) ex.plain.push(globToRegExp(p, true));
    } catch (err: unknown) {
      if (err instanceof GlobPatternError) throw new CopyOperationError(`invalid exclude pattern '${p}'`);
      throw err;
    }
  }
  const ctx: Ctx = { op, srcRoot, staging, ex };
  if (!hasGlobChars(pattern)) return copySingle(ctx, posix.normalize(pattern || "."), dest, op.to.endsWith("/"));

  let re: RegExp;
  try {
    re = globToRegExp(pattern, op.strategy === "Extract");
  } catch {
    throw new CopyOperationError(`invalid glob pattern '${pattern}'`);
  }
  const matches = (await listTree(srcRoot)).filter((p) => re.test(p));
  if (matches.length === 0) throw new CopyOperationError(`no files match pattern '${pattern}' in source '${alias}'`);
  const kept = matches.filter((m) => !isExcluded(m, ex));
  if (kept.length === 0) {
    throw new CopyOperationError(`all files matching pattern '${pattern}' in source '${alias}' were excluded`);
  }
  for (const match of kept) {
    if (op.strategy === "Extract") {
      if (isTarball(match) && (await statInside(srcRoot, match)).isFile()) await extractInto(ctx, match, dest);
      continue;
    }
    await copyPath(ctx, match, globDestination(pattern, match, dest));
  }
}

interface Ctx {
  op: CopyOperation;
  srcRoot: string;
  staging: string;
  ex: Exclusions;
}

/** A plain (non-glob) source path: a file, or a directory copied as a subdirectory of the destination. */
async function copySingle(ctx: Ctx, src: string, dest: string, intoDir: boolean): Promise<void> {
  const info = await statInside(ctx.srcRoot, src).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new CopyOperationError(`source '${src}' does not exist`);
    throw err;
  });
  if (info.isDirectory()) {
    if (ctx.op.strategy === "Extract") {
      throw new CopyOperationError(`extract strategy is not supported for directories, got '${src}'`);
    }
    const name = src === "." ? "" : posix.basename(src);
    return copyPath(ctx, src, posix.join(dest, name));
  }
  if (isExcluded(src, { ...ctx.ex, base: "." })) return;
  if (ctx.op.strategy === "Extract") {
    if (!isTarball(src)) {
      throw new CopyOperationError(`extract strategy requires tarball file (.tar.gz or .tgz), got '${src}'`);
    }
    return extractInto(ctx, src, dest);
  }
  let target = dest;
  if (intoDir) target = posix.join(dest, posix.basename(src));
  else if (await isDirInside(ctx.staging, dest)) target = posix.join(dest, posix.basename(src));
  return copyPath(ctx, src, target);
}

/** Copies a file (overwriting, or merging with Merge) or a directory tree (minus exclusions) to `dest`. */
async function copyPath(ctx: Ctx, src: string, dest: string): Promise<void> {
  const info = await statInside(ctx.srcRoot, src);
  const target = inside(ctx.staging, dest);
  if (info.isDirectory()) {
    await mkdir(target, { recursive: true });
    for (const entry of await listTree(ctx.srcRoot, src)) {
      const rel = posix.relative(src, entry);
      if (isExcluded(entry, ctx.ex)) continue;
      const entryInfo = await statInside(ctx.srcRoot, entry);
      if (entryInfo.isDirectory()) await mkdir(inside(ctx.staging, posix.join(dest, rel)), { recursive: true });
      else await copyFileTo(ctx, entry, posix.join(dest, rel), entryInfo.mode);
    }
    return;
  }
  await copyFileTo(ctx, src, dest, info.mode);
}

async function copyFileTo(ctx: Ctx, src: string, dest: string, mode: number): Promise<void> {
  const from = inside(ctx.srcRoot, src);
  const to = inside(ctx.staging, dest);
  await mkdir(dirname(to), { recursive: true });
  if (ctx.op.strategy === "Merge" && (await exists(to))) {
    const merged = mergeYamlFiles(await readFile(to, "utf8"), await readFile(from, "utf8"), src);
    await writeFile(to, merged, { mode: 0o644 });
    return;
  }
  await rm(to, { force: true });
  await copyFile(await realpath(from), to);
  await chmod(to, mode & 0o777);
}

/** Unpacks the tarball `src` into `dest` (a safe extraction into a scratch directory, then copied over). */
async function extractInto(ctx: Ctx, src: string, dest: string): Promise<void> {
  const scratch = await mkdtemp(join(ctx.staging, "..", ".extract-"));
  try {
    await extractTarball(createReadStream(await realpath(inside(ctx.srcRoot, src))), scratch);
    const sub: Ctx = {
      ...ctx,
      srcRoot: scratch,
      op: { ...ctx.op, strategy: "Overwrite" },
      ex: { full: [], plain: [], base: "." },
    };
    await copyPath(sub, ".", dest);
  } catch (err: unknown) {
    if (err instanceof CopyOperationError) throw err;
    throw new CopyOperationError(`failed to extract tarball '${src}': ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Where a glob match lands: `dir/**` matches lose their `dir/` prefix; other matches keep their path. */
export function globDestination(pattern: string, match: string, dest: string): string {
  if (pattern.endsWith("/**")) {
    const prefix = `${pattern.slice(0, -3)}/`;
    if (match.startsWith(prefix)) return posix.join(dest, match.slice(prefix.length));
  }
  return posix.join(dest, match);
}

/** The literal prefix of a pattern before its first glob segment (`.` when it starts with one). */
function selectionRoot(pattern: string): string {
  const parts: string[] = [];
  for (const part of posix.normalize(pattern || ".").split("/")) {
    if (hasGlobChars(part)) break;
    parts.push(part);
  }
  return parts.length === 0 ? "." : posix.join(...parts);
}

function isExcluded(path: string, ex: Exclusions): boolean {
  if (ex.full.length === 0) return false;
  if (excluded(path, ex.full, ex.plain)) return true;
  if (ex.base === "." || !path.startsWith(`${ex.base}/`)) return false;
  return excluded(path.slice(ex.base.length + 1), ex.full, ex.plain);
}

function isTarball(path: string): boolean {
  return path.endsWith(".tar.gz") || path.endsWith(".tgz");
}

/** Every entry (files and directories) under `dir` of `root`, as sorted slash paths relative to `root`. */
async function listTree(root: string, dir = "."): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(inside(root, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = rel === "." ? e.name : `${rel}/${e.name}`;
      out.push(path);
      if (e.isDirectory()) await walk(path);
    }
  };
  await walk(dir);
  return out;
}

/** The absolute path of `rel` under `root`; refuses a path that leaves it (`..`). */
function inside(root: string, rel: string): string {
  const abs = resolve(root, rel);
  if (abs !== root && !abs.startsWith(root + sep)) throw new CopyOperationError(`path '${rel}' is outside its root`);
  return abs;
}

/** `stat` of `rel` under `root`, refusing symbolic links that lead out of `root`. */
async function statInside(root: string, rel: string) {
  const abs = inside(root, rel);
  const link = await lstat(abs);
  if (!link.isSymbolicLink()) return link;
  const real = await realpath(abs);
  const realRoot = await realpath(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new CopyOperationError(`'${rel}' is a symbolic link leading outside the source`);
  }
  return stat(abs);
}

async function isDirInside(root: string, rel: string): Promise<boolean> {
  try {
    return (await stat(inside(root, rel))).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Paths of `dir`'s regular files relative to it (for hashing), sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const all = await listTree(dir);
  const files: string[] = [];
  for (const p of all) if ((await lstat(join(dir, p))).isFile()) files.push(p);
  return files;
}
