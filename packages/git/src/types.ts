// Inputs and outputs of Git checkouts, shaped after GitRepository's spec.

/** `spec.ref` of a GitRepository; precedence commit > name > semver > tag > branch (default `master`). */
export interface GitReference {
  branch?: string | undefined;
  tag?: string | undefined;
  semver?: string | undefined;
  name?: string | undefined;
  commit?: string | undefined;
}

/**
 * Credentials and trust material, as read from the GitRepository's `secretRef` (see `authFromSecretData`).
 * Values are held in memory only; they reach git through temporary files (0600) and environment
 * variables, never through process arguments.
 */
export interface GitAuth {
  /** HTTPS basic auth user name (`username`). */
  username?: string | undefined;
  /** HTTPS basic auth password (`password`), or the passphrase of an encrypted SSH `identity`. */
  password?: string | undefined;
  /** HTTPS bearer token (`bearerToken`). */
  bearerToken?: string | undefined;
  /** PEM CA bundle to trust for HTTPS (`ca.crt`). */
  caCert?: string | undefined;
  /** PEM client certificate for HTTPS (`tls.crt`). */
  clientCert?: string | undefined;
  /** PEM client key for HTTPS (`tls.key`). */
  clientKey?: string | undefined;
  /** SSH private key (`identity`). */
  identity?: string | undefined;
  /** OpenSSH known_hosts lines the server's host key must match (`known_hosts`). */
  knownHosts?: string | undefined;
}

/** What the remote says a reference points at (one `git ls-remote`). */
export interface RemoteReference {
  /** Full reference name, e.g. `refs/heads/main`, `refs/tags/v1.2.0`, `refs/pull/1/head`. */
  reference: string;
  /** The commit hash (tags peeled to the commit they point at). */
  hash: string;
  /** The revision string a checkout of it gets (`main@sha1:…`, `refs/pull/1/head@sha1:…`). */
  revision: string;
}

/** Options of {@link checkout}. */
export interface CheckoutOptions {
  /** Repository URL: `http://`, `https://` or `ssh://`. */
  url: string;
  /** Empty directory (created if missing) to check out into. */
  dir: string;
  reference?: GitReference | undefined;
  auth?: GitAuth | undefined;
  /** Overall time limit in milliseconds (GitRepository `spec.timeout`, default 60 s). */
  timeoutMs?: number | undefined;
  /** Also check out submodules (recursively, shallow), with the same credentials. */
  recurseSubmodules?: boolean | undefined;
  /**
   * `spec.sparseCheckout`: check out only these directories (git's cone mode: the directories' content
   * plus files at the repository root). A leading `./` is ignored; a directory missing from the commit
   * fails the checkout.
   */
  sparseCheckout?: readonly string[] | undefined;
  /**
   * The revision of the stored artifact. When the remote reference still resolves to it, no clone happens:
   * the result is a {@link CheckoutResult} with `skipped: true` after a single `git ls-remote`.
   */
  lastObservedRevision?: string | undefined;
  /** Aborts the checkout (kills git). */
  signal?: AbortSignal | undefined;
}

/** What a checkout produced. */
export interface CheckoutResult {
  /** The checked-out commit hash. */
  hash: string;
  /** Full reference the commit was reached through (`refs/heads/main`); undefined for a bare commit. */
  reference: string | undefined;
  /** Flux revision: `main@sha1:<hash>`, `v1.0.0@sha1:<hash>`, `refs/pull/1/head@sha1:<hash>`, `sha1:<hash>`. */
  revision: string;
  /** True when the remote still matched `lastObservedRevision` and nothing was cloned. */
  skipped: boolean;
  /** Subject line of the commit message (absent when skipped). */
  subject?: string;
  /** For a tag checkout: the tag name (for tag signature verification). */
  tag?: string;
}
