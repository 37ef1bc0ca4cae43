import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../src/index.js";
import { apiRequest, openWatch } from "./helpers/http.js";

const CM = "/api/v1/namespaces/default/configmaps";

function cm(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, ...extra });
}

describe("kube-apiserver wire behaviour", () => {
  let s: ApiServer;
  beforeAll(async () => {
    s = await startApiServer({ simulateWorkloads: false, bookmarkIntervalMs: 200, watchHistory: 5 });
  });
  afterAll(async () => {
    await s.stop();
  });

  it("answers 401 with a Status body without a valid token, but serves health and version anonymously", async () => {
    for (const token of [null, "wrong"]) {
      const r = await apiRequest(s, "GET", CM, { token });
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      });
    }
    for (const path of ["/healthz", "/livez", "/readyz"]) {
      const r = await apiRequest(s, "GET", path, { token: null });
      expect([r.status, r.body]).toEqual([200, "ok"]);
    }
    expect((await apiRequest(s, "GET", "/readyz?verbose", { token: null })).body).toContain("readyz check passed");
    expect((await apiRequest(s, "GET", "/version", { token: null })).json()).toMatchObject({ major: "1", minor: "33" });
  });

  it("serves legacy and aggregated discovery", async () => {
    const api = await apiRequest(s, "GET", "/api");
    expect(api.json()).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const apps = await apiRequest(s, "GET", "/apis/apps/v1");
    const deploy = apps
      .json<{ resources: { name: string; shortNames?: string[]; verbs: string[] }[] }>()
      .resources.find((r) => r.name === "deployments");
    expect(deploy).toMatchObject({ kind: "Deployment", namespaced: true, shortNames: ["deploy"], categories: ["all"] });
    const agg = await apiRequest(s, "GET", "/apis", {
      headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" },
    });
    expect(agg.headers["content-type"]).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const list = agg.json<{
      kind: string;
      items: {
        metadata: { name: string };
        versions: { version: string; resources: { resource: string; subresources?: { subresource: string }[] }[] }[];
      }[];
    }>();
    expect(list.kind).toBe("APIGroupDiscoveryList");
    const appsGroup = list.items.find((g) => g.metadata.name === "apps")!;
    const d = appsGroup.versions[0]!.resources.find((r) => r.resource === "deployments")!;
    expect(d.subresources?.map((x) => x.subresource)).toEqual(["scale", "status"]);
  });

  it("rejects a stale update with 409 Conflict and keeps resourceVersions increasing", async () => {
    const created = (await apiRequest(s, "POST", CM, { body: cm("occ", { data: { a: "1" } }) })).json<{
      metadata: { resourceVersion: string; uid: string };
    }>();
    const rv1 = Number(created.metadata.resourceVersion);
    const upd = await apiRequest(s, "PUT", `${CM}/occ`, {
      body: cm("occ", { metadata: { name: "occ", resourceVersion: String(rv1) }, data: { a: "2" } }),
    });
    expect(upd.status).toBe(200);
    const rv2 = Number(upd.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion);
    expect(rv2).toBeGreaterThan(rv1);
    const stale = await apiRequest(s, "PUT", `${CM}/occ`, {
      body: cm("occ", { metadata: { name: "occ", resourceVersion: String(rv1) }, data: { a: "3" } }),
    });
    expect(stale.status).toBe(409);
    expect(stale.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
      reason: "Conflict",
      details: { name: "occ", kind: "configmaps" },
      code: 409,
    });
    const list = (await apiRequest(s, "GET", CM)).json<{ metadata: { resourceVersion: string } }>();
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv2);
  });

  it("bumps generation only for spec changes of kinds with a status subresource", async () => {
    const body = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "gen" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      },
    };
    const path = "/apis/apps/v1/namespaces/default/deployments";
    const created = (await apiRequest(s, "POST", path, { body: JSON.stringify(body) })).json<{
      metadata: { generation: number };
    }>();
    expect(created.metadata.generation).toBe(1);
    const merge = { "Content-Type": "application/merge-patch+json" };
    const g = async (patch: unknown, sub = ""): Promise<number> =>
      (await apiRequest(s, "PATCH", `${path}/gen${sub}`, { body: JSON.stringify(patch), headers: merge })).json<{
        metadata: { generation: number };
      }>().metadata.generation;
    expect(await g({ metadata: { labels: { x: "y" } } })).toBe(1);
    expect(await g({ status: { replicas: 1 } }, "/status")).toBe(1);
    expect(await g({ spec: { replicas: 3 } })).toBe(2);
  });

  it("supports dryRun=All on create, update, patch and delete", async () => {
    await apiRequest(s, "POST", CM, { body: cm("dry", { data: { a: "1" } }) });
    const before = (await apiRequest(s, "GET", `${CM}/dry`)).json<{ metadata: { resourceVersion: string } }>();
    expect((await apiRequest(s, "POST", `${CM}?dryRun=All`, { body: cm("dry2") })).status).toBe(201);
    expect(
      (await apiRequest(s, "PUT", `${CM}/dry?dryRun=All`, { body: cm("dry", { data: { a: "2" } }) })).json<{
        data: { a: string };
      }>().data.a,
    ).toBe("2");
    const patched = await apiRequest(s, "PATCH", `${CM}/dry?dryRun=All`, {
      body: '{"data":{"a":"3"}}',
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(patched.json<{ data: { a: string } }>().data.a).toBe("3");
    expect((await apiRequest(s, "DELETE", `${CM}/dry?dryRun=All`)).status).toBe(200);
    const after = (await apiRequest(s, "GET", `${CM}/dry`)).json<{
      metadata: { resourceVersion: string };
      data: { a: string };
    }>();
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.data.a).toBe("1");
    expect((await apiRequest(s, "GET", `${CM}/dry2`)).status).toBe(404);
  });

  it("requires fieldManager for apply patches", async () => {
    const r = await apiRequest(s, "PATCH", `${CM}/applied`, {
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\n",
      headers: { "Content-Type": "application/apply-patch+yaml" },
    });
    expect(r.status).toBe(422);
    const ok = await apiRequest(s, "PATCH", `${CM}/applied?fieldManager=me`, {
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {k: v}\n",
      headers: { "Content-Type": "application/apply-patch+yaml" },
    });
    expect(ok.status).toBe(201);
    expect(ok.json<{ metadata: { managedFields: unknown[] } }>().metadata.managedFields).toEqual([
      {
        manager: "me",
        operation: "Apply",
        apiVersion: "v1",
        time: expect.any(String),
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:k": {} } },
      },
    ]);
    const smp = await apiRequest(s, "PATCH", "/apis/apps/v1/namespaces/default/deployments/gen", {
      body: "{}",
      headers: { "Content-Type": "application/strategic-merge-patch+json" },
    });
    expect(smp.status).toBe(200);
  });

  it("watches from a resourceVersion with selectors, and sends ERROR 410 Expired when it is too old", async () => {
    const start = (await apiRequest(s, "GET", CM)).json<{ metadata: { resourceVersion: string } }>().metadata
      .resourceVersion;
    const w = openWatch(s, `${CM}?watch=1&resourceVersion=${start}&labelSelector=team%3Dblue`);
    try {
      await apiRequest(s, "POST", CM, { body: cm("blue", { metadata: { name: "blue", labels: { team: "blue" } } }) });
      await apiRequest(s, "POST", CM, { body: cm("red", { metadata: { name: "red", labels: { team: "red" } } }) });
      await apiRequest(s, "PATCH", `${CM}/blue`, {
        body: '{"metadata":{"labels":{"team":"red"}}}',
        headers: { "Content-Type": "application/merge-patch+json" },
      });
      await apiRequest(s, "PATCH", `${CM}/red`, {
        body: '{"metadata":{"labels":{"team":"blue"}}}',
        headers: { "Content-Type": "application/merge-patch+json" },
      });
      await w.waitFor((e) => e.length >= 3);
      expect(w.events.map((e) => `${e.type}:${(e.object["metadata"] as { name: string }).name}`)).toEqual([
        "ADDED:blue",
        "DELETED:blue",
        "ADDED:red",
      ]);
    } finally {
      w.stop();
    }
    for (let i = 0; i < 8; i++) await apiRequest(s, "POST", CM, { body: cm(`churn-${i}`) });
    const old = openWatch(s, `${CM}?watch=1&resourceVersion=${start}`);
    await old.waitFor((e) => e.length === 1);
    expect(old.status()).toBe(200);
    expect(old.events[0]).toMatchObject({
      type: "ERROR",
      object: { kind: "Status", status: "Failure", reason: "Expired", code: 410 },
    });
    old.stop();
  });

  it("sends BOOKMARKs, initial events with sendInitialEvents, and ends at timeoutSeconds", async () => {
    const w = openWatch(
      s,
      `${CM}?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
    );
    await w.waitFor((e) =>
      e.some(
        (x) =>
          x.type === "BOOKMARK" &&
          (x.object["metadata"] as { annotations?: Record<string, string> }).annotations?.[
            "k8s.io/initial-events-end"
          ] === "true",
      ),
    );
    const added = w.events.filter((e) => e.type === "ADDED").length;
    expect(added).toBeGreaterThan(5);
    await w.waitFor((e) => e.filter((x) => x.type === "BOOKMARK").length >= 2);
    await new Promise((r) => setTimeout(r, 1200));
    expect(w.ended()).toBe(true);
  });

  it("streams Table rows on watch with headers only in the first event", async () => {
    const w = openWatch(s, `${CM}?watch=1&fieldSelector=metadata.name%3Docc`, {
      Accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    try {
      await apiRequest(s, "PATCH", `${CM}/occ`, {
        body: '{"data":{"b":"x"}}',
        headers: { "Content-Type": "application/merge-patch+json" },
      });
      await w.waitFor((e) => e.length >= 2);
      const [first, second] = w.events;
      expect(first!.object).toMatchObject({
        kind: "Table",
        apiVersion: "meta.k8s.io/v1",
        rows: [{ cells: ["occ", 1, expect.any(String)] }],
      });
      expect((first!.object["columnDefinitions"] as { name: string }[]).map((c) => c.name)).toEqual([
        "Name",
        "Data",
        "Age",
      ]);
      expect(second!.object["columnDefinitions"]).toBeNull();
      expect(second!.object["rows"]).toEqual([
        { cells: ["occ", 2, expect.any(String)], object: expect.objectContaining({ kind: "PartialObjectMetadata" }) },
      ]);
    } finally {
      w.stop();
    }
  });

  it("stores Events once and serves them as core/v1 and events.k8s.io/v1", async () => {
    const ev = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "e1" },
      eventTime: "2024-01-01T00:00:00.000000Z",
      reportingController: "sluice.dev/test",
      reportingInstance: "test-1",
      action: "Reconcile",
      reason: "Succeeded",
      type: "Normal",
      note: "all good",
      regarding: { kind: "ConfigMap", name: "occ", namespace: "default" },
    };
    const created = await apiRequest(s, "POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
      body: JSON.stringify(ev),
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({
      apiVersion: "events.k8s.io/v1",
      note: "all good",
      regarding: { name: "occ" },
    });
    const core = await apiRequest(
      s,
      "GET",
      "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Docc",
    );
    const items = core.json<{ items: Record<string, unknown>[] }>().items;
    expect(items).toEqual([
      expect.objectContaining({
        apiVersion: "v1",
        kind: "Event",
        message: "all good",
        reportingComponent: "sluice.dev/test",
        involvedObject: { kind: "ConfigMap", name: "occ", namespace: "default" },
      }),
    ]);
    const back = await apiRequest(
      s,
      "GET",
      "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Docc",
    );
    expect(back.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it("accepts impersonation headers, authorizes as the impersonated user and records it in the audit log", async () => {
    const r = await apiRequest(s, "GET", CM, { headers: { "Impersonate-User": "alice", "Impersonate-Group": "devs" } });
    // alice holds no RBAC permission: the request is decided as her, not as the admin who impersonates.
    expect(r.status).toBe(403);
    const events = s.auditEvents().filter((e) => e.user === "alice");
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({
      impersonatedBy: "sluice-admin",
      groups: ["devs", "system:authenticated"],
      verb: "GET",
      code: 403,
    });
    const masters = await apiRequest(s, "GET", CM, {
      headers: { "Impersonate-User": "bob", "Impersonate-Group": "system:masters" },
    });
    expect(masters.status).toBe(200);
  });
  it("takes one impersonated group per Impersonate-Group line and never splits a value on commas", async () => {
    const repeated = await apiRequest(s, "GET", CM, {
      headers: { "Impersonate-User": "carol", "Impersonate-Group": ["devs", "system:masters"] },
    });
    expect(repeated.status).toBe(200);
    expect(s.auditEvents().filter((e) => e.user === "carol")[0]?.groups).toEqual([
      "devs",
      "system:masters",
      "system:authenticated",
    ]);
    // One line naming "devs,system:masters" is one group of that name (kube-apiserver's reading), not masters.
    const joined = await apiRequest(s, "GET", CM, {
      headers: { "Impersonate-User": "dave", "Impersonate-Group": "devs,system:masters" },
    });
    expect(joined.status).toBe(403);
    expect(s.auditEvents().filter((e) => e.user === "dave")[0]?.groups).toEqual([
      "devs,system:masters",
      "system:authenticated",
    ]);
  });
  it("counts resource requests on /metrics by verb, resource, dry-run and client", async () => {
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "metrics-probe" } });
    const headers = { "Content-Type": "application/apply-patch+yaml", "User-Agent": "probe-client/1.0" };
    const path = `${CM}/metrics-probe?fieldManager=probe`;
    expect((await apiRequest(s, "PATCH", `${path}&dryRun=All`, { body, headers })).status).toBe(201);
    expect((await apiRequest(s, "PATCH", path, { body, headers })).status).toBe(201);
    const r = await apiRequest(s, "GET", "/metrics");
    expect(r.status).toBe(200);
    const lines = r.body.split("\n").filter((l) => l.includes('client="probe-client"'));
    expect(lines).toEqual([
      'apiserver_request_total{verb="APPLY",group="",resource="configmaps",subresource="",dry_run="All",code="201",client="probe-client"} 1',
      'apiserver_request_total{verb="APPLY",group="",resource="configmaps",subresource="",dry_run="",code="201",client="probe-client"} 1',
    ]);
    expect((await apiRequest(s, "GET", "/metrics", { token: null })).status).toBe(401);
  });
});
