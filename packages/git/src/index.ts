// @sluice/git: Git checkouts, commits and pushes with credentials kept out of argv (GitRepository auth
// Secrets, HTTP extra headers / SSH keys through env and 0600 files), shared by source-controller and the
// image-automation-controller.

export { authFromSecretData, DEFAULT_SSH_USER, GitSecretKey, validateAuth } from "./auth.js";
export {
  checkout,
  DEFAULT_GIT_TIMEOUT_MS,
  type GitSession,
  type GitSessionOptions,
  type ResolvedReference,
  resolveReference,
  resolveRemoteReference,
  withGitSession,
} from "./checkout.js";
export { type CommitAuthor, commitAll, pushRefspecs, remoteBranchHead, switchToBranch } from "./commit-push.js";
export { classifyGitOutput, GitError, GitErrorKind, type GitErrorKindName, summarizeGitOutput } from "./errors.js";
export { type GitEnvironment, prepareGitEnvironment, shellQuote } from "./git-env.js";
export {
  commitOf,
  type LsRemoteEntry,
  parseLsRemote,
  parseSemverRange,
  parseTagVersion,
  pickSemverTag,
} from "./remote-refs.js";
export { type CommitSigningKey, type PreparedSigning, prepareSigning, SigningKeyError } from "./signing.js";
export type { CheckoutOptions, CheckoutResult, GitAuth, GitReference, RemoteReference } from "./types.js";
export { GIT_URL_SCHEMES, type ParsedGitUrl, parseGitUrl, redactSecrets, redactUrl } from "./url.js";
export {
  PUBLIC_KEY_PGP_SUFFIX,
  PUBLIC_KEY_SSH_SUFFIX,
  type SignatureVerification,
  SignatureVerificationError,
  signatureType,
  type VerificationKeys,
  VerificationReason,
  verificationKeysFromSecretData,
  verifyCommitSignature,
  verifyTagSignature,
} from "./verify.js";
