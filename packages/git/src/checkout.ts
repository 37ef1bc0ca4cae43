// Git checkout for GitRepository: resolve the reference with Flux's precedence, skip the clone when the
// remote still points at the stored revision (one `git ls-remote`), otherwise fetch as little as possible
// (depth 1, single ref) and report the commit with Flux's revision format.

import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_GIT_BRANCH, formatGitAbsoluteRevision, formatGitRevision, normalizeGitRevision } from "@sluice/api";
import { validateAuth } from "./auth.js";
import { GitError, GitErrorKind } from "./errors.js";
import { prepareGitEnvironment } from "./git-env.js";
import { GitRunner } from "./git-runner.js";
import { commitOf, type LsRemoteEntry, parseLsRemote, parseSemverRange, pickSemverTag } from "./remote-refs.js";
import type { CheckoutOptions, CheckoutResult, GitAuth, GitReference, RemoteReference } from "./types.js";
import { type ParsedGitUrl, parseGitUrl, redactUrl } from "./url.js";

/** Default time limit of a checkout (GitRepository `spec.timeout` default). */
export const DEFAULT_GIT_TIMEOUT_MS = 60_000;

const TAG_DEREF = "^{}";

/** The reference to check out after applying precedence. */
export type ResolvedReference =
  | { kind: "commit"; commit: string; branch: string | undefined }
  | { kind: "name"; name: string }
  | { kind: "semver"; range: string }
  | { kind: "tag"; tag: string }
  | { kind: "branch"; branch: string };

/** Applies Flux's precedence: commit > name > semver > tag > branch (default `master`). */
export function resolveReference(ref: GitReference | undefined): ResolvedReference {
  if (ref?.commit) return { kind: "commit", commit: ref.commit, branch: ref.branch || undefined };
  if (ref?.name) return { kind: "name", name: ref.name };
  if (ref?.semver) return { kind: "semver", range: ref.semver };
  if (ref?.tag) return { kind: "tag", tag: ref.tag };
  return { kind: "branch", branch: ref?.branch || DEFAULT_GIT_BRANCH };
}

/** State shared by the steps of one checkout. */
interface Session {
  url: ParsedGitUrl;
  git: GitRunner;
  dir: string;
  submodules: boolean;
  /** Normalised sparse checkout directories; empty for a full checkout. */
  sparse: string[];
}

/** Options shared by {@link checkout} and {@link resolveRemoteReference}. */
type SessionOptions = Pick<
  CheckoutOptions,
  "url" | "auth" | "timeoutMs" | "signal" | "recurseSubmodules" | "sparseCheckout"
>;

/**
 * Validates the URL and credentials, prepares git's environment (credentials in temporary files and
 * GIT_CONFIG_* variables), arms the time limit, runs `fn` and cleans up.
 */
async function withSession<T>(
  options: SessionOptions,
  dir: string,
  fn: (s: Session, operations: () => string[]) => Promise<T>,
): Promise<T> {
  const url = parseGitUrl(options.url);
  const auth = effectiveAuth(url, options.auth);
  if (url.transport === "ssh") validateAuth(url, auth);
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const env = await prepareGitEnvironment(url, auth, {
    "advice.detachedHead": "false",
    "init.defaultBranch": DEFAULT_GIT_BRANCH,
    "core.hooksPath": "/dev/null",
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const hasCredentials = Boolean(auth.username || auth.password || auth.bearerToken || auth.identity);
  const git = new GitRunner({
    env: env.env,
    url: url.url,
    secrets: env.secrets,
    signal: controller.signal,
    timeoutMs,
    hasCredentials,
  });
  try {
    const session: Session = {
      url,
      git,
      dir,
      submodules: options.recurseSubmodules === true,
      sparse: normalizeSparse(options.sparseCheckout, url.url),
    };
    return await fn(session, () => [...git.operations]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    await env.cleanup();
  }
}

/** Credentials to use: the given ones, or those embedded in an HTTP(S) URL. */
function effectiveAuth(url: ParsedGitUrl, auth: GitAuth | undefined): GitAuth {
  if (auth && Object.keys(auth).length > 0) return auth;
  if (url.embedded) return { username: url.embedded.username, password: url.embedded.password };
  return {};
}

/**
 * Checks out `options.reference` of `options.url` into `options.dir` (created if missing; must be empty).
 *
 * - branch: `git clone --depth 1 --single-branch --no-tags --branch <b>`;
 * - tag / semver (highest matching tag of `git ls-remote --tags`) / name: a depth-1 fetch of that ref;
 * - commit: a depth-1 fetch of the commit (protocol v2 servers), else of the branch (or all branches and
 *   tags) in full.
 *
 * With `lastObservedRevision`, a branch, tag, semver or name reference is first resolved with one
 * `git ls-remote`; when that gives the same revision nothing is cloned and `skipped` is true. A full commit
 * hash whose revision equals the stored one is skipped without contacting the remote.
 *
 * Throws {@link GitError} (kind and Flux reason set; the message names the URL without credentials and
 * the cause). The result lists the git sub-commands that ran (`operations`).
 */
export async function checkout(options: CheckoutOptions): Promise<CheckoutResult & { operations: string[] }> {
  const ref = resolveReference(options.reference);
  checkReferenceName(ref, options.url);
  const range = ref.kind === "semver" ? parseSemverRange(ref.range, redactUrl(options.url)) : undefined;
  await prepareDir(options.dir, redactUrl(options.url));
  const last = options.lastObservedRevision ? normalizeGitRevision(options.lastObservedRevision) : undefined;
  return withSession(options, options.dir, async (s, operations) => {
    const result = await run(s, ref, range, last);
    if (!result.skipped) await checkSparseDirectories(s);
    return { ...result, operations: operations() };
  });
}

/**
 * What the remote's reference points at now, from one `git ls-remote` and without cloning; semver picks
 * the highest matching tag, and a commit reference resolves to itself without contacting the remote.
 * Throws {@link GitError} like {@link checkout}.
 */
export async function resolveRemoteReference(
  options: Pick<CheckoutOptions, "url" | "reference" | "auth" | "timeoutMs" | "signal">,
): Promise<RemoteReference> {
  const ref = resolveReference(options.reference);
  checkReferenceName(ref, options.url);
  if (ref.kind === "commit") {
    const reference = ref.branch ? `refs/heads/${ref.branch}` : undefined;
    return { reference: reference ?? "", hash: ref.commit, revision: formatGitRevision(reference, ref.commit) };
  }
  const range = ref.kind === "semver" ? parseSemverRange(ref.range, redactUrl(options.url)) : undefined;
  return withSession(options, tmpdir(), async (s) => {
    const { reference, hash, revision } = await lookup(s, ref, range);
    return { reference, hash, revision };
  });
}

function checkReferenceName(ref: ResolvedReference, url: string): void {
  if (ref.kind === "name" && (ref.name.startsWith("/") || ref.name.endsWith("/"))) {
    throw new GitError(
      `ref ${ref.name} is invalid; Git refs cannot begin or end with a slash '/'`,
      GitErrorKind.InvalidReference,
      redactUrl(url),
    );
  }
}

/** Resolves a non-commit reference with one `git ls-remote`. */
async function lookup(
  s: Session,
  ref: Exclude<ResolvedReference, { kind: "commit" }>,
  range: ReturnType<typeof parseSemverRange> | undefined,
): Promise<RemoteReference & { tag?: string; fetchRef: string }> {
  switch (ref.kind) {
    case "branch":
    case "tag": {
      const reference = ref.kind === "branch" ? `refs/heads/${ref.branch}` : `refs/tags/${ref.tag}`;
      const patterns = ref.kind === "tag" ? [reference, `${reference}${TAG_DEREF}`] : [reference];
      const entry = (await lsRemote(s, patterns)).get(reference);
      if (entry === undefined)
        throw await missing(s, ref.kind === "branch" ? `branch '${ref.branch}'` : `tag '${ref.tag}'`);
      const hash = commitOf(entry);
      const remote = { reference, hash, revision: formatGitRevision(reference, hash), fetchRef: reference };
      return ref.kind === "tag" ? { ...remote, tag: ref.tag } : remote;
    }
    case "semver": {
      const tags = new Map<string, LsRemoteEntry>();
      for (const [name, entry] of await lsRemote(s, [], ["--tags"])) {
        if (name.startsWith("refs/tags/")) tags.set(name.slice(10), entry);
      }
      const tag = range ? pickSemverTag(tags.keys(), range) : undefined;
      const entry = tag === undefined ? undefined : tags.get(tag);
      if (tag === undefined || entry === undefined) {
        throw new GitError(
          `unable to clone '${s.url.url}': no match found for semver: ${ref.range}`,
          GitErrorKind.ReferenceNotFound,
          s.url.url,
        );
      }
      const reference = `refs/tags/${tag}`;
      const hash = commitOf(entry);
      return { reference, hash, revision: formatGitRevision(reference, hash), tag, fetchRef: reference };
    }
    case "name": {
      const base = ref.name.endsWith(TAG_DEREF) ? ref.name.slice(0, -TAG_DEREF.length) : ref.name;
      const entry = (await lsRemote(s, [base, `${base}${TAG_DEREF}`])).get(base);
      if (entry === undefined) {
        throw new GitError(
          `unable to clone '${s.url.url}': unable to resolve ref '${ref.name}' to a specific commit`,
          GitErrorKind.ReferenceNotFound,
          s.url.url,
        );
      }
      const hash = commitOf(entry);
      const remote = { reference: ref.name, hash, revision: formatGitAbsoluteRevision(ref.name, hash), fetchRef: base };
      return base.startsWith("refs/tags/") ? { ...remote, tag: base.slice(10) } : remote;
    }
  }
}

async function run(
  s: Session,
  ref: ResolvedReference,
  range: ReturnType<typeof parseSemverRange> | undefined,
  last: string | undefined,
): Promise<CheckoutResult> {
  if (ref.kind === "commit") {
    const reference = ref.branch ? `refs/heads/${ref.branch}` : undefined;
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(ref.commit)) {
      const revision = formatGitRevision(reference, ref.commit);
      if (revision === last) return { hash: ref.commit, reference, revision, skipped: true };
    }
    return fetchCommit(s, ref.commit, ref.branch);
  }
  // Without a stored revision a plain branch or tag needs no lookup: fetch straight away.
  if (last === undefined && ref.kind === "branch") return cloneBranch(s, ref.branch);
  if (last === undefined && ref.kind === "tag") {
    return fetchRef(s, `refs/tags/${ref.tag}`, `tag '${ref.tag}'`, { tag: ref.tag });
  }
  const remote = await lookup(s, ref, range);
  if (remote.revision === last) {
    const skipped: CheckoutResult = {
      hash: remote.hash,
      reference: remote.reference,
      revision: remote.revision,
      skipped: true,
    };
    if (remote.tag !== undefined) skipped.tag = remote.tag;
    return skipped;
  }
  if (ref.kind === "branch") return cloneBranch(s, ref.branch);
  const what = ref.kind === "name" ? `ref '${ref.name}'` : `tag '${remote.tag}'`;
  const result = await fetchRef(s, remote.fetchRef, what, remote.tag === undefined ? {} : { tag: remote.tag });
  if (ref.kind !== "name") return result;
  return { ...result, reference: ref.name, revision: formatGitAbsoluteRevision(ref.name, result.hash) };
}

/** `git ls-remote <url> <args…>` parsed. */
async function lsRemote(s: Session, patterns: string[], flags: string[] = []): Promise<Map<string, LsRemoteEntry>> {
  const args = ["ls-remote", ...flags, "--", s.url.url, ...patterns];
  const out = await s.git.run(s.dir, args, `unable to list remote for '${s.url.url}'`);
  return parseLsRemote(out);
}

/** A not-found error for `what`, or an empty-repository error when the remote has no references at all. */
async function missing(s: Session, what: string): Promise<GitError> {
  const all = await lsRemote(s, []).catch(() => undefined);
  if (all !== undefined && all.size === 0) {
    return new GitError(
      `unable to clone '${s.url.url}': git repository is empty`,
      GitErrorKind.EmptyRepository,
      s.url.url,
    );
  }
  return new GitError(`unable to clone '${s.url.url}': ${what} not found`, GitErrorKind.ReferenceNotFound, s.url.url);
}

async function cloneBranch(s: Session, branch: string): Promise<CheckoutResult> {
  const args = ["clone", "--depth", "1", "--single-branch", "--no-tags", "--branch", branch];
  if (s.sparse.length > 0) args.push("--no-checkout");
  else if (s.submodules) args.push("--recurse-submodules", "--shallow-submodules");
  args.push("--", s.url.url, s.dir);
  try {
    await s.git.run(s.dir, args, `unable to clone '${s.url.url}'`);
  } catch (err: unknown) {
    if (err instanceof GitError && err.kind === GitErrorKind.ReferenceNotFound)
      throw await missing(s, `branch '${branch}'`);
    throw err;
  }
  if (s.sparse.length > 0) {
    await setSparse(s);
    await s.git.run(s.dir, ["checkout", branch, "--"], `unable to sparse checkout branch '${branch}'`);
    await updateSubmodules(s);
  }
  const head = (await readFile(join(s.dir, ".git", "HEAD"), "utf8")).trim();
  const reference = `refs/heads/${branch}`;
  if (head !== `ref: ${reference}`) {
    // `--branch` also accepts a tag; a GitRepository branch must be a branch.
    throw new GitError(
      `unable to clone '${s.url.url}': branch '${branch}' not found`,
      GitErrorKind.ReferenceNotFound,
      s.url.url,
    );
  }
  const { hash, subject } = await headCommit(s);
  return { hash, subject, reference, revision: formatGitRevision(reference, hash), skipped: false };
}

/** Initialises the repository with `origin` and fetches `refspecs` (depth 1 unless `full`). */
async function initAndFetch(s: Session, refspecs: string[], depth: number | undefined, context: string): Promise<void> {
  if (!(await hasGitDir(s.dir))) {
    await s.git.run(s.dir, ["init", s.dir], `unable to initialise repository in '${s.dir}'`);
    if (s.submodules) await s.git.run(s.dir, ["remote", "add", "origin", "--", s.url.url], "unable to add remote");
  }
  const args = ["fetch", "--no-tags", "--no-write-fetch-head"];
  if (depth !== undefined) args.push("--depth", String(depth));
  args.push("--", s.url.url, ...refspecs);
  await s.git.run(s.dir, args, context);
}

async function checkoutDetached(s: Session, target: string, context: string): Promise<void> {
  await setSparse(s);
  await s.git.run(s.dir, ["checkout", "--detach", target, "--"], context);
  await updateSubmodules(s);
}

async function updateSubmodules(s: Session): Promise<void> {
  if (!s.submodules) return;
  await s.git.run(
    s.dir,
    ["submodule", "update", "--init", "--recursive", "--depth", "1"],
    `unable to update submodules of '${s.url.url}'`,
  );
}

/** Restricts the work tree to the sparse directories (cone mode) before the checkout populates it. */
async function setSparse(s: Session): Promise<void> {
  if (s.sparse.length === 0) return;
  await s.git.run(
    s.dir,
    ["sparse-checkout", "set", "--cone", "--", ...s.sparse],
    "unable to configure sparse checkout",
  );
}

/** Fails when a sparse checkout directory does not exist in the checked-out commit (as Flux validates). */
async function checkSparseDirectories(s: Session): Promise<void> {
  for (const dir of s.sparse) {
    const st = await stat(join(s.dir, dir)).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new GitError(
        `failed to sparse checkout directories : sparse checkout dir '${dir}' does not exist in repository`,
        GitErrorKind.ReferenceNotFound,
        s.url.url,
      );
    }
  }
}

/** Trims `./` and trailing slashes; refuses absolute paths and `..`. */
function normalizeSparse(dirs: readonly string[] | undefined, url: string): string[] {
  const out: string[] = [];
  for (const raw of dirs ?? []) {
    const d = raw.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
    if (d === "" || d === ".") continue;
    if (d.startsWith("/") || d.split("/").includes("..")) {
      throw new GitError(`invalid sparse checkout directory '${raw}'`, GitErrorKind.InvalidReference, url);
    }
    out.push(d);
  }
  return out;
}

/** Fetches one reference at depth 1 and checks it out detached. */
async function fetchRef(s: Session, reference: string, what: string, extra: { tag?: string }): Promise<CheckoutResult> {
  const local = reference.startsWith("refs/heads/") ? `refs/remotes/origin/${reference.slice(11)}` : reference;
  try {
    await initAndFetch(s, [`+${reference}:${local}`], 1, `unable to clone '${s.url.url}'`);
  } catch (err: unknown) {
    if (err instanceof GitError && err.kind === GitErrorKind.ReferenceNotFound) throw await missing(s, what);
    throw err;
  }
  await checkoutDetached(s, `${local}^{commit}`, `unable to checkout ${what}`);
  const { hash, subject } = await headCommit(s);
  const result: CheckoutResult = {
    hash,
    subject,
    reference,
    revision: formatGitRevision(reference, hash),
    skipped: false,
  };
  if (extra.tag !== undefined) result.tag = extra.tag;
  return result;
}

/** Fetches a commit: by hash at depth 1 when the server allows, else the branch (or everything). */
async function fetchCommit(s: Session, commit: string, branch: string | undefined): Promise<CheckoutResult> {
  const context = `unable to clone '${s.url.url}'`;
  let fetched = false;
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
    try {
      await initAndFetch(s, [commit], 1, context);
      fetched = true;
    } catch (err: unknown) {
      // Protocol v0 servers refuse unadvertised objects; anything else is a real failure.
      if (!(err instanceof GitError && err.kind === GitErrorKind.ReferenceNotFound)) throw err;
    }
  }
  if (!fetched) {
    const refspecs = branch
      ? [`+refs/heads/${branch}:refs/remotes/origin/${branch}`]
      : ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"];
    try {
      await initAndFetch(s, refspecs, undefined, context);
    } catch (err: unknown) {
      if (err instanceof GitError && err.kind === GitErrorKind.ReferenceNotFound && branch) {
        throw await missing(s, `branch '${branch}'`);
      }
      throw err;
    }
  }
  try {
    await checkoutDetached(s, `${commit}^{commit}`, `unable to checkout commit '${commit}'`);
  } catch (err: unknown) {
    if (err instanceof GitError && (err.kind === GitErrorKind.ReferenceNotFound || err.kind === GitErrorKind.Unknown)) {
      throw new GitError(
        `unable to clone '${s.url.url}': unable to resolve commit object for '${commit}'`,
        GitErrorKind.ReferenceNotFound,
        s.url.url,
        { cause: err },
      );
    }
    throw err;
  }
  const { hash, subject } = await headCommit(s);
  const reference = branch ? `refs/heads/${branch}` : undefined;
  return { hash, subject, reference, revision: formatGitRevision(reference, hash), skipped: false };
}

async function headCommit(s: Session): Promise<{ hash: string; subject: string }> {
  const out = await s.git.run(s.dir, ["log", "-1", "--format=%H%x00%s", "HEAD"], "unable to resolve HEAD");
  const [hash = "", subject = ""] = out.trim().split("\0");
  return { hash, subject };
}

async function prepareDir(dir: string, url: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new GitError(`unable to clone '${url}': checkout directory '${dir}' is not empty`, GitErrorKind.Unknown, url);
  }
}

async function hasGitDir(dir: string): Promise<boolean> {
  try {
    await readFile(join(dir, ".git", "HEAD"));
    return true;
  } catch {
    return false;
  }
}

/** A prepared git session: the URL, a runner with the credentials' environment and the time limit, the directory. */
export type GitSession = Pick<Session, "url" | "git" | "dir">;

/** Options of {@link withGitSession}: the remote, its credentials and the time limit of everything run. */
export type GitSessionOptions = Pick<CheckoutOptions, "url" | "auth" | "timeoutMs" | "signal">;

/**
 * Runs `fn` with a {@link GitSession} on `dir` for `options.url`: credentials reach git only through the
 * environment and 0600 files (removed afterwards), the time limit covers every command `fn` runs.
 */
export function withGitSession<T>(
  options: GitSessionOptions,
  dir: string,
  fn: (s: GitSession) => Promise<T>,
): Promise<T> {
  return withSession(options, dir, (s) => fn(s));
}
