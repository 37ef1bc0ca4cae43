import { describe, expect, it } from "vitest";
import type { UnstructuredObject } from "../kube/object-ref.js";
import { hasDrifted, isPemBundle, maskSecretData, normalizeDesired } from "./normalize.js";

const testCaPem = `-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUXAzKJ4OgnuJj5pja0sXXN1v65x4wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOc2x1aWNlLXRlc3QtY2EwHhcNMjYxMTIzMDQzMDA4WhcNMzYx
MTIwMDQzMDA4WjAZMRcwFQYDVQQDDA5zbHVpY2UtdGVzdC1jYTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABEwIPvl6Lxlf3P6dIzbdh+Ucp7EVZt832OVPzuOhJ8y+
nJgFy2dOseVEHiZp8hY+8CWZq2wfGaP8rEO+iGOw6a6jUzBRMB0GA1UdDgQWBBQE
eMyucOhLJGnhYRvC+keZ/SatuzAfBgNVHSMEGDAWgBQEeMyucOhLJGnhYRvC+keZ
/SatuzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCICEFsaK7GiCQ
++bjRawOhqnet6Fu7jO+gpVzXSGUjxq5AiEAo24WcGniLggvrbTTEMur0tgH2kjl
LudRJ6zYvPzORQQ=
-----END CERTIFICATE-----
`;

const deployment = (): UnstructuredObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "apps", labels: { app: "web" }, creationTimestamp: null as unknown as string },
  spec: {
    replicas: 2,
    template: {
      spec: {
        initContainers: [{ name: "init", ports: [{ containerPort: 1 }] }],
        containers: [{ name: "web", ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: "UDP" }] }],
      },
    },
  },
  status: { replicas: 2 },
});

describe("normalizeDesired", () => {
  it("defaults container port protocols, drops status and creationTimestamp, without touching the input", () => {
    const input = deployment();
    const out = normalizeDesired(input);
    const spec = (out["spec"] as { template: { spec: Record<string, { ports: unknown[] }[]> } }).template.spec;
    expect(spec["containers"]![0]!.ports).toEqual([
      { containerPort: 8080, protocol: "TCP" },
      { containerPort: 53, protocol: "UDP" },
    ]);
    expect(spec["initContainers"]![0]!.ports).toEqual([{ containerPort: 1, protocol: "TCP" }]);
    expect(out).not.toHaveProperty("status");
    expect(out.metadata).not.toHaveProperty("creationTimestamp");
    expect(input).toHaveProperty("status");
    expect(JSON.stringify(input)).not.toContain("TCP");
  });

  it("folds Secret stringData into base64 data", () => {
    const out = normalizeDesired({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", namespace: "n" },
      data: { a: "YQ==" },
      stringData: { b: "béta" },
    });
    expect(out["data"]).toEqual({ a: "YQ==", b: Buffer.from("béta").toString("base64") });
    expect(out).not.toHaveProperty("stringData");
  });

  it("defaults Service and CronJob ports, keeps CRD status", () => {
    const svc = normalizeDesired({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s", namespace: "n" },
      spec: { ports: [{ port: 80 }] },
    });
    expect((svc["spec"] as { ports: unknown[] }).ports).toEqual([{ port: 80, protocol: "TCP" }]);
    const cron = normalizeDesired({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "c", namespace: "n" },
      spec: {
        jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", ports: [{ containerPort: 1 }] }] } } } },
      },
    });
    expect(JSON.stringify(cron)).toContain('"protocol":"TCP"');
    const crd = normalizeDesired({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "x.example.com" },
      status: { storedVersions: ["v1"] },
    });
    expect(crd).toHaveProperty("status");
  });
});

describe("CRD conversion caBundle", () => {
  const crd = (caBundle: string): UnstructuredObject => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "w.example.com" },
    spec: { conversion: { strategy: "Webhook", webhook: { clientConfig: { caBundle, url: "https://x" } } } },
  });
  const bundleOf = (o: UnstructuredObject) =>
    (o["spec"] as { conversion: { webhook: { clientConfig: { caBundle?: string } } } }).conversion.webhook.clientConfig
      .caBundle;

  it("keeps a valid PEM bundle and an empty one, drops garbage", () => {
    const valid = Buffer.from(testCaPem + testCaPem).toString("base64");
    expect(isPemBundle(valid)).toBe(true);
    expect(bundleOf(normalizeDesired(crd(valid)))).toBe(valid);
    expect(bundleOf(normalizeDesired(crd("")))).toBe("");
    expect(bundleOf(normalizeDesired(crd("Cg==")))).toBeUndefined();
    expect(
      bundleOf(normalizeDesired(crd(Buffer.from(testCaPem.replace("MIIB", "XXXX")).toString("base64")))),
    ).toBeUndefined();
  });
});

describe("hasDrifted", () => {
  const live = (): UnstructuredObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "c",
      namespace: "n",
      uid: "u1",
      resourceVersion: "10",
      generation: 1,
      labels: { a: "1" },
      managedFields: [{ manager: "kustomize-controller", operation: "Apply" }],
    },
    data: { k: "v" },
  });

  it("ignores server-managed metadata and status", () => {
    const dryRun = live();
    dryRun.metadata.resourceVersion = "11";
    dryRun.metadata.managedFields = [{ manager: "other", operation: "Update" }];
    dryRun.metadata.generation = 7;
    dryRun["status"] = { anything: true };
    expect(hasDrifted(live(), dryRun)).toBe(false);
  });

  it("treats absent and empty label/annotation maps alike", () => {
    const a = live();
    a.metadata.annotations = {};
    expect(hasDrifted(live(), a)).toBe(false);
  });

  it.each([
    ["a data change", (o: UnstructuredObject) => Object.assign(o, { data: { k: "w" } })],
    ["a new field", (o: UnstructuredObject) => Object.assign(o, { binaryData: { b: "AA==" } })],
    ["a label change", (o: UnstructuredObject) => Object.assign(o.metadata, { labels: { a: "2" } })],
    ["an annotation", (o: UnstructuredObject) => Object.assign(o.metadata, { annotations: { x: "y" } })],
  ])("detects %s", (_name, mutate) => {
    const dryRun = live();
    mutate(dryRun);
    expect(hasDrifted(live(), dryRun)).toBe(true);
  });

  it("reports a missing live object or a dry-run without resourceVersion (a create) as drift", () => {
    expect(hasDrifted(undefined, live())).toBe(true);
    const created = live();
    delete created.metadata.resourceVersion;
    expect(hasDrifted(live(), created)).toBe(true);
  });
});

describe("maskSecretData", () => {
  it("masks values, marking the changed keys", () => {
    const before: UnstructuredObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { same: "YQ==", changed: "Yg==", gone: "Yw==" },
    };
    const after: UnstructuredObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { same: "YQ==", changed: "ZA==", added: "ZQ==" },
    };
    maskSecretData(before, after);
    expect(before["data"]).toEqual({ same: "***", changed: "*** (before)", gone: "***" });
    expect(after["data"]).toEqual({ same: "***", changed: "*** (after)", added: "***" });
  });
});
