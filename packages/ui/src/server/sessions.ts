// Browser sessions: anonymous (read-only) until the user logs in with a token; each session carries its
// CSRF token. Sessions live in memory and expire.

import { randomBytes, timingSafeEqual } from "node:crypto";

/** An identity the UI acts as (through Kubernetes impersonation). */
export interface UiUser {
  /** Kubernetes user name impersonated for actions. */
  name: string;
  groups: string[];
  /** Whether this user may run actions (false: read-only, actions answer 403). */
  canAct: boolean;
}

/** A login token and the user it stands for. */
export interface UiLogin extends UiUser {
  token: string;
}

/** One browser session. */
export interface UiSession {
  id: string;
  csrfToken: string;
  user: UiUser | undefined;
  expires: number;
}

/** Name of the session cookie (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = "sluice_ui_session";

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

function token(): string {
  return randomBytes(24).toString("base64url");
}

/** Compares two secrets in constant time. */
export function secretEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The in-memory session table and the known login tokens. */
export class SessionStore {
  private readonly sessions = new Map<string, UiSession>();

  constructor(private readonly logins: readonly UiLogin[]) {}

  /** The live session with this id, or undefined. */
  get(id: string | undefined): UiSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  /** A new anonymous session. */
  create(): UiSession {
    if (this.sessions.size >= MAX_SESSIONS) this.prune();
    const s: UiSession = { id: token(), csrfToken: token(), user: undefined, expires: Date.now() + SESSION_TTL_MS };
    this.sessions.set(s.id, s);
    return s;
  }

  /**
   * Logs a session in with a token; returns the user, or undefined when no login has that token. The
   * session id and CSRF token are replaced (no session fixation).
   */
  login(session: UiSession, given: string): { session: UiSession; user: UiUser } | undefined {
    const found = this.logins.find((l) => secretEquals(l.token, given));
    if (!found) return undefined;
    this.sessions.delete(session.id);
    const next = this.create();
    next.user = { name: found.name, groups: [...found.groups], canAct: found.canAct };
    return { session: next, user: next.user };
  }

  /**
   * Logs a session in as `user` (a TokenReview's or an OIDC login's), or a new session when there is none;
   * the old session id is dropped (no session fixation).
   */
  loginAs(session: UiSession | undefined, user: UiUser): UiSession {
    if (session) this.sessions.delete(session.id);
    const next = this.create();
    next.user = { name: user.name, groups: [...user.groups], canAct: user.canAct };
    return next;
  }

  /** Ends a session. */
  logout(session: UiSession): void {
    this.sessions.delete(session.id);
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expires < now) this.sessions.delete(id);
    // Still full: drop the oldest half (Map keeps insertion order).
    if (this.sessions.size >= MAX_SESSIONS) {
      let n = this.sessions.size / 2;
      for (const id of this.sessions.keys()) {
        if (n-- <= 0) break;
        this.sessions.delete(id);
      }
    }
  }
}
