// The UI server against the embedded API server: the overview API over the shared watch cache, the event
// stream, the security checks and the actions (as the logged-in user, impersonated).

import { KUSTOMIZE_API_VERSION, SOURCE_API_VERSION } from "@sluice/api";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUiServer, type UiServer } from "../src/index.js";
import {
  CSRF_HEADER,
  type ListPage,
  type ObjectDetail,
  type Session,
  type StreamMessage,
  type TreeAnswer,
} from "../src/shared/api.js";

const OPERATOR_TOKEN = "operator-token-0123456789";
const VIEWER_TOKEN = "viewer-token-0123456789";
const SECRET_VALUE = "s3cr3t-value-never-shown";

let cluster: ApiCluster;
let ui: UiServer;
/** Every response body the tests saw (checked for the Secret's value at the end). */
const bodies: string[] = [];

async function call(path: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  const res = await fetch(`${ui.url}${path}`, { ...init, headers });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as unknown };
}

/** A browser-like session: its cookie and CSRF token. */
async function browser(): Promise<{ cookie: string; csrf: string }> {
  const res = await call("/api/session");
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  return { cookie, csrf: (res.json() as Session).csrfToken };
}

async function login(b: { cookie: string; csrf: string }, token: string) {
  const res = await call("/api/login", {
    method: "POST",
    cookie: b.cookie,
    headers: { [CSRF_HEADER]: b.csrf, "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  if (res.status !== 200) return { status: res.status, b };
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  return { status: 200, b: { cookie, csrf: (res.json() as Session).csrfToken } };
}

function gitRepository(name: string) {
  return {
    apiVersion: SOURCE_API_VERSION,
    kind: "GitRepository",
    metadata: { name, namespace: "apps" },
    spec: { url: "https://example.com/repo.git", interval: "1m", ref: { branch: "main" } },
  };
}

function kustomization(name: string) {
  return {
    apiVersion: KUSTOMIZE_API_VERSION,
    kind: "Kustomization",
    metadata: { name, namespace: "apps" },
    spec: { interval: "5m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
  };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client);
  await ensureNamespace(cluster.client, "apps");
  await cluster.client.create(gitRepository("repo"));
  for (let i = 0; i < 30; i++) await cluster.client.create(kustomization(`app-${String(i).padStart(2, "0")}`));
  await cluster.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "creds", namespace: "apps" },
    stringData: { password: SECRET_VALUE },
  });
  // The API server's RBAC decides what impersonated users may do: group "ops" may request reconciles.
  await cluster.client.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "ui-test-ops" },
    rules: [
      {
        apiGroups: ["kustomize.toolkit.fluxcd.io", "source.toolkit.fluxcd.io"],
        resources: ["*"],
        verbs: ["get", "list", "watch", "patch"],
      },
    ],
  });
  await cluster.client.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "ui-test-ops" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ui-test-ops" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "ops" }],
  });
  ui = await startUiServer({
    kubeConfig: cluster.kubeConfig,
    port: 0,
    logins: [
      // Two groups: one header line each (RBAC binds only the second).
      { token: OPERATOR_TOKEN, name: "alice", groups: ["developers", "ops"], canAct: true },
      { token: VIEWER_TOKEN, name: "bob", groups: ["viewers"], canAct: false },
    ],
  });
  await ui.waitForSync();
});

afterAll(async () => {
  await ui?.stop();
  await cluster?.stop();
});

describe("UI server", () => {
  it("lists every Flux object with counts, paged, filtered, searched and sorted", async () => {
    const all = (await call("/api/objects?limit=10")).json() as ListPage;
    expect(all.counts.total).toBe(31);
    expect(all.counts.byKind).toEqual({ GitRepository: 1, Kustomization: 30 });
    expect(all.items).toHaveLength(10);
    expect(all.matched).toBe(31);
    expect(all.synced).toBe(true);

    const second = (await call("/api/objects?kind=Kustomization&offset=10&limit=10&sort=name")).json() as ListPage;
    expect(second.items.map((r) => r.name)).toEqual(Array.from({ length: 10 }, (_, i) => `app-${10 + i}`));

    const desc = (await call("/api/objects?kind=Kustomization&sort=name&desc=true&limit=1")).json() as ListPage;
    expect(desc.items[0]?.name).toBe("app-29");

    const search = (await call("/api/objects?q=APP-0")).json() as ListPage;
    expect(search.matched).toBe(10);

    const bad = await call("/api/objects?sort=bogus");
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("sort");
  });

  it("pushes a status change to the event stream without polling", async () => {
    const controller = new AbortController();
    const res = await fetch(`${ui.url}/api/events`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const messages: StreamMessage[] = [];
    let buffer = "";
    const readUntil = async (pred: (m: StreamMessage) => boolean) => {
      for (;;) {
        const found = messages.find(pred);
        if (found) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += new TextDecoder().decode(value);
        let i = buffer.indexOf("\n\n");
        while (i >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = block.split("\n").find((l) => l.startsWith("data: "));
          if (data) messages.push(JSON.parse(data.slice(6)) as StreamMessage);
          i = buffer.indexOf("\n\n");
        }
      }
    };
    await readUntil((m) => m.type === "hello");
    await cluster.client.patchStatus(
      { apiVersion: SOURCE_API_VERSION, kind: "GitRepository", namespace: "apps", name: "repo" },
      {
        status: {
          artifact: {
            revision: "main@sha1:abc",
            digest: "sha256:1",
            url: "http://x/a.tar.gz",
            path: "a",
            lastUpdateTime: "2026-01-01T00:00:00Z",
          },
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "Succeeded",
              message: "stored artifact",
              lastTransitionTime: "2026-01-01T00:00:00Z",
              observedGeneration: 1,
            },
          ],
        },
      },
    );
    const m = await readUntil(
      (x) => x.type === "upsert" && x.object.id === "GitRepository/apps/repo" && x.object.revision === "main@sha1:abc",
    );
    expect(m.type === "upsert" && m.object.state).toBe("Ready");
    controller.abort();
  });

  it("shows an object's page with its source chain and artifact", async () => {
    const detail = (await call("/api/object/Kustomization/apps/app-00")).json() as ObjectDetail;
    expect(detail.summary.id).toBe("Kustomization/apps/app-00");
    expect(detail.chain.map((c) => c.id)).toEqual(["GitRepository/apps/repo", "Kustomization/apps/app-00"]);
    const source = (await call("/api/object/GitRepository/apps/repo")).json() as ObjectDetail;
    expect(source.artifact?.revision).toBe("main@sha1:abc");
    expect((await call("/api/object/Secret/apps/creds")).status).toBe(404);
    // The artifact URL of this test's GitRepository points nowhere: the download fails cleanly, naming it.
    const download = await call(source.artifact?.downloadPath ?? "");
    expect(download.status).toBe(502);
    expect(download.text).toContain("http://x/a.tar.gz");
    expect((await call("/api/artifact/Kustomization/apps/app-00")).status).toBe(404);
  });

  it("refuses requests for another Host (DNS rebinding)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${ui.url}/api/objects`, { headers: { host: "attacker.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
    // Probes carry the Pod IP as Host and are answered.
    const probe = await new Promise<number>((resolve, reject) => {
      const req = request(`${ui.url}/readyz`, { headers: { host: "10.1.2.3:9400" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(probe).toBe(200);
  });

  it("gzips the page's script and large JSON pages for browsers that accept it", async () => {
    const { request } = await import("node:http");
    const { gunzipSync } = await import("node:zlib");
    const raw = (path: string, gzip: boolean) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = request(`${ui.url}${path}`, { headers: gzip ? { "accept-encoding": "gzip, br" } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on("error", reject);
        req.end();
      });
    const page = await raw("/api/objects?limit=100", true);
    expect(page.headers["content-encoding"]).toBe("gzip");
    const plain = await raw("/api/objects?limit=100", false);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(gunzipSync(page.body).toString()).matched).toBe(JSON.parse(plain.body.toString()).matched);
    expect(page.body.length).toBeLessThan(plain.body.length / 3);
    const script = /src="([^"]+\.js)"/.exec((await raw("/", false)).body.toString())?.[1] ?? "";
    expect((await raw(`/${script.replace(/^\.?\//, "")}`, true)).headers["content-encoding"]).toBe("gzip");
  });

  it("serves pages with a strict Content-Security-Policy", async () => {
    const page = await call("/");
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
  });

  it("answers 403 to actions without a session allowed to act, and without the CSRF token", async () => {
    const path = "/api/action/reconcile/Kustomization/apps/app-01";
    const anon = await browser();
    const anonymous = await call(path, { method: "POST", cookie: anon.cookie, headers: { [CSRF_HEADER]: anon.csrf } });
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).toContain("read-only");

    const viewer = await login(await browser(), VIEWER_TOKEN);
    expect(viewer.status).toBe(200);
    const asViewer = await call(path, {
      method: "POST",
      cookie: viewer.b.cookie,
      headers: { [CSRF_HEADER]: viewer.b.csrf },
    });
    expect(asViewer.status).toBe(403);

    const operator = await login(await browser(), OPERATOR_TOKEN);
    const noCsrf = await call(path, { method: "POST", cookie: operator.b.cookie });
    expect(noCsrf.status).toBe(403);
    const crossOrigin = await call(path, {
      method: "POST",
      cookie: operator.b.cookie,
      headers: { [CSRF_HEADER]: operator.b.csrf, origin: "http://attacker.example" },
    });
    expect(crossOrigin.status).toBe(403);

    expect((await login(await browser(), "wrong-token")).status).toBe(401);
  });

  it("runs actions as the logged-in user through impersonation", async () => {
    const { b } = await login(await browser(), OPERATOR_TOKEN);
    const post = (action: string) =>
      call(`/api/action/${action}/Kustomization/apps/app-02`, {
        method: "POST",
        cookie: b.cookie,
        headers: { [CSRF_HEADER]: b.csrf },
      });
    const ref = { apiVersion: KUSTOMIZE_API_VERSION, kind: "Kustomization", namespace: "apps", name: "app-02" };

    const reconcile = await post("reconcile");
    expect(reconcile.status).toBe(200);
    expect((reconcile.json() as { command: string }).command).toContain("kubectl annotate --overwrite -n apps");
    const annotated = await cluster.client.get(ref);
    expect(annotated.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"]).toBeTruthy();

    expect((await post("suspend")).status).toBe(200);
    expect(
      (
        await cluster.client.get<{ apiVersion: string; kind: string; metadata: object; spec: { suspend?: boolean } }>(
          ref,
        )
      ).spec.suspend,
    ).toBe(true);
    const suspended = await until(async () => {
      const page = (await call("/api/objects?q=app-02")).json() as ListPage;
      return page.items[0]?.state === "Suspended" ? page : undefined;
    }, "the row to show Suspended");
    expect(suspended.counts.byState["Suspended"]).toBe(1);

    expect((await post("resume")).status).toBe(200);
    expect(
      (
        await cluster.client.get<{ apiVersion: string; kind: string; metadata: object; spec: { suspend?: boolean } }>(
          ref,
        )
      ).spec.suspend,
    ).toBe(false);

    const writes = cluster.server.auditEvents().filter((e) => e.verb === "PATCH" && e.path.includes("app-02"));
    expect(writes.length).toBeGreaterThanOrEqual(3);
    for (const w of writes) {
      expect(w.user).toBe("alice");
      expect(w.impersonatedBy).toBe("sluice-admin");
      expect(w.groups).toEqual(["developers", "ops", "system:authenticated"]);
    }
  });

  it("shows a Kustomization's resource tree: inventory → Deployment → ReplicaSet → Pods, ConfigMap data not sent", async () => {
    const c = cluster.client;
    const deployment = await c.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "apps" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    });
    const owner = (o: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }) => [
      {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name ?? "",
        uid: o.metadata.uid ?? "",
        controller: true,
      },
    ];
    const rs = await c.create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web-abc", namespace: "apps", ownerReferences: owner(deployment) },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    });
    await c.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-abc-x1", namespace: "apps", labels: { app: "web" }, ownerReferences: owner(rs) },
      spec: { containers: [{ name: "web", image: "nginx" }] },
    });
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg", namespace: "apps" },
      data: { key: SECRET_VALUE },
    };
    await c.create(cm);
    await c.patchStatus(
      { apiVersion: KUSTOMIZE_API_VERSION, kind: "Kustomization", namespace: "apps", name: "app-03" },
      {
        status: {
          inventory: {
            entries: [
              { id: "apps_web_apps_Deployment", v: "v1" },
              { id: "apps_cfg__ConfigMap", v: "v1" },
              { id: "apps_gone__Service", v: "v1" },
            ],
          },
        },
      },
    );
    const tree = await until(async () => {
      const t = (await call("/api/tree/Kustomization/apps/app-03")).json() as TreeAnswer;
      return t.nodes.length === 3 ? t : undefined;
    }, "the inventory to reach the cache");
    const [dep, cfg, gone] = tree.nodes;
    expect(dep).toMatchObject({ kind: "Deployment", name: "web" });
    expect(dep?.children.map((n) => `${n.kind}/${n.name}`)).toEqual(["ReplicaSet/web-abc"]);
    expect(dep?.children[0]?.children.map((n) => `${n.kind}/${n.name}`)).toEqual(["Pod/web-abc-x1"]);
    expect(cfg).toMatchObject({ kind: "ConfigMap", name: "cfg", health: "Current", children: [] });
    expect(gone).toMatchObject({ kind: "Service", name: "gone", health: "NotFound" });
    expect((await call("/api/tree/GitRepository/apps/repo")).status).toBe(400);
  });

  it("never sends a Secret's value", () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) expect(body).not.toContain(SECRET_VALUE);
  });
});
