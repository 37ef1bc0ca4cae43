// OIDC login (authorization code flow with PKCE, `openid-client`): the ID token's claims become a Kubernetes
// user name and groups, which the UI then impersonates, so the cluster's RBAC decides what the user may do
// (as Flux Operator's web UI does). The provider is discovered on first use, so the UI starts while it is down.

import { randomBytes } from "node:crypto";
import * as client from "openid-client";
import type { UiUser } from "./sessions.js";

/** Options of the OIDC login. */
export interface OidcOptions {
  /** Issuer URL (discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  /**
   * The UI's external base URL (`https://ui.example.com`); the callback is `<baseUrl>/api/oidc/callback`.
   * Default: the URL the UI serves on.
   */
  baseUrl?: string | undefined;
  /** Scopes asked for (default openid, email, profile, groups). */
  scopes?: readonly string[] | undefined;
  /** Claim holding the Kubernetes user name (default `email`). */
  usernameClaim?: string | undefined;
  /** Prefix added to the user name (default none), like kube-apiserver's `--oidc-username-prefix`. */
  usernamePrefix?: string | undefined;
  /** Claim holding the groups, a list or one string (default `groups`). */
  groupsClaim?: string | undefined;
  /** Prefix added to every group (default none). */
  groupsPrefix?: string | undefined;
  /** Whether OIDC users may run actions (their RBAC still decides; default true). */
  canAct?: boolean | undefined;
  /** Allow an `http:` issuer (loopback tests only). */
  allowHttp?: boolean | undefined;
}

/** A login started in the browser, waiting for the provider's redirect back. */
interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  expires: number;
}

/** The login failed: answered 401 with the reason (never a token). */
export class OidcLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OidcLoginError";
  }
}

/** Cookie naming the pending login: SameSite=Lax, since the provider's redirect back is a cross-site navigation. */
export const OIDC_COOKIE = "sluice_ui_oidc";
const PENDING_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 1000;

/** The Kubernetes identity of an ID token's claims. */
export function userFromClaims(claims: Record<string, unknown>, options: OidcOptions): UiUser {
  const usernameClaim = options.usernameClaim ?? "email";
  const name = claims[usernameClaim];
  if (typeof name !== "string" || name === "") {
    throw new OidcLoginError(`the ID token has no ${usernameClaim} claim to use as the user name`);
  }
  if (usernameClaim === "email" && claims["email_verified"] === false) {
    throw new OidcLoginError(`the ID token's email ${name} is not verified`);
  }
  const raw = claims[options.groupsClaim ?? "groups"];
  const groups = (Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : []).filter(
    (g): g is string => typeof g === "string" && g !== "",
  );
  return {
    name: `${options.usernamePrefix ?? ""}${name}`,
    groups: groups.map((g) => `${options.groupsPrefix ?? ""}${g}`),
    canAct: options.canAct ?? true,
  };
}

/** The login flow: where to send the browser, and the claims of its return. */
export class OidcLogin {
  private config: Promise<client.Configuration> | undefined;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly options: OidcOptions,
    private readonly servedUrl: () => string,
  ) {}

  /** The callback URL registered with the provider. */
  get redirectUri(): string {
    return `${(this.options.baseUrl ?? this.servedUrl()).replace(/\/+$/, "")}/api/oidc/callback`;
  }

  private configuration(): Promise<client.Configuration> {
    this.config ??= client
      .discovery(
        new URL(this.options.issuer),
        this.options.clientId,
        this.options.clientSecret,
        undefined,
        this.options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.config = undefined;
        throw new OidcLoginError(
          `OIDC discovery at ${this.options.issuer} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    return this.config;
  }

  /** Starts a login: the provider's authorization URL, and the id of the pending login (its cookie). */
  async start(): Promise<{ url: string; id: string }> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const pending: Pending = {
      verifier,
      state: client.randomState(),
      nonce: client.randomNonce(),
      expires: Date.now() + PENDING_TTL_MS,
    };
    this.prune();
    const id = randomBytes(24).toString("base64url");
    this.pending.set(id, pending);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: (this.options.scopes ?? ["openid", "email", "profile", "groups"]).join(" "),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, id };
  }

  /**
   * Finishes the login `id` with the provider's redirect (`query` of the callback): exchanges the code,
   * checks state, nonce and the ID token, and maps its claims. A pending login is used once.
   */
  async finish(id: string | undefined, query: URLSearchParams): Promise<UiUser> {
    const pending = id ? this.pending.get(id) : undefined;
    if (id) this.pending.delete(id);
    if (!pending || pending.expires < Date.now()) throw new OidcLoginError("no login in progress: start again");
    const error = query.get("error");
    if (error)
      throw new OidcLoginError(`the provider refused the login: ${error} ${query.get("error_description") ?? ""}`);
    const config = await this.configuration();
    const current = new URL(this.redirectUri);
    for (const [k, v] of query) current.searchParams.append(k, v);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err: unknown) {
      throw new OidcLoginError(`the code exchange failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcLoginError("the provider sent no ID token");
    return userFromClaims(claims as Record<string, unknown>, this.options);
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) if (p.expires < now) this.pending.delete(id);
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
    }
  }
}
