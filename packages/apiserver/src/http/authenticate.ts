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

/** Tells whether a peer address is a loopback address (127.0.0.0/8, ::1, IPv4-mapped 127.x). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** How requests are authenticated. */
export interface AuthOptions {
  /** The bearer token that authenticates as the admin. */
  adminToken: string;
  /**
   * Treat requests without an Authorization header that arrive over plain HTTP from a loopback address as the
   * admin (client-go never sends credentials over plain HTTP). Only for servers started without TLS.
   */
  trustLoopbackHttp?: boolean;
}

const ADMIN: UserInfo = { name: "sluice-admin", groups: ["system:masters", "system:authenticated"] };

/**
 * Authenticates a request by bearer token: the admin token gets `system:masters`. Requests without a token
 * may only read version and health endpoints, unless `trustLoopbackHttp` lets loopback peers in as the admin;
 * anything else answers 401. Impersonation headers (`Impersonate-User`, `Impersonate-Group`,
 * `Impersonate-Uid`) switch the user, remembering the real one.
 */
export function authenticate(req: IncomingMessage, path: string, auth: AuthOptions): UserInfo {
  const header = req.headers.authorization;
  let user: UserInfo;
  if (header === undefined) {
    if (auth.trustLoopbackHttp === true && isLoopbackAddress(req.socket.remoteAddress)) {
      user = { ...ADMIN, groups: [...ADMIN.groups] };
    } else {
      if (!isPublic(path)) throw unauthorized();
      user = { name: "system:anonymous", groups: ["system:unauthenticated"] };
    }
  } else {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !tokenMatches(m[1]!, auth.adminToken)) throw unauthorized();
    user = { ...ADMIN, groups: [...ADMIN.groups] };
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
