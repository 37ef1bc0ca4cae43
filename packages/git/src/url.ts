// GitRepository URLs: validation, and forms safe to log.

import { GitError, GitErrorKind } from "./errors.js";

/** The transports a GitRepository URL may use. */
export const GIT_URL_SCHEMES = ["http:", "https:", "ssh:"] as const;

/** A parsed repository URL without any password, plus what was removed from it. */
export interface ParsedGitUrl {
  /** The URL git is given: userinfo dropped for HTTP(S), the user name kept for SSH. */
  url: string;
  /** `http`, `https` or `ssh`. */
  transport: "http" | "https" | "ssh";
  /** `scheme://host[:port]/`, used to scope per-remote git configuration. */
  origin: string;
  /** Credentials that were embedded in an HTTP(S) URL, if any. */
  embedded?: { username: string; password: string };
}

/**
 * Parses and checks a GitRepository URL (`^(http|https|ssh)://`; the scp form `user@host:path` is rejected
 * as Flux does). Throws a {@link GitError} of kind `invalid-url` naming the redacted URL.
 */
export function parseGitUrl(raw: string): ParsedGitUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err: unknown) {
    throw new GitError(
      `failed to parse url '${redactUrl(raw)}': invalid URL`,
      GitErrorKind.InvalidUrl,
      redactUrl(raw),
      {
        cause: err,
      },
    );
  }
  if (!(GIT_URL_SCHEMES as readonly string[]).includes(u.protocol) || u.hostname === "") {
    throw new GitError(
      `failed to parse url '${redactUrl(raw)}': scheme must be http, https or ssh with a host`,
      GitErrorKind.InvalidUrl,
      redactUrl(raw),
    );
  }
  const transport = u.protocol.slice(0, -1) as ParsedGitUrl["transport"];
  const origin = `${u.protocol}//${u.host}/`;
  if (transport === "ssh") {
    u.password = "";
    return { url: u.toString(), transport, origin };
  }
  const parsed: ParsedGitUrl = { url: "", transport, origin };
  if (u.username !== "" || u.password !== "") {
    parsed.embedded = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  }
  u.username = "";
  u.password = "";
  parsed.url = u.toString();
  return parsed;
}

/** The URL with any password (and for HTTP(S) the user name) removed, for messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password !== "" || (u.username !== "" && u.protocol !== "ssh:")) {
      u.password = "";
      if (u.protocol !== "ssh:") u.username = "";
    }
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^/@\s]*@/, "//");
  }
}

/** Replaces each secret (and URL userinfo) in `text` with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*:[^/@\s'"]*@/gi, "$1***@");
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join("***");
  return out;
}
