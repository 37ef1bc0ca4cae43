import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";

interface SecretList {
  items: { type: string; metadata: { name: string; labels: Record<string, string> }; data: { release: string } }[];
}

describe("real helm against the embedded server", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ simulateWorkloads: true, workloadDelayMs: 200 });
    const created = await c.helm(["create", "demo"]);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await c.stop();
  });

  async function helmOk(args: string[]): Promise<string> {
    const r = await c.helm(args);
    if (r.code !== 0) throw new Error(`helm ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  async function releaseSecrets(release: string): Promise<SecretList["items"]> {
    const out = await c.kubectlOk(["get", "secrets", "-l", `owner=helm,name=${release}`, "-o", "json"]);
    return (JSON.parse(out) as SecretList).items;
  }

  it("installs with --wait once the simulated Deployment is available", async () => {
    expect(await helmOk(["install", "web", "./demo", "--wait", "--timeout", "30s"])).toContain("STATUS: deployed");
    const deploy = JSON.parse(await c.kubectlOk(["get", "deploy", "web-demo", "-o", "json"]));
    expect(deploy.status.availableReplicas).toBe(1);
    expect(deploy.status.observedGeneration).toBe(deploy.metadata.generation);
    expect(await c.kubectlOk(["get", "svc,sa", "-o", "name"])).toContain("service/web-demo");
  });

  it("lists the release", async () => {
    const list = JSON.parse(await helmOk(["list", "-o", "json"]));
    expect(list).toEqual([
      expect.objectContaining({
        name: "web",
        namespace: "default",
        revision: "1",
        status: "deployed",
        chart: "demo-0.1.0",
      }),
    ]);
  });

  it("stores releases in Secrets the way Helm does", async () => {
    const secrets = await releaseSecrets("web");
    expect(secrets).toHaveLength(1);
    const s = secrets[0]!;
    expect(s.type).toBe("helm.sh/release.v1");
    expect(s.metadata.name).toBe("sh.helm.release.v1.web.v1");
    expect(s.metadata.labels).toMatchObject({ owner: "helm", name: "web", status: "deployed", version: "1" });
    // data.release: base64 (Secret encoding) of base64 of gzip of the release JSON.
    const inner = Buffer.from(Buffer.from(s.data.release, "base64").toString("utf8"), "base64");
    const release = JSON.parse(gunzipSync(inner).toString("utf8"));
    expect(release).toMatchObject({ name: "web", namespace: "default", version: 1 });
  });

  it("upgrades with --set, keeps history and rolls back", async () => {
    await helmOk(["upgrade", "web", "./demo", "--set", "replicaCount=3", "--wait", "--timeout", "30s"]);
    expect(JSON.parse(await c.kubectlOk(["get", "deploy", "web-demo", "-o", "json"])).spec.replicas).toBe(3);
    await helmOk(["rollback", "web", "1", "--wait", "--timeout", "30s"]);
    expect(JSON.parse(await c.kubectlOk(["get", "deploy", "web-demo", "-o", "json"])).spec.replicas).toBe(1);
    const history = JSON.parse(await helmOk(["history", "web", "-o", "json"])) as {
      revision: number;
      status: string;
    }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, "superseded"],
      [2, "superseded"],
      [3, "deployed"],
    ]);
    const labels = (await releaseSecrets("web"))
      .map((s) => `${s.metadata.labels["version"]}:${s.metadata.labels["status"]}`)
      .sort();
    expect(labels).toEqual(["1:superseded", "2:superseded", "3:deployed"]);
  });

  it("installs and upgrades without --wait", async () => {
    await helmOk(["install", "quick", "./demo", "--set", "fullnameOverride=quick"]);
    await helmOk(["upgrade", "quick", "./demo", "--set", "fullnameOverride=quick,replicaCount=2"]);
    expect(JSON.parse(await c.kubectlOk(["get", "deploy", "quick", "-o", "json"])).spec.replicas).toBe(2);
  });

  it("installs a chart whose crds/ directory defines the kind of one of its templates", async () => {
    const created = await c.helm(["create", "withcrd"]);
    expect(created.code, created.stderr).toBe(0);
    mkdirSync(join(c.dir, "withcrd", "crds"));
    c.writeFile(
      "withcrd/crds/gadgets.yaml",
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`,
    );
    c.writeFile(
      "withcrd/templates/gadget.yaml",
      "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: {{ .Release.Name }}-gadget\nspec:\n  size: 2\n",
    );
    await helmOk(["install", "gc", "./withcrd", "--set", "fullnameOverride=gc", "--wait", "--timeout", "30s"]);
    const gadget = JSON.parse(await c.kubectlOk(["get", "gadgets.example.com", "gc-gadget", "-o", "json"]));
    expect(gadget.spec.size).toBe(2);
    await helmOk(["uninstall", "gc", "--wait"]);
    expect((await c.kubectl(["get", "gadgets.example.com", "gc-gadget"])).stderr).toContain("not found");
  });

  it("uninstalls, removing the release Secrets and the chart's objects", async () => {
    expect(await helmOk(["uninstall", "web", "--wait"])).toContain('release "web" uninstalled');
    expect(await releaseSecrets("web")).toEqual([]);
    const r = await c.kubectl(["get", "deploy", "web-demo"]);
    expect(r.stderr).toContain("not found");
    await helmOk(["uninstall", "quick"]);
    expect(JSON.parse(await helmOk(["list", "-o", "json"]))).toEqual([]);
  });
});
