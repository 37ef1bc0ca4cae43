import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest, type RawResponse } from "./helpers/http.js";

const NS = "/api/v1/namespaces/default";
const APPS = "/apis/apps/v1/namespaces/default";

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field: string; reason: string; message: string }[] };
}

function causeFields(r: RawResponse): string[] {
  return (r.json<StatusBody>().details?.causes ?? []).map((c) => c.field).sort();
}

describe("immutable fields of built-in kinds", () => {
  let c: TestCluster;
  const req = (method: string, path: string, body?: unknown, contentType?: string) =>
    apiRequest(c.server, method, path, {
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      ...(contentType ? { headers: { "Content-Type": contentType } } : {}),
    });
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("an immutable ConfigMap refuses data changes and unfreezing on every write path", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "f" }, data: { a: "1" }, immutable: true };
    expect((await req("POST", `${NS}/configmaps`, cm)).status).toBe(201);
    const attempts: RawResponse[] = [
      await req("PUT", `${NS}/configmaps/f`, { ...cm, data: { a: "2" } }),
      await req("PATCH", `${NS}/configmaps/f`, { data: { a: "2" } }, "application/merge-patch+json"),
      await req("PATCH", `${NS}/configmaps/f`, { data: { a: "2" } }, "application/strategic-merge-patch+json"),
      await req(
        "PATCH",
        `${NS}/configmaps/f`,
        [{ op: "replace", path: "/data/a", value: "2" }],
        "application/json-patch+json",
      ),
      await req(
        "PATCH",
        `${NS}/configmaps/f?fieldManager=t&force=true`,
        { ...cm, data: { a: "2" } },
        "application/apply-patch+yaml",
      ),
      await req("PATCH", `${NS}/configmaps/f?dryRun=All`, { data: { b: "x" } }, "application/merge-patch+json"),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(422);
      const s = r.json<StatusBody>();
      expect(s.reason).toBe("Invalid");
      expect(s.message).toBe('ConfigMap "f" is invalid: data: Forbidden: field is immutable when `immutable` is set');
      expect(causeFields(r)).toEqual(["data"]);
    }
    const unfreeze = await req("PATCH", `${NS}/configmaps/f`, { immutable: false }, "application/merge-patch+json");
    expect(unfreeze.status).toBe(422);
    expect(unfreeze.json<StatusBody>().message).toBe(
      'ConfigMap "f" is invalid: immutable: Forbidden: field is immutable when `immutable` is set',
    );
    const both = await req(
      "PATCH",
      `${NS}/configmaps/f`,
      { immutable: null, binaryData: { b: "AA==" } },
      "application/merge-patch+json",
    );
    expect(both.status).toBe(422);
    expect(causeFields(both)).toEqual(["binaryData", "immutable"]);
    // Metadata stays writable, and the payload never changed.
    expect(
      (await req("PATCH", `${NS}/configmaps/f`, { metadata: { labels: { x: "y" } } }, "application/merge-patch+json"))
        .status,
    ).toBe(200);
    expect((await req("GET", `${NS}/configmaps/f`)).json()).toMatchObject({ data: { a: "1" }, immutable: true });
  });

  it("a mutable ConfigMap may be frozen, and then stays frozen", async () => {
    await c.kubectlOk(["create", "configmap", "later", "--from-literal=a=1"]);
    await c.kubectlOk(["patch", "configmap", "later", "--type=merge", "-p", '{"immutable":true,"data":{"a":"2"}}']);
    const r = await c.kubectl(["patch", "configmap", "later", "--type=merge", "-p", '{"data":{"a":"3"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'The ConfigMap "later" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
  });

  it("an immutable Secret refuses data and stringData changes; stringData is merged into data", async () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      stringData: { password: "hunter2" },
      immutable: true,
    };
    const created = await req("POST", `${NS}/secrets`, secret);
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ data: { password: Buffer.from("hunter2").toString("base64") } });
    expect(created.json()["stringData"]).toBeUndefined();
    const viaStringData = await req(
      "PATCH",
      `${NS}/secrets/s`,
      { stringData: { password: "x" } },
      "application/merge-patch+json",
    );
    expect(viaStringData.status).toBe(422);
    expect(viaStringData.json<StatusBody>().message).toBe(
      'Secret "s" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
    // Re-sending the same content is not a change.
    const same = await req(
      "PATCH",
      `${NS}/secrets/s`,
      { stringData: { password: "hunter2" } },
      "application/merge-patch+json",
    );
    expect(same.status).toBe(200);
    const retype = await req("PATCH", `${NS}/secrets/s`, { type: "kubernetes.io/tls" }, "application/merge-patch+json");
    expect(retype.status).toBe(422);
    // As ValidateSecretUpdate does: the immutable type first, then the new type's required keys.
    expect(retype.json<StatusBody>().message).toBe(
      'Secret "s" is invalid: [type: Invalid value: "kubernetes.io/tls": field is immutable, data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
  });

  it("workload selectors are immutable", async () => {
    const template = { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
    for (const [resource, kind] of [
      ["deployments", "Deployment"],
      ["replicasets", "ReplicaSet"],
      ["daemonsets", "DaemonSet"],
    ] as const) {
      const body = {
        apiVersion: "apps/v1",
        kind,
        metadata: { name: "w" },
        spec: { selector: { matchLabels: { app: "a" } }, template },
      };
      expect((await req("POST", `${APPS}/${resource}`, body)).status).toBe(201);
      const r = await req(
        "PATCH",
        `${APPS}/${resource}/w`,
        { spec: { selector: { matchLabels: { app: "b" } }, template: { metadata: { labels: { app: "b" } } } } },
        "application/strategic-merge-patch+json",
      );
      expect(r.status).toBe(422);
      expect(r.json<StatusBody>().message).toBe(
        `${kind}.apps "w" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"b"}}: field is immutable`,
      );
      expect(causeFields(r)).toEqual(["spec.selector"]);
      // Other spec changes go through.
      const ok = await req(
        "PATCH",
        `${APPS}/${resource}/w`,
        { spec: { minReadySeconds: 5 } },
        "application/merge-patch+json",
      );
      expect(ok.status).toBe(200);
    }
  });

  it("StatefulSet spec fields other than the mutable few are forbidden", async () => {
    const sts = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db" },
      spec: {
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "c", image: "pg" }] } },
      },
    };
    expect((await req("POST", `${APPS}/statefulsets`, sts)).status).toBe(201);
    const r = await req(
      "PATCH",
      `${APPS}/statefulsets/db`,
      { spec: { serviceName: "other" } },
      "application/merge-patch+json",
    );
    expect(r.status).toBe(422);
    expect(r.json<StatusBody>().message).toBe(
      `StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`,
    );
    const scale = await req(
      "PATCH",
      `${APPS}/statefulsets/db`,
      { spec: { replicas: 3 } },
      "application/merge-patch+json",
    );
    expect(scale.status).toBe(200);
  });

  it("Job selector and template are immutable", async () => {
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "j" },
      spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }], restartPolicy: "Never" } } },
    };
    const created = await req("POST", "/apis/batch/v1/namespaces/default/jobs", job);
    expect(created.status).toBe(201);
    const uid = (created.json()["metadata"] as { uid: string }).uid;
    // As kube-apiserver does without manualSelector: the selector picks the uid label the template carries.
    expect(created.json()["spec"]).toMatchObject({
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": uid } },
      template: {
        metadata: {
          labels: {
            "batch.kubernetes.io/controller-uid": uid,
            "controller-uid": uid,
            "batch.kubernetes.io/job-name": "j",
            "job-name": "j",
          },
        },
      },
    });
    const r = await req(
      "PATCH",
      "/apis/batch/v1/namespaces/default/jobs/j",
      { spec: { template: { spec: { containers: [{ name: "c", image: "alpine" }] } } } },
      "application/strategic-merge-patch+json",
    );
    expect(r.status).toBe(422);
    expect(causeFields(r)).toEqual(["spec.template"]);
    expect(r.json<StatusBody>().message).toMatch(
      /^Job\.batch "j" is invalid: spec\.template: Invalid value: \{.*\}: field is immutable$/,
    );
    const sel = await req(
      "PATCH",
      "/apis/batch/v1/namespaces/default/jobs/j",
      { spec: { selector: { matchLabels: { x: "y" } } } },
      "application/merge-patch+json",
    );
    expect(causeFields(sel)).toEqual(["spec.selector"]);
  });

  it("a Service keeps its cluster IP when an update leaves it unset, and refuses to change it", async () => {
    const svc = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    };
    const created = (await req("POST", `${NS}/services`, svc)).json<{ spec: { clusterIP: string } }>();
    const ip = created.spec.clusterIP;
    expect(ip).toMatch(/^10\.96\./);
    const current = (await req("GET", `${NS}/services/web`)).json<{ metadata: Record<string, unknown> }>();
    const put = await req("PUT", `${NS}/services/web`, {
      ...svc,
      metadata: { name: "web", resourceVersion: current.metadata["resourceVersion"] },
      spec: { ...svc.spec, clusterIP: "", ports: [{ port: 81 }] },
    });
    expect(put.status).toBe(200);
    expect(put.json()).toMatchObject({ spec: { clusterIP: ip, clusterIPs: [ip] } });
    const r = await req("PATCH", `${NS}/services/web`, { spec: { clusterIP: "None" } }, "application/merge-patch+json");
    expect(r.status).toBe(422);
    expect(r.json<StatusBody>().message).toBe(
      'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set',
    );
    // kubectl apply of a manifest without clusterIP keeps the allocated one. (The manifest keeps the live port:
    // a second, unnamed port merged in by the patch would be refused, as kube-apiserver refuses it.)
    c.writeFile(
      "svc.yaml",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 81\n",
    );
    await c.kubectlOk(["apply", "-f", "svc.yaml"]);
    expect(await c.kubectlOk(["get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}"])).toBe(ip);
  });

  it("a PersistentVolumeClaim spec is frozen except resources.requests of bound claims", async () => {
    const pvc = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    };
    expect((await req("POST", `${NS}/persistentvolumeclaims`, pvc)).status).toBe(201);
    const modes = await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data`,
      { spec: { accessModes: ["ReadWriteMany"] } },
      "application/merge-patch+json",
    );
    expect(modes.status).toBe(422);
    expect(modes.json<StatusBody>().message).toMatch(
      /^PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n- accessModes/,
    );
    // An unbound claim may get a storage class and a volume name.
    const bind = await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data`,
      { spec: { storageClassName: "standard", volumeName: "pv-1" } },
      "application/merge-patch+json",
    );
    expect(bind.status).toBe(200);
    const unboundResize = await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data`,
      { spec: { resources: { requests: { storage: "2Gi" } } } },
      "application/merge-patch+json",
    );
    expect(unboundResize.status).toBe(422);
    await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data/status`,
      { status: { phase: "Bound" } },
      "application/merge-patch+json",
    );
    const resize = await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data`,
      { spec: { resources: { requests: { storage: "2Gi" } } } },
      "application/merge-patch+json",
    );
    expect(resize.status).toBe(200);
    await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data/status`,
      { status: { capacity: { storage: "2Gi" } } },
      "application/merge-patch+json",
    );
    const shrink = await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data`,
      { spec: { resources: { requests: { storage: "1536Mi" } } } },
      "application/merge-patch+json",
    );
    expect(shrink.status).toBe(422);
    expect(shrink.json<StatusBody>().message).toBe(
      'PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    );
    const grow = await req(
      "PATCH",
      `${NS}/persistentvolumeclaims/data`,
      { spec: { resources: { requests: { storage: "3G" } } } },
      "application/merge-patch+json",
    );
    expect(grow.status).toBe(200);
  });

  it("a different metadata.uid on update is refused", async () => {
    await c.kubectlOk(["create", "configmap", "u"]);
    const r = await req("PATCH", `${NS}/configmaps/u`, { metadata: { uid: "other" } }, "application/merge-patch+json");
    expect(r.status).toBe(422);
    expect(r.json<StatusBody>().message).toBe(
      'ConfigMap "u" is invalid: metadata.uid: Invalid value: "other": field is immutable',
    );
  });

  it("a patch may not rename an object or move it to another namespace (400 as kube-apiserver's checkName)", async () => {
    await c.kubectlOk(["create", "configmap", "named"]);
    const cases: [unknown, string, string][] = [
      [
        { metadata: { name: "other" } },
        "application/merge-patch+json",
        "the name of the object (other) does not match the name on the URL (named)",
      ],
      [
        [{ op: "remove", path: "/metadata/name" }],
        "application/json-patch+json",
        "the name of the object (named based on URL) was undeterminable: name must be provided",
      ],
      [
        { metadata: { namespace: "kube-system" } },
        "application/strategic-merge-patch+json",
        "the namespace of the object (kube-system) does not match the namespace on the request (default)",
      ],
      [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "named", namespace: "kube-system" } },
        "application/apply-patch+yaml",
        "the namespace of the object (kube-system) does not match the namespace on the request (default)",
      ],
    ];
    for (const [body, type, message] of cases) {
      const r = await req("PATCH", `${NS}/configmaps/named?fieldManager=t`, body, type);
      expect(r.status).toBe(400);
      expect(r.json<StatusBody>()).toMatchObject({ reason: "BadRequest", message });
    }
    expect((await req("GET", `${NS}/configmaps/named`)).status).toBe(200);
  });

  it("a Secret with stringData applies idempotently with kubectl (client-side and server-side)", async () => {
    const manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  user: admin\n";
    const file = c.writeFile("creds.yaml", manifest);
    for (const extra of [[], ["--server-side"]]) {
      await c.kubectlOk(["apply", ...extra, "-f", file]);
      const rv = await c.kubectlOk(["get", "secret", "creds", "-o", "jsonpath={.metadata.resourceVersion}"]);
      // Client-side apply always sends stringData again (the live object has none), as against kube-apiserver;
      // the write changes nothing, so the resourceVersion stays.
      await c.kubectlOk(["apply", ...extra, "-f", file]);
      expect(await c.kubectlOk(["get", "secret", "creds", "-o", "jsonpath={.metadata.resourceVersion}"])).toBe(rv);
    }
    const data = await c.kubectlOk(["get", "secret", "creds", "-o", "jsonpath={.data.user}"]);
    expect(Buffer.from(data, "base64").toString()).toBe("admin");
    expect(await c.kubectlOk(["get", "secret", "creds", "-o", "jsonpath={.stringData}"])).toBe("");
  });
});
