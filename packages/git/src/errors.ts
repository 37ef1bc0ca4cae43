// Git failures, classified so the reconciler can pick Flux's reason and write a message naming the cause.

import { SourceReason } from "@sluice/api";

/** What went wrong, coarse enough to decide on a condition reason and whether retrying can help. */
export const GitErrorKind = {
  /** Credentials were rejected, missing, or could not be used (wrong password, bad key, no passphrase). */
  Authentication: "authentication",
  /** The SSH server's host key is not in `known_hosts` (or differs). */
  HostKey: "host-key",
  /** The HTTPS server's certificate could not be verified, or the client certificate was refused. */
  Tls: "tls",
  /** The repository does not exist at that URL. */
  RepositoryNotFound: "repository-not-found",
  /** The branch, tag, reference or commit does not exist; or no tag matches the semver range. */
  ReferenceNotFound: "reference-not-found",
  /** The repository has no commits. */
  EmptyRepository: "empty-repository",
  /** The URL is malformed or uses an unsupported scheme. */
  InvalidUrl: "invalid-url",
  /** `spec.ref.semver` is not a valid range. */
  InvalidReference: "invalid-reference",
  /** The server could not be reached. */
  Network: "network",
  /** The operation ran past its time limit and git was stopped. */
  Timeout: "timeout",
  /** Anything else. */
  Unknown: "unknown",
} as const;
export type GitErrorKindName = (typeof GitErrorKind)[keyof typeof GitErrorKind];

/**
 * A failed Git operation. The message names the URL (never with credentials) and the cause; `kind` says
 * what kind of failure it was, `reason` is the condition reason to report: `AuthenticationFailed` for
 * rejected credentials or host keys, `URLInvalid` for a bad URL, `GitOperationFailed` otherwise.
 */
export class GitError extends Error {
  readonly reason: string;

  constructor(
    message: string,
    readonly kind: GitErrorKindName,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GitError";
    this.reason = reasonFor(kind);
  }

  /** Whether retrying without a spec change can't help (bad URL or semver range): a stalling error. */
  get persistent(): boolean {
    return this.kind === GitErrorKind.InvalidUrl || this.kind === GitErrorKind.InvalidReference;
  }
}

function reasonFor(kind: GitErrorKindName): string {
  switch (kind) {
    case GitErrorKind.Authentication:
    case GitErrorKind.HostKey:
      return SourceReason.AuthenticationFailed;
    case GitErrorKind.InvalidUrl:
      return SourceReason.URLInvalid;
    default:
      return SourceReason.GitOperationFailed;
  }
}

const PATTERNS: [RegExp, GitErrorKindName][] = [
  [
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No [A-Z0-9-]+ host key is known/i,
    GitErrorKind.HostKey,
  ],
  [
    /Authentication failed|could not read (Username|Password)|returned error: 40[13]|HTTP 40[13]\b/i,
    GitErrorKind.Authentication,
  ],
  [
    /Permission denied \(|incorrect passphrase|Load key .*: (invalid format|error in libcrypto)|no mutual signature/i,
    GitErrorKind.Authentication,
  ],
  [
    /SSL certificate problem|TLS fatal alert|GnuTLS (recv|handshake) error|gnutls_handshake\(\) failed|server certificate verification failed|certificate verify failed|SSL_ERROR|alert (certificate|handshake)|unable to set private key file|could not load PEM client certificate/i,
    GitErrorKind.Tls,
  ],
  [
    /Remote branch .* not found|couldn't find remote ref|not our ref|unadvertised object|reference is not a tree|did not match any file|unknown revision|bad object|Could not find remote branch/i,
    GitErrorKind.ReferenceNotFound,
  ],
  [
    /repository '.*' not found|does not appear to be a git repository|Repository not found|returned error: 404|No such file or directory.*\.git|not a git repository/i,
    GitErrorKind.RepositoryNotFound,
  ],
  [
    /Could not resolve host|Failed to connect|Connection refused|Connection timed out|Network is unreachable|Connection reset|Could not resolve hostname|connection closed by remote host|Empty reply from server|Transport endpoint is not connected|non-properly terminated|Error in the pull function|Operation timed out/i,
    GitErrorKind.Network,
  ],
  [
    /unable to find remote helper|URL using bad\/illegal format|Protocol .* not supported|invalid port number|Port number ended with/i,
    GitErrorKind.InvalidUrl,
  ],
];

/** Classifies git's stderr output. */
export function classifyGitOutput(output: string): GitErrorKindName {
  for (const [re, kind] of PATTERNS) if (re.test(output)) return kind;
  return GitErrorKind.Unknown;
}

/** A short, single-line cause from git's stderr: `fatal:`/`error:` lines first, noise removed. */
export function summarizeGitOutput(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(
      (l) =>
        l !== "" &&
        !/^(Cloning into|Initiali[sz]ed empty|HEAD is now at|From |\* (branch|tag|\[new)|remote: (Counting|Compressing|Enumerating|Total)|warning: redirecting)/.test(
          l,
        ),
    )
    .filter((l) => !/^(hint|\*\*\*\*|@@@@)/.test(l))
    .filter(
      (l) =>
        !/^(Please contact|It is also possible|Someone could be|The fingerprint|Add correct host key|Offending|Host key for|IT IS POSSIBLE|@)/.test(
          l,
        ),
    );
  const important = lines.filter((l) => /^(fatal|error):/i.test(l) || /denied|failed|not found|refused/i.test(l));
  const chosen = (important.length > 0 ? important : lines).map((l) => l.replace(/^(fatal|error):\s*/i, ""));
  const unique = [...new Set(chosen)];
  const text = unique.join("; ");
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
