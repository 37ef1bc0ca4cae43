import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { UserInfo } from "../api/request-context.js";
import { ApiError, unauthorized } from "../errors.js";

/** Paths kube-apiserver serves to anyone (system:public-info-viewer). */
const PUBLIC_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

function isPublic(path: string): boolean {
  if (PUBLIC_PATHS.has(path)) return true;
  return /^\/(healthz|livez|readyz)\//.test(path);
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Authenticates a request by bearer token: the admin token gets `system:masters`. Requests without a token
 * may only read version and health endpoints; anything else answers 401. Impersonation headers
 * (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`) switch the user, remembering the real one.
 */
export function authenticate(req: IncomingMessage, path: string, adminToken: string): UserInfo {
  const header = req.headers.authorization;
  let user: UserInfo;
  if (header === undefined) {
    if (!isPublic(path)) throw unauthorized();
    user = { name: "system:anonymous", groups: ["system:unauthenticated"] };
  } else {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !tokenMatches(m[1]!, adminToken)) throw unauthorized();
    user = { name: "sluice-admin", groups: ["system:masters", "system:authenticated"] };
  }
  const impUser = req.headers["impersonate-user"];
  const impGroups = req.headers["impersonate-group"];
  if (impUser !== undefined || impGroups !== undefined) {
    if (user.name === "system:anonymous") throw unauthorized();
    const name = Array.isArray(impUser) ? impUser[0] : impUser;
    if (name === undefined || name === "") {
      throw new ApiError(400, "BadRequest", "requested impersonation of groups without impersonating a user");
    }
    const groups = (Array.isArray(impGroups) ? impGroups : impGroups === undefined ? [] : impGroups.split(","))
      .map((g) => g.trim())
      .filter((g) => g !== "");
    if (!groups.includes("system:authenticated") && !name.startsWith("system:anonymous"))
      groups.push("system:authenticated");
    user = { name, groups, impersonatedBy: user.name };
  }
  return user;
}
