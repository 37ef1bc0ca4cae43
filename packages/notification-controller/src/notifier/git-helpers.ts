// What the commit-status providers share (Flux's notifier/util.go): the repository of a Git address, the
// commit SHA of a revision, and the status name and description of an event.

import type { FluxEvent } from "@sluice/runtime/events";
import { NotifierError } from "./notifier.js";

/** A Git repository address split into the API host (`https://host`) and the repository path (`org/repo`). */
export interface GitAddress {
  host: string;
  id: string;
}

/**
 * Parses `https://host/org/repo(.git)`, `ssh://git@host/org/repo` or `git@host:org/repo.git` (SSH
 * addresses map to `https://host`). Throws {@link NotifierError} for anything else.
 */
export function parseGitAddress(address: string): GitAddress {
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(address);
  let scheme: string;
  let hostPort: string;
  let path: string;
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    scheme = "https";
    hostPort = scp[1] ?? "";
    path = scp[2] ?? "";
  } else {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new NotifierError(`failed parsing URL "${address}"`);
    }
    scheme = url.protocol.replace(/:$/, "");
    if (scheme === "ssh") scheme = "https";
    hostPort = url.host;
    path = decodeURIComponent(url.pathname);
  }
  if (!hostPort) throw new NotifierError(`failed parsing URL "${address}": no host`);
  const id = path.replace(/^\/+/, "").replace(/\.git$/, "");
  return { host: `${scheme}://${hostPort}`, id };
}

/** Splits `org/repo` into exactly two parts or throws `invalid repository id`. */
export function ownerAndRepo(id: string): [string, string] {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new NotifierError(`invalid repository id "${id}"`);
  return [parts[0], parts[1]];
}

/**
 * The commit SHA of a revision (`main@sha1:<sha>`, `sha1:<sha>`, `main/<sha>`, `<sha>`): 40 hex digits
 * (SHA-1) or 64 (SHA-256). Throws `failed to extract commit hash from '<rev>' revision` otherwise.
 */
export function parseRevision(revision: string): string {
  let hash = revision;
  const colon = revision.lastIndexOf(":");
  if (colon !== -1) hash = revision.slice(colon + 1);
  else if (revision.includes("/")) hash = revision.slice(revision.lastIndexOf("/") + 1);
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(hash)) {
    throw new NotifierError(`failed to extract commit hash from '${revision}' revision`);
  }
  return hash;
}

/** The revision of an event after metadata merging (`metadata.revision`), or undefined. */
export function eventRevision(event: FluxEvent): string | undefined {
  return event.metadata?.["revision"];
}

/** Splits CamelCase as Flux's splitCamelcase does: `ReconciliationSucceeded` → `Reconciliation`, `Succeeded`. */
export function splitCamelCase(text: string): string[] {
  const classOf = (ch: string): number => {
    if (/\p{Ll}/u.test(ch)) return 1;
    if (/\p{Lu}/u.test(ch)) return 2;
    if (/\p{Nd}/u.test(ch)) return 3;
    return 4;
  };
  const runs: string[][] = [];
  let last = 0;
  for (const ch of text) {
    const cls = classOf(ch);
    if (cls === last && runs.length > 0) runs[runs.length - 1]?.push(ch);
    else runs.push([ch]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    const cur = runs[i] ?? [];
    const next = runs[i + 1] ?? [];
    if (cur.length > 0 && next.length > 0 && classOf(cur[0] ?? "") === 2 && classOf(next[0] ?? "") === 1) {
      const moved = cur.pop();
      if (moved !== undefined) next.unshift(moved);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(""));
}

/** `kind/name` (lower case) and the reason in lower-case words: a commit status's name and description. */
export function nameAndDescription(event: FluxEvent): { name: string; description: string } {
  const name = `${event.involvedObject.kind}/${event.involvedObject.name}`.toLowerCase();
  const description = splitCamelCase(event.reason).join(" ").toLowerCase();
  return { name, description };
}

/** Whether the event's reason is `Progressing` (commit-status providers skip those). */
export function isProgressing(event: FluxEvent): boolean {
  return event.reason === "Progressing";
}

/** The commit SHA an event is about, or a {@link NotifierError} `missing revision metadata`. */
export function eventCommit(event: FluxEvent): string {
  const revision = eventRevision(event);
  if (!revision) throw new NotifierError("missing revision metadata");
  return parseRevision(revision);
}
