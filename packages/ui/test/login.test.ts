// Logins beyond the configured tokens: OIDC against a real OpenID Connect provider (npm `oidc-provider`) —
// authorization code flow with PKCE, the ID token's email and groups impersonated, the API server's RBAC
// deciding — and a ServiceAccount token checked by a TokenReview against the embedded API server.

import { KUSTOMIZE_API_VERSION } from "@sluice/api";
import {
  type ApiCluster,
  applyChartCrds,
  ensureNamespace,
  type OidcProvider,
  startApiCluster,
  startOidcProvider,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUiServer, type UiServer } from "../src/index.js";
import { CSRF_HEADER, type Session } from "../src/shared/api.js";

const CLIENT_SECRET = "ui-client-secret-9d2f";

let cluster: ApiCluster;
let ui: UiServer;
let idp: OidcProvider;

/** A cookie jar per site, as a browser keeps one. */
class Jar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      const i = pair.indexOf("=");
      const value = pair.slice(i + 1);
      if (/max-age=0/i.test(c) || value === "") this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), value);
    }
  }
}

async function get(url: string, jar: Jar): Promise<Response> {
  const res = await fetch(url, { redirect: "manual", headers: { cookie: jar.header() } });
  jar.take(res);
  return res;
}

/** The browser's part of an OIDC login: start at the UI, follow the provider's redirects, come back. */
async function oidcLogin(uiJar: Jar): Promise<Response> {
  const idpJar = new Jar();
  await get(`${ui.url}/api/session`, uiJar);
  let res = await get(`${ui.url}/api/oidc/login`, uiJar);
  expect(res.status).toBe(302);
  let location = res.headers.get("location") ?? "";
  expect(location.startsWith(idp.issuer)).toBe(true);
  expect(new URL(location).searchParams.get("code_challenge_method")).toBe("S256");
  for (let hops = 0; !location.startsWith(ui.url); hops++) {
    if (hops > 10) throw new Error(`too many redirects at the provider (last: ${location})`);
    res = await get(new URL(location, idp.issuer).href, idpJar);
    location = res.headers.get("location") ?? "";
    if (!location) throw new Error(`the provider answered ${res.status}: ${await res.text()}`);
  }
  return get(location, uiJar);
}

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client);
  await ensureNamespace(cluster.client, "apps");
  const c = cluster.client;
  await c.create({
    apiVersion: KUSTOMIZE_API_VERSION,
    kind: "Kustomization",
    metadata: { name: "web", namespace: "apps" },
    spec: { interval: "5m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
  });
  // Group "ops" may request reconciles of Kustomizations; nobody else may.
  await c.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "ks-operator" },
    rules: [{ apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations"], verbs: ["get", "patch"] }],
  });
  for (const [name, subject] of [
    ["ops", { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "ops" }],
    ["deployer", { kind: "ServiceAccount", name: "deployer", namespace: "apps" }],
  ] as const) {
    await c.create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `ks-operator-${name}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ks-operator" },
      subjects: [subject],
    });
  }
  await c.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: "apps" } });
  await c.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "nobody", namespace: "apps" } });
  idp = await startOidcProvider({
    clientId: "sluice-ui",
    clientSecret: CLIENT_SECRET,
    redirectUris: [],
    accounts: {
      alice: { email: "alice@example.com", email_verified: true, groups: ["developers", "ops"] },
    },
  });
  ui = await startUiServer({
    kubeConfig: cluster.kubeConfig,
    port: 0,
    tokenReview: {},
    oidc: { issuer: idp.issuer, clientId: "sluice-ui", clientSecret: CLIENT_SECRET, allowHttp: true },
  });
  idp.setRedirectUris([`${ui.url}/api/oidc/callback`]);
  await ui.waitForSync();
});

afterAll(async () => {
  await ui?.stop();
  await idp?.stop();
  await cluster?.stop();
});

async function reconcileAs(jar: Jar): Promise<number> {
  const session = (await (await get(`${ui.url}/api/session`, jar)).json()) as Session;
  const res = await fetch(`${ui.url}/api/action/reconcile/Kustomization/apps/web`, {
    method: "POST",
    headers: { cookie: jar.header(), [CSRF_HEADER]: session.csrfToken },
  });
  return res.status;
}

describe("UI logins", () => {
  it("logs in with OIDC and acts as the ID token's email and groups, RBAC deciding", async () => {
    const jar = new Jar();
    const back = await oidcLogin(jar);
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toBe("/");
    const session = (await (await get(`${ui.url}/api/session`, jar)).json()) as Session;
    expect(session).toMatchObject({ user: "alice@example.com", canAct: true, oidc: true });
    expect(await reconcileAs(jar)).toBe(200);
    const writes = cluster.server.auditEvents().filter((e) => e.verb === "PATCH" && e.user === "alice@example.com");
    expect(writes[0]).toMatchObject({ impersonatedBy: "sluice-admin" });
    expect(writes[0]?.groups).toEqual(["developers", "ops", "system:authenticated"]);
  });

  it("refuses a callback without the login it started (state and PKCE are checked)", async () => {
    const jar = new Jar();
    const res = await get(`${ui.url}/api/oidc/callback?code=forged&state=forged`, jar);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("no login in progress");
  });

  it("logs in with a ServiceAccount token through a TokenReview; RBAC decides its actions", async () => {
    const token = async (sa: string) => {
      const res = await cluster.client.http.send({
        method: "POST",
        path: `/api/v1/namespaces/apps/serviceaccounts/${sa}/token`,
        body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }),
      });
      return (JSON.parse(res.text) as { status: { token: string } }).status.token;
    };
    const loginWith = async (t: string) => {
      const jar = new Jar();
      const s = (await (await get(`${ui.url}/api/session`, jar)).json()) as Session;
      const res = await fetch(`${ui.url}/api/login`, {
        method: "POST",
        headers: { cookie: jar.header(), [CSRF_HEADER]: s.csrfToken, "content-type": "application/json" },
        body: JSON.stringify({ token: t }),
      });
      jar.take(res);
      return { jar, status: res.status, session: (await res.json()) as Session };
    };
    const deployer = await loginWith(await token("deployer"));
    expect(deployer.status).toBe(200);
    expect(deployer.session.user).toBe("system:serviceaccount:apps:deployer");
    expect(await reconcileAs(deployer.jar)).toBe(200);
    const nobody = await loginWith(await token("nobody"));
    expect(nobody.status).toBe(200);
    expect(await reconcileAs(nobody.jar)).toBe(403);
    expect((await loginWith("not-a-token")).status).toBe(401);
  });
});
