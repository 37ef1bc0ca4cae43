// Credentials from a GitRepository's `secretRef` data, with Flux's rules (pkg/git NewAuthOptions).

import { GitError, GitErrorKind } from "./errors.js";
import type { GitAuth } from "./types.js";
import { type ParsedGitUrl, parseGitUrl } from "./url.js";

/** The keys a GitRepository secret may hold. */
export const GitSecretKey = {
  Username: "username",
  Password: "password",
  BearerToken: "bearerToken",
  CACert: "ca.crt",
  /** Deprecated spelling of `ca.crt`, still read. */
  CAFile: "caFile",
  TLSCert: "tls.crt",
  TLSKey: "tls.key",
  Identity: "identity",
  KnownHosts: "known_hosts",
} as const;

/** The user an SSH URL without user name connects as. */
export const DEFAULT_SSH_USER = "git";

type SecretData = Readonly<Record<string, string | Uint8Array | undefined>>;

function text(data: SecretData, key: string): string | undefined {
  const v = data[key];
  if (v === undefined) return undefined;
  const s = typeof v === "string" ? v : Buffer.from(v).toString("utf8");
  return s === "" ? undefined : s;
}

/**
 * Builds {@link GitAuth} from decoded Secret data for `url`, as Flux does: for SSH `identity`,
 * `known_hosts` and `password` (key passphrase); for HTTP(S) `bearerToken` (taking precedence) or
 * `username`/`password`, with `ca.crt` (or `caFile`), `tls.crt`, `tls.key`; credentials embedded in the URL
 * fill in a missing user name or password. Throws a {@link GitError} of kind `authentication` when the
 * combination is invalid (SSH without identity or known_hosts, a password without user name).
 */
export function authFromSecretData(url: string | ParsedGitUrl, data: SecretData | undefined): GitAuth {
  const parsed = typeof url === "string" ? parseGitUrl(url) : url;
  const d = data ?? {};
  const auth: GitAuth = {};
  if (parsed.transport === "ssh") {
    auth.identity = text(d, GitSecretKey.Identity);
    auth.knownHosts = text(d, GitSecretKey.KnownHosts);
    auth.password = text(d, GitSecretKey.Password);
  } else {
    auth.caCert = text(d, GitSecretKey.CACert) ?? text(d, GitSecretKey.CAFile);
    auth.clientCert = text(d, GitSecretKey.TLSCert);
    auth.clientKey = text(d, GitSecretKey.TLSKey);
    const token = text(d, GitSecretKey.BearerToken);
    if (token !== undefined) auth.bearerToken = token;
    else {
      auth.username = text(d, GitSecretKey.Username);
      auth.password = text(d, GitSecretKey.Password);
    }
    if (auth.bearerToken === undefined) {
      auth.username ??= parsed.embedded?.username || undefined;
      auth.password ??= parsed.embedded?.password || undefined;
    }
  }
  validateAuth(parsed, auth);
  return dropUndefined(auth);
}

/** Throws a {@link GitError} (kind `authentication`) when `auth` can't be used for the URL's transport. */
export function validateAuth(url: ParsedGitUrl, auth: GitAuth): void {
  const fail = (msg: string): never => {
    throw new GitError(
      `failed to configure authentication options: invalid '${url.transport}' auth option: ${msg}`,
      GitErrorKind.Authentication,
      url.url,
    );
  };
  if (url.transport === "ssh") {
    if (!auth.identity) fail("'identity' is required");
    if (!auth.knownHosts) fail("'known_hosts' is required");
    return;
  }
  if (!auth.username && auth.password) fail("'password' requires 'username' to be set");
  if ((auth.clientCert === undefined) !== (auth.clientKey === undefined)) {
    fail("'tls.crt' and 'tls.key' must be set together");
  }
}

function dropUndefined(auth: GitAuth): GitAuth {
  const out: GitAuth = {};
  for (const [k, v] of Object.entries(auth) as [keyof GitAuth, string | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}
