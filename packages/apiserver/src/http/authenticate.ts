import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { UserInfo } from "../api/request-context.js";
import { unauthorized } from "../errors.js";
import { clientCertificateUser } from "./client-certificate.js";

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
  /** Other bearer tokens (ServiceAccount tokens): the user, or undefined when the token is not valid. */
  tokenAuthenticator?: (token: string) => UserInfo | undefined;
  /**
   * Treat requests without an Authorization header that arrive over plain HTTP from a loopback address as the
   * admin (client-go never sends credentials over plain HTTP). Only for servers started without TLS.
   */
  trustLoopbackHttp?: boolean;
  /** Authenticate verified client certificates (the server requests them with a client CA). */
  clientCertificates?: boolean;
}

/** The user name of the admin identity. */
export const ADMIN_USER = "sluice-admin";
const ADMIN: UserInfo = { name: ADMIN_USER, groups: ["system:masters", "system:authenticated"] };

/** The anonymous user (unauthenticated requests to public paths). */
export const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };

/**
 * Authenticates a request by client certificate (CN the user, O its groups) or bearer token: the admin token
 * gets `system:masters`, a ServiceAccount token its ServiceAccount's identity. Requests without either are
 * anonymous on version and health endpoints, the admin from loopback with `trustLoopbackHttp`, and 401
 * otherwise; an unknown token, or a refused certificate without a valid token, is 401.
 */
export function authenticate(req: IncomingMessage, path: string, auth: AuthOptions): UserInfo {
  // As kube-apiserver: a verified client certificate comes first; a refused one leaves only a valid token.
  const cert = auth.clientCertificates === true ? clientCertificateUser(req) : "none";
  if (typeof cert === "object") {
    const groups = cert.user.groups.includes("system:authenticated")
      ? cert.user.groups
      : [...cert.user.groups, "system:authenticated"];
    return { ...cert.user, groups };
  }
  const header = req.headers.authorization;
  if (header === undefined) {
    if (cert === "invalid") throw unauthorized();
    if (auth.trustLoopbackHttp === true && isLoopbackAddress(req.socket.remoteAddress)) {
      return { ...ADMIN, groups: [...ADMIN.groups] };
    }
    if (!isPublic(path)) throw unauthorized();
    return { ...ANONYMOUS, groups: [...ANONYMOUS.groups] };
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized();
  const user = authenticateToken(m[1]!, auth);
  if (!user) throw unauthorized();
  return user;
}

/** The user a bearer token stands for (the admin, a ServiceAccount), or undefined: also TokenReview's answer. */
export function authenticateToken(token: string, auth: Pick<AuthOptions, "adminToken" | "tokenAuthenticator">) {
  if (tokenMatches(token, auth.adminToken)) return { ...ADMIN, groups: [...ADMIN.groups] };
  return auth.tokenAuthenticator?.(token);
}
