// A HelmRelease's page data from Helm's own storage Secrets in the embedded API server: the release history
// with values (valuesFrom Secret and ConfigMap values masked), and the desired-vs-live diff of the release
// manifest after a `kubectl scale`. No Secret or ConfigMap value is ever in a response.

import { HELM_API_VERSION } from "@sluice/api";
import { encodeRelease } from "@sluice/helm-storage";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUiServer, type UiServer } from "../src/index.js";
import type { DiffAnswer, HelmHistoryAnswer } from "../src/shared/api.js";

const SECRET_VALUE = "helm-secret-value-7c1e";
const SECRET_IN_MANIFEST = "manifest-secret-value-2b8d";
const CONFIGMAP_VALUE = "helm-configmap-value-5a0f";

let cluster: ApiCluster;
let ui: UiServer;
const bodies: string[] = [];

async function get(path: string) {
  const res = await fetch(`${ui.url}${path}`);
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text, json: () => JSON.parse(text) as unknown };
}

const MANIFEST = `---
# Source: podinfo/templates/tuning.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-tuning
  annotations:
    helm.toolkit.fluxcd.io/driftDetection: disabled
data:
  level: "3"
---
# Source: podinfo/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: podinfo-token
stringData:
  token: ${SECRET_IN_MANIFEST}
---
# Source: podinfo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  labels:
    app: podinfo
spec:
  replicas: 2
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.7.0
`;

function storedRelease(version: number, status: string, chartVersion: string, config: Record<string, unknown>) {
  const doc = {
    name: "podinfo",
    namespace: "apps",
    version,
    info: {
      first_deployed: "2026-12-01T10:00:00Z",
      last_deployed: `2026-12-0${version}T10:00:00Z`,
      description: version === 1 ? "Install complete" : "Upgrade complete",
      status,
    },
    chart: { metadata: { name: "podinfo", version: chartVersion, appVersion: chartVersion } },
    config,
    manifest: MANIFEST,
  };
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "helm.sh/release.v1",
    metadata: {
      name: `sh.helm.release.v1.podinfo.v${version}`,
      namespace: "apps",
      labels: { owner: "helm", name: "podinfo", status, version: String(version) },
    },
    stringData: { release: encodeRelease(JSON.stringify(doc)) },
  };
}

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client);
  await ensureNamespace(cluster.client, "apps");
  const c = cluster.client;
  await c.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "podinfo-values", namespace: "apps" },
    stringData: { "values.yaml": `auth:\n  password: ${SECRET_VALUE}\n` },
  });
  await c.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "podinfo-env", namespace: "apps" },
    data: { color: CONFIGMAP_VALUE },
  });
  await c.create({
    apiVersion: HELM_API_VERSION,
    kind: "HelmRelease",
    metadata: { name: "podinfo", namespace: "apps" },
    spec: {
      interval: "5m",
      chart: { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" } } },
      values: { replicaCount: 2 },
      valuesFrom: [
        { kind: "Secret", name: "podinfo-values" },
        { kind: "ConfigMap", name: "podinfo-env", valuesKey: "color", targetPath: "ui.color" },
      ],
    },
  });
  const values = { replicaCount: 2, auth: { password: SECRET_VALUE }, ui: { color: CONFIGMAP_VALUE } };
  await c.create(storedRelease(1, "superseded", "6.6.0", { replicaCount: 1, auth: { password: SECRET_VALUE } }));
  await c.create(storedRelease(2, "deployed", "6.7.0", values));
  // What helm installed: the manifest's objects, applied as Helm's field manager.
  const owned = { fieldManager: "helm-controller", force: true };
  const token = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "podinfo-token", namespace: "apps" },
    stringData: { token: SECRET_IN_MANIFEST },
  };
  await c.apply(token, owned);
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "podinfo", namespace: "apps", labels: { app: "podinfo" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "podinfo" } },
      template: {
        metadata: { labels: { app: "podinfo" } },
        spec: { containers: [{ name: "podinfo", image: "ghcr.io/stefanprodan/podinfo:6.7.0" }] },
      },
    },
  };
  await c.apply(deployment, owned);
  ui = await startUiServer({ kubeConfig: cluster.kubeConfig, port: 0 });
  await ui.waitForSync();
});

afterAll(async () => {
  await ui?.stop();
  await cluster?.stop();
});

describe("HelmRelease page data", () => {
  it("lists the release's versions from Helm's storage, values from valuesFrom masked", async () => {
    const res = await get("/api/helm/HelmRelease/apps/podinfo");
    expect(res.status).toBe(200);
    const history = res.json() as HelmHistoryAnswer;
    expect(history).toMatchObject({ release: "podinfo", storageNamespace: "apps" });
    expect(history.revisions.map((r) => [r.version, r.status, r.chartVersion])).toEqual([
      [2, "deployed", "6.7.0"],
      [1, "superseded", "6.6.0"],
    ]);
    expect(history.revisions[0]).toMatchObject({
      chartName: "podinfo",
      appVersion: "6.7.0",
      lastDeployed: "2026-12-02T10:00:00Z",
      description: "Upgrade complete",
    });
    const values = history.revisions[0]?.valuesYaml ?? "";
    expect(values).toContain("replicaCount: 2");
    expect(values).toMatch(/password: "?\*{5}"?/);
    expect(values).toMatch(/color: "?\*{5}"?/);
    expect((await get("/api/helm/Kustomization/apps/podinfo")).status).toBe(400);
  });

  it("diffs the release manifest against the live objects, Secret data masked", async () => {
    const clean = (await get("/api/diff/HelmRelease/apps/podinfo")).json() as DiffAnswer;
    expect(clean.revision).toBe("podinfo@6.7.0 (release podinfo v2)");
    expect(clean.changes).toBe(0);
    // Not live, but marked for helm-controller to leave alone: not part of the comparison.
    expect(clean.entries.map((e) => e.id)).not.toContain("ConfigMap/apps/podinfo-tuning");
    await cluster.client.patch(
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "apps", name: "podinfo" },
      { spec: { replicas: 5 } },
      { type: "application/merge-patch+json" },
    );
    await cluster.client.patch(
      { apiVersion: "v1", kind: "Secret", namespace: "apps", name: "podinfo-token" },
      { stringData: { token: "changed-by-hand" } },
      { type: "application/merge-patch+json" },
    );
    const drift = (await get("/api/diff/HelmRelease/apps/podinfo")).json() as DiffAnswer;
    const deployment = drift.entries.find((e) => e.id === "Deployment/apps/podinfo");
    expect(deployment?.action).toBe("changed");
    expect(deployment?.lines).toContain("-   replicas: 5");
    expect(deployment?.lines).toContain("+   replicas: 2");
    const secret = drift.entries.find((e) => e.id === "Secret/apps/podinfo-token");
    expect(secret?.action).toBe("changed");
    expect(secret?.lines).toContain('-   token: "*****"');
    expect(secret?.lines).toContain('+   token: "***** (changed)"');
  });

  it("never sends a Secret's or ConfigMap's value", () => {
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) {
      for (const value of [SECRET_VALUE, SECRET_IN_MANIFEST, CONFIGMAP_VALUE, "changed-by-hand"]) {
        expect(body).not.toContain(value);
        expect(body).not.toContain(Buffer.from(value).toString("base64"));
      }
    }
  });
});
