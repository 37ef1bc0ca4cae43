// Which keys name credentials: shared by redactValue and the fast path of redactLogLine.

/** The key names, a regular expression source (a group, unanchored, case-insensitive). */
export const SENSITIVE_KEY_SOURCE =
  "(?:password|passwd|pass|passphrase|secret|token|authorization|proxy-authorization|cookie|set-cookie|identity|credentials?|bearer[-_]?token|access[-_]?token|refresh[-_]?token|id[-_]?token|auth[-_]?token|api[-_]?key|apikey|private[-_]?key|client[-_]?secret|secret[-_]?key|secret[-_]?access[-_]?key|ssh[-_]?key|x-api-key)";

/** Keys whose string values are credentials wherever they appear. */
export const SENSITIVE_KEY = new RegExp(`^${SENSITIVE_KEY_SOURCE}$`, "i");
