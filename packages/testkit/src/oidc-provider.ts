// A real OpenID Connect provider (npm `oidc-provider`, a certified implementation) on 127.0.0.1 for login
// tests: one confidential client, authorization code flow with PKCE, and accounts whose claims the test sets.
// Its login interaction signs in the account named by `login_hint` (else the first) without a form, so tests
// drive the whole redirect flow with plain HTTP or a browser.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Provider from "oidc-provider";

/** Options of {@link startOidcProvider}. */
export interface OidcProviderOptions {
  clientId: string;
  clientSecret: string;
  /** Redirect URIs the client may use (the UI's callback). */
  redirectUris: string[];
  /** Accounts by id (`sub`): their claims, e.g. `{ email, groups }`. */
  accounts: Record<string, Record<string, unknown>>;
}

/** A running provider. */
export interface OidcProvider {
  /** The issuer URL (`http://127.0.0.1:PORT`). */
  readonly issuer: string;
  /** Sets the client's redirect URIs (e.g. once the UI's port is known); before the first request only. */
  setRedirectUris(uris: string[]): void;
  stop(): Promise<void>;
}

/** Starts the provider on a free port. */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  // Loaded on use: importing it costs every test that loads the testkit, and it warns on Node 20.
  const { default: ProviderClass } = await import("oidc-provider");
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = {
    client_id: options.clientId,
    client_secret: options.clientSecret,
    redirect_uris: options.redirectUris,
    response_types: ["code"] as ["code"],
    grant_types: ["authorization_code"],
  };
  // Built on the first request, so redirect URIs set after start (the UI's port) are the client's.
  let built: Provider | undefined;
  let handler: ReturnType<Provider["callback"]> | undefined;
  const make = () =>
    new ProviderClass(issuer, {
      clients: [client],
      claims: {
        openid: ["sub"],
        email: ["email", "email_verified"],
        profile: ["name", "preferred_username"],
        groups: ["groups"],
      },
      scopes: ["openid", "email", "profile", "groups"],
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      async findAccount(_ctx, id) {
        const claims = options.accounts[id];
        if (!claims) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
      },
      // Every claim the test sets is released in the ID token (the UI reads groups there, as the API server does).
      conformIdTokenClaims: false,
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    });
  server.on("request", (req, res) => {
    built ??= make();
    const provider = built;
    if (!req.url?.startsWith("/interaction/")) {
      handler ??= provider.callback();
      handler(req, res);
      return;
    }
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        const hint = (details.params["login_hint"] as string | undefined) ?? "";
        const accountId =
          details.session?.accountId ?? (options.accounts[hint] ? hint : Object.keys(options.accounts)[0]);
        if (details.prompt.name === "login") {
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: accountId! } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        const grant = new provider.Grant({ accountId: accountId!, clientId: options.clientId });
        grant.addOIDCScope(String(details.params["scope"] ?? "openid"));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      } catch (err: unknown) {
        res.statusCode = 500;
        res.end(err instanceof Error ? err.message : String(err));
      }
    })();
  });
  return {
    issuer,
    setRedirectUris(uris) {
      client.redirect_uris = uris;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
