import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
`;

describe("real kubectl against the embedded server", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("reports the server version and the four system namespaces", async () => {
    expect(await c.kubectlOk(["version"])).toContain("Server Version: v1.33");
    const out = await c.kubectlOk(["get", "namespaces"]);
    expect(out).toMatch(/^NAME\s+STATUS\s+AGE/);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"])
      expect(out).toMatch(new RegExp(`${ns}\\s+Active`));
  });

  it("reports one Ready node", async () => {
    expect(await c.kubectlOk(["get", "nodes"])).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\nsluice-control-plane\s+Ready\s+control-plane\s+\d+s\n$/,
    );
  });

  it("lists api-resources with short names, scope and kinds", async () => {
    const out = await c.kubectlOk(["api-resources"]);
    expect(out).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(out).toMatch(/namespaces\s+ns\s+v1\s+false\s+Namespace/);
    expect(out).toMatch(
      /customresourcedefinitions\s+crd,crds\s+apiextensions.k8s.io\/v1\s+false\s+CustomResourceDefinition/,
    );
    const all = await c.kubectlOk(["api-resources", "--categories=all", "-o", "name"]);
    expect(all.split("\n")).toEqual(expect.arrayContaining(["pods", "services", "deployments.apps", "jobs.batch"]));
  });

  it("rejects requests without the token with 401", async () => {
    // No Authorization header at all, over HTTPS trusting the server's private CA.
    const ca = c.server.caCert;
    expect(ca).toBeDefined();
    const anonymous = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${c.server.url}/api/v1/namespaces`, { ca }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized" });
    // A wrong token is refused as well.
    const r = await c.kubectl(["get", "ns", "--token", "wrong"]);
    expect(r.code).not.toBe(0);
    // kubectl's texts for a 401: "You must be logged in to the server (Unauthorized)" once discovery is cached,
    // "… the server has asked for the client to provide credentials" before.
    expect(r.stderr).toMatch(/\(Unauthorized\)|the server has asked for the client to provide credentials/);
  });

  it("applies client-side twice with changes and shows table and yaml output", async () => {
    const file = c.writeFile("deploy.yaml", DEPLOYMENT);
    expect(await c.kubectlOk(["apply", "-f", file])).toContain("deployment.apps/web created");
    c.writeFile("deploy.yaml", DEPLOYMENT.replace("nginx:1.25", "nginx:1.26").replace(', {name: B, value: "2"}', ""));
    expect(await c.kubectlOk(["apply", "-f", file])).toContain("deployment.apps/web configured");
    const table = await c.kubectlOk(["get", "deploy"]);
    expect(table).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\d+s/);
    const obj = parse(await c.kubectlOk(["get", "deploy", "web", "-o", "yaml"]));
    expect(obj.metadata.generation).toBe(2);
    const container = obj.spec.template.spec.containers[0];
    expect(container.image).toBe("nginx:1.26");
    expect(container.env).toEqual([{ name: "A", value: "1" }]);
    expect(container.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    expect(obj.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain("nginx:1.26");
  });

  it("accepts protobuf bodies from kubectl's typed clients (create deployment, secret, service)", async () => {
    await c.kubectlOk(["create", "deployment", "typed", "--image=nginx:1.27", "--replicas=2", "--port=8080"]);
    const d = parse(await c.kubectlOk(["get", "deploy", "typed", "-o", "yaml"]));
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: "typed" } });
    expect(d.spec.template.spec.containers).toEqual([
      expect.objectContaining({
        name: "nginx",
        image: "nginx:1.27",
        ports: [{ containerPort: 8080, protocol: "TCP" }],
        resources: {},
      }),
    ]);
    await c.kubectlOk(["create", "secret", "generic", "typed", "--from-literal=password=s3cr3t"]);
    const s = parse(await c.kubectlOk(["get", "secret", "typed", "-o", "yaml"]));
    expect(s.type).toBe("Opaque");
    expect(Buffer.from(s.data.password, "base64").toString()).toBe("s3cr3t");
    await c.kubectlOk(["create", "service", "clusterip", "typed", "--tcp=80:8080"]);
    const svc = parse(await c.kubectlOk(["get", "svc", "typed", "-o", "yaml"]));
    expect(svc.spec.ports).toEqual([{ name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080 }]);
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);
  });

  it("answers auth can-i and auth whoami", async () => {
    expect((await c.kubectlOk(["auth", "can-i", "create", "deployments"])).trim()).toBe("yes");
    const who = await c.kubectlOk(["auth", "whoami", "-o", "json"]);
    expect(JSON.parse(who).status.userInfo).toEqual({
      username: "sluice-admin",
      groups: ["system:masters", "system:authenticated"],
    });
    const imp = await c.kubectlOk(["auth", "whoami", "-o", "json", "--as=bob", "--as-group=team"]);
    expect(JSON.parse(imp).status.userInfo).toEqual({ username: "bob", groups: ["team", "system:authenticated"] });
  });

  it("rejects unknown fields of built-in kinds with strict validation and drops them otherwise", async () => {
    const typo = DEPLOYMENT.replace("name: web\n  labels", "name: typo\n  labels").replace(
      "image: nginx:1.25",
      "image: nginx:1.25\n        imagePullPolcy: Always",
    );
    const strict = await c.kubectl(["apply", "-f", "-"], typo);
    expect(strict.stderr).toContain(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );
    await c.kubectlOk(["apply", "--validate=false", "-f", "-"], typo);
    const d = parse(await c.kubectlOk(["get", "deploy", "typo", "-o", "yaml"]));
    expect(d.spec.template.spec.containers[0].imagePullPolcy).toBeUndefined();
    expect(d.spec.template.spec.containers[0].image).toBe("nginx:1.25");
  });

  it("creates with generateName", async () => {
    const out = await c.kubectlOk(
      ["create", "-f", "-", "-o", "name"],
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\ndata: {a: b}\n",
    );
    expect(out.trim()).toMatch(/^configmap\/gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("server-side apply conflicts with a second manager, then forces", async () => {
    await c.kubectlOk(["create", "configmap", "owned", "--from-literal=key=one"]);
    const file = c.writeFile(
      "owned.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {key: two}\n",
    );
    const conflict = await c.kubectl(["apply", "--server-side", "--field-manager=second", "-f", file]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-create" using v1');
    expect(conflict.stderr).toContain(".data.key");
    await c.kubectlOk(["apply", "--server-side", "--field-manager=second", "--force-conflicts", "-f", file]);
    const obj = parse(await c.kubectlOk(["get", "cm", "owned", "-o", "yaml", "--show-managed-fields"]));
    expect(obj.data.key).toBe("two");
    const second = obj.metadata.managedFields.find((m: { manager: string }) => m.manager === "second");
    expect(second).toMatchObject({
      operation: "Apply",
      apiVersion: "v1",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:data": { "f:key": {} } },
    });
    const create = obj.metadata.managedFields.find((m: { manager: string }) => m.manager === "kubectl-create");
    expect(create?.fieldsV1?.["f:data"]?.["f:key"]).toBeUndefined();
  });

  it("patches with strategic, merge and json patch types", async () => {
    await c.kubectlOk([
      "patch",
      "deploy",
      "web",
      "--type=strategic",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"C","value":"3"}]}]}}}}',
    ]);
    let obj = parse(await c.kubectlOk(["get", "deploy", "web", "-o", "yaml"]));
    expect(obj.spec.template.spec.containers[0].env).toEqual([
      { name: "A", value: "1" },
      { name: "C", value: "3" },
    ]);
    await c.kubectlOk(["patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":5}}']);
    await c.kubectlOk([
      "patch",
      "deploy",
      "web",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.27"}]',
    ]);
    obj = parse(await c.kubectlOk(["get", "deploy", "web", "-o", "yaml"]));
    expect(obj.spec.replicas).toBe(5);
    expect(obj.spec.template.spec.containers[0].image).toBe("nginx:1.27");
    const bad = await c.kubectl([
      "patch",
      "deploy",
      "web",
      "--type=json",
      "-p",
      '[{"op":"test","path":"/spec/replicas","value":1}]',
    ]);
    expect(bad.code).not.toBe(0);
  });

  it("labels, annotates and selects by label and field", async () => {
    await c.kubectlOk(["create", "configmap", "sel-a"]);
    await c.kubectlOk(["create", "configmap", "sel-b"]);
    await c.kubectlOk(["label", "cm", "sel-a", "tier=front", "env=prod"]);
    await c.kubectlOk(["label", "cm", "sel-b", "tier=back"]);
    await c.kubectlOk(["annotate", "cm", "sel-a", "note=hello"]);
    expect((await c.kubectlOk(["get", "cm", "-l", "tier=front", "-o", "name"])).trim()).toBe("configmap/sel-a");
    expect((await c.kubectlOk(["get", "cm", "-l", "tier in (front,back),env!=prod", "-o", "name"])).trim()).toBe(
      "configmap/sel-b",
    );
    expect((await c.kubectlOk(["get", "cm", "-l", "!env,tier", "-o", "name"])).trim()).toBe("configmap/sel-b");
    expect((await c.kubectlOk(["get", "cm", "--field-selector", "metadata.name=sel-b", "-o", "name"])).trim()).toBe(
      "configmap/sel-b",
    );
    const obj = parse(await c.kubectlOk(["get", "cm", "sel-a", "-o", "yaml"]));
    expect(obj.metadata.annotations.note).toBe("hello");
    await c.kubectlOk(["label", "cm", "sel-a", "env-"]);
    expect((await c.kubectlOk(["get", "cm", "-l", "env", "-o", "name"])).trim()).toBe("");
    const badField = await c.kubectl(["get", "cm", "--field-selector", "spec.nope=1"]);
    expect(badField.stderr).toContain("field label not supported: spec.nope");
  });

  it("dry-run=server validates without storing", async () => {
    const out = await c.kubectlOk([
      "create",
      "configmap",
      "dry",
      "--from-literal=a=b",
      "--dry-run=server",
      "-o",
      "yaml",
    ]);
    expect(parse(out).metadata.uid).toBeTruthy();
    const get = await c.kubectl(["get", "cm", "dry"]);
    expect(get.stderr).toContain('configmaps "dry" not found');
    const invalid = await c.kubectl(["create", "configmap", "Bad_Name", "--dry-run=server"]);
    expect(invalid.stderr).toContain('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"');
  });

  it("diff shows the server-side change of a manifest", async () => {
    const file = c.writeFile(
      "diffcm.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: diffcm}\ndata: {a: one}\n",
    );
    await c.kubectlOk(["apply", "-f", file]);
    c.writeFile("diffcm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: diffcm}\ndata: {a: two}\n");
    const r = await c.kubectl(["diff", "-f", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("-  a: one");
    expect(r.stdout).toContain("+  a: two");
    c.writeFile("diffcm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: diffcm}\ndata: {a: one}\n");
    expect((await c.kubectl(["diff", "-f", file])).code).toBe(0);
  });

  it("paginates with limit and continue", async () => {
    for (let i = 0; i < 7; i++) await c.kubectlOk(["create", "configmap", `page-${i}`, "-n", "kube-public"]);
    const out = await c.kubectlOk(["get", "cm", "-n", "kube-public", "--chunk-size=2", "-o", "name"]);
    // kube-root-ca.crt is in every namespace, as on a cluster.
    expect(out.trim().split("\n")).toEqual([
      "configmap/kube-root-ca.crt",
      ...[0, 1, 2, 3, 4, 5, 6].map((i) => `configmap/page-${i}`),
    ]);
  });

  it("answers NotFound and AlreadyExists like kube-apiserver", async () => {
    const nf = await c.kubectl(["get", "deploy", "missing"]);
    expect(nf.stderr).toContain('Error from server (NotFound): deployments.apps "missing" not found');
    const ae = await c.kubectl(["create", "configmap", "owned"]);
    expect(ae.stderr).toContain('configmaps "owned" already exists');
    const ae2 = await c.kubectl(["create", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\n");
    expect(ae2.stderr).toContain(
      'Error from server (AlreadyExists): error when creating "STDIN": configmaps "owned" already exists',
    );
    const noNs = await c.kubectl(["create", "configmap", "x", "-n", "nope"]);
    expect(noNs.stderr).toContain('namespaces "nope" not found');
  });
});
