// Reading Helm's storage Secrets and a release manifest's objects through the embedded API server.

import { type ApiCluster, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeRelease,
  getStoredRelease,
  listReleaseVersions,
  manifestObjects,
  markReleaseFailed,
  releaseSecretName,
} from "../src/index.js";

const NS = "apps";
let cluster: ApiCluster;

function release(version: number, status: string, manifest = "") {
  return {
    name: "web",
    namespace: NS,
    version,
    info: { status },
    chart: { metadata: { name: "podinfo", version: "1.0.0" } },
    manifest,
  };
}

/** Stores a release the way Helm does: Secret data `release` = base64 of Helm's base64(gzip(JSON)). */
async function store(doc: ReturnType<typeof release>): Promise<void> {
  await cluster.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: releaseSecretName(doc.name, doc.version),
      namespace: NS,
      labels: { owner: "helm", name: doc.name, status: doc.info.status, version: String(doc.version) },
    },
    type: "helm.sh/release.v1",
    data: { release: Buffer.from(encodeRelease(JSON.stringify(doc))).toString("base64") },
  });
}

const MANIFEST = `---
# Source: podinfo/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: web-reader
---
apiVersion: example.com/v1
kind: Unknown
metadata:
  name: custom
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: elsewhere
  namespace: other
`;

beforeAll(async () => {
  cluster = await startApiCluster();
  await ensureNamespace(cluster.client, NS);
  await store(release(1, "superseded"));
  await store(release(2, "pending-upgrade", MANIFEST));
});

afterAll(async () => {
  await cluster?.stop();
});

describe("Helm release storage Secrets", () => {
  it("reads one version by name, and nothing for a version that was never stored", async () => {
    const stored = await getStoredRelease(cluster.client, NS, "web", 2);
    expect(stored).toMatchObject({ name: "web", version: 2, info: { status: "pending-upgrade" }, manifest: MANIFEST });
    expect(await getStoredRelease(cluster.client, NS, "web", 9)).toBeUndefined();
  });

  it("lists every version newest first, and marks a locked one failed", async () => {
    expect((await listReleaseVersions(cluster.client, NS, "web")).map((r) => r.version)).toEqual([2, 1]);
    const [latest] = await listReleaseVersions(cluster.client, NS, "web");
    await markReleaseFailed(cluster.client, latest!, "unlocked by test");
    const again = await getStoredRelease(cluster.client, NS, "web", 2);
    expect(again?.info).toMatchObject({ status: "failed", description: "unlocked by test" });
  });
});

describe("manifestObjects", () => {
  it("puts the release namespace on namespaced objects only, and on kinds the API does not know", async () => {
    const objects = await manifestObjects(cluster.client, MANIFEST, NS);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      `Service/${NS}/web`,
      "ClusterRole//web-reader",
      `Unknown/${NS}/custom`,
      "ConfigMap/other/elsewhere",
    ]);
  });
});
