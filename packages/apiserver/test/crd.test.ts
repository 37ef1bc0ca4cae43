import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: WidgetSpec describes the widget.
            required: [size]
            x-kubernetes-validations:
            - {rule: "self.size <= self.maxSize", message: "size must not exceed maxSize"}
            properties:
              size: {type: integer, minimum: 1, description: Size of the widget in units.}
              maxSize: {type: integer, default: 10}
              replicas: {type: integer}
              mode: {type: string, enum: [fast, slow], default: fast}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    port: {type: integer}
          status:
            type: object
            properties:
              replicas: {type: integer}
              conditions:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [type]
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;

describe("CustomResourceDefinitions with real kubectl", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
    await c.kubectlOk(["apply", "-f", c.writeFile("crd.yaml", CRD)]);
  });
  afterAll(async () => {
    await c.stop();
  });

  it("serves a new CRD right away and reports Established and NamesAccepted", async () => {
    expect(
      await c.kubectlOk(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s"]),
    ).toContain("condition met");
    const crd = parse(await c.kubectlOk(["get", "crd", "widgets.example.com", "-o", "yaml"]));
    const types = crd.status.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`);
    expect(types).toEqual(["NamesAccepted=True", "Established=True"]);
    expect(crd.status.storedVersions).toEqual(["v1"]);
    expect(await c.kubectlOk(["api-resources", "--api-group=example.com"])).toMatch(
      /widgets\s+wd\s+example.com\/v1\s+true\s+Widget/,
    );
  });

  it("applies defaults and shows printer columns in table output", async () => {
    await c.kubectlOk(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n",
    );
    const w = parse(await c.kubectlOk(["get", "wd", "w1", "-o", "yaml"]));
    expect(w.spec).toEqual({ size: 3, maxSize: 10, mode: "fast" });
    expect(w.metadata.generation).toBe(1);
    await c.kubectlOk([
      "patch",
      "wd",
      "w1",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    ]);
    expect(await c.kubectlOk(["get", "widgets"])).toMatch(/^NAME\s+SIZE\s+READY\s+AGE\nw1\s+3\s+True\s+\d+s\n$/);
  });

  it("status subresource writes change status only and do not bump generation", async () => {
    await c.kubectlOk([
      "patch",
      "wd",
      "w1",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"spec":{"size":9},"status":{"replicas":2}}',
    ]);
    const w = parse(await c.kubectlOk(["get", "wd", "w1", "-o", "yaml"]));
    expect(w.spec.size).toBe(3);
    expect(w.status.replicas).toBe(2);
    expect(w.metadata.generation).toBe(1);
    await c.kubectlOk(["patch", "wd", "w1", "--type=merge", "-p", '{"spec":{"size":4},"status":{"replicas":7}}']);
    const w2 = parse(await c.kubectlOk(["get", "wd", "w1", "-o", "yaml"]));
    expect(w2.spec.size).toBe(4);
    expect(w2.status.replicas).toBe(2);
    expect(w2.metadata.generation).toBe(2);
  });

  it("scale subresource reads and writes replicas", async () => {
    await c.kubectlOk(["scale", "wd", "w1", "--replicas=5"]);
    const w = parse(await c.kubectlOk(["get", "wd", "w1", "-o", "yaml"]));
    expect(w.spec.replicas).toBe(5);
    const scale = await apiRequest(c.server, "GET", "/apis/example.com/v1/namespaces/default/widgets/w1/scale");
    expect(scale.json()).toMatchObject({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      spec: { replicas: 5 },
      status: { replicas: 2 },
    });
  });

  it("rejects invalid objects with 422 naming the fields (schema and CEL)", async () => {
    const r = await c.kubectl(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: bad}\nspec: {size: 30, mode: turbo}\n",
    );
    expect(r.stderr).toContain('The Widget "bad" is invalid');
    expect(r.stderr).toContain('spec.mode: Unsupported value: "turbo": supported values: "fast", "slow"');
    const res = await apiRequest(c.server, "POST", "/apis/example.com/v1/namespaces/default/widgets", {
      body: JSON.stringify({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "bad" },
        spec: { size: 0, maxSize: 5 },
      }),
    });
    expect(res.status).toBe(422);
    const status = res.json<{
      reason: string;
      details: { kind: string; group: string; causes: { field: string; reason: string }[] };
    }>();
    expect(status.reason).toBe("Invalid");
    expect(status.details.kind).toBe("Widget");
    expect(status.details.group).toBe("example.com");
    expect(status.details.causes).toEqual([
      expect.objectContaining({
        field: "spec.size",
        reason: "FieldValueInvalid",
        message: "Invalid value: 0: spec.size in body should be greater than or equal to 1",
      }),
    ]);
    const cel = await apiRequest(c.server, "POST", "/apis/example.com/v1/namespaces/default/widgets", {
      body: JSON.stringify({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "bad" },
        spec: { size: 6, maxSize: 5 },
      }),
    });
    expect(cel.json<{ details: { causes: unknown[] } }>().details.causes).toEqual([
      { reason: "FieldValueInvalid", message: 'Invalid value: "object": size must not exceed maxSize', field: "spec" },
    ]);
    const missing = await apiRequest(c.server, "POST", "/apis/example.com/v1/namespaces/default/widgets", {
      body: JSON.stringify({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "bad" }, spec: {} }),
    });
    expect(missing.json<{ message: string }>().message).toBe(
      'Widget.example.com "bad" is invalid: spec.size: Required value',
    );
  });

  it("prunes unknown fields, or refuses them with strict field validation", async () => {
    const strict = await c.kubectl(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: extra}\nspec: {size: 1, bogus: true}\n",
    );
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
    const res = await apiRequest(
      c.server,
      "POST",
      "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Warn",
      {
        body: JSON.stringify({
          apiVersion: "example.com/v1",
          kind: "Widget",
          metadata: { name: "extra" },
          spec: { size: 1, bogus: true },
        }),
      },
    );
    expect(res.status).toBe(201);
    expect(res.headers["warning"]).toContain('unknown field \\"spec.bogus\\"');
    expect(res.json<{ spec: Record<string, unknown> }>().spec).toEqual({ size: 1, maxSize: 10, mode: "fast" });
  });

  it("merges list-map items by key with server-side apply", async () => {
    const apply = (manager: string, ports: string): Promise<string> =>
      c.kubectlOk(
        ["apply", "--server-side", `--field-manager=${manager}`, "-f", "-"],
        `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ssa}\nspec:\n  size: 1\n  ports: ${ports}\n`,
      );
    await apply("a", "[{name: http, port: 80}]");
    await c.kubectlOk(
      ["apply", "--server-side", "--field-manager=b", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ssa}\nspec:\n  ports: [{name: metrics, port: 9090}]\n",
    );
    let w = parse(await c.kubectlOk(["get", "wd", "ssa", "-o", "yaml", "--show-managed-fields"]));
    expect(w.spec.ports).toEqual([
      { name: "http", port: 80 },
      { name: "metrics", port: 9090 },
    ]);
    const b = w.metadata.managedFields.find((m: { manager: string }) => m.manager === "b");
    expect(b.fieldsV1).toEqual({
      "f:spec": { "f:ports": { 'k:{"name":"metrics"}': { ".": {}, "f:name": {}, "f:port": {} } } },
    });
    // Manager a stops applying its port: only that item goes.
    await apply("a", "[]");
    w = parse(await c.kubectlOk(["get", "wd", "ssa", "-o", "yaml"]));
    expect(w.spec.ports).toEqual([{ name: "metrics", port: 9090 }]);
  });

  it("serves every served version, converting apiVersion only", async () => {
    const beta = parse(await c.kubectlOk(["get", "widgets.v1beta1.example.com", "w1", "-o", "yaml"]));
    expect(beta.apiVersion).toBe("example.com/v1beta1");
    expect(beta.spec.size).toBe(4);
    await c.kubectlOk(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1beta1\nkind: Widget\nmetadata: {name: old}\nspec: {size: 2, free: form}\n",
    );
    const v1 = parse(await c.kubectlOk(["get", "widgets.v1.example.com", "old", "-o", "yaml"]));
    expect(v1.apiVersion).toBe("example.com/v1");
    expect(v1.spec.free).toBe("form");
  });

  it("explains a CRD field from its OpenAPI schema", async () => {
    const out = await c.kubectlOk(["explain", "widgets.spec.size"]);
    expect(out).toContain("KIND:       Widget");
    expect(out).toContain("FIELD: size <integer>");
    expect(out).toContain("Size of the widget in units.");
    const spec = await c.kubectlOk(["explain", "widgets.spec"]);
    expect(spec).toContain("WidgetSpec describes the widget.");
    expect(spec).toMatch(/size\s+<integer> -required-/);
  });

  it("rejects a CRD whose name does not match its names and group", async () => {
    const bad = CRD.replace("name: widgets.example.com", "name: gadgets.example.com");
    const r = await c.kubectl(["create", "-f", "-"], bad);
    expect(r.stderr).toContain(
      'metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group',
    );
  });

  it("deleting the CRD deletes its objects and stops serving it", async () => {
    await c.kubectlOk(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: doomed, namespace: kube-public}\nspec: {size: 1}\n",
    );
    await c.kubectlOk(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: doomed2}\nspec: {size: 1}\n",
    );
    expect((await c.kubectlOk(["get", "wd", "-A", "-o", "name"])).trim().split("\n").length).toBeGreaterThan(1);
    await c.kubectlOk(["delete", "crd", "widgets.example.com", "--timeout=20s"]);
    const r = await c.kubectl(["get", "widgets"]);
    expect(r.code).not.toBe(0);
    // kubectl's discovery cache may still know the type; the server answers 404 either way.
    expect(r.stderr).toMatch(
      /the server doesn't have a resource type "widgets"|the server could not find the requested resource/,
    );
    expect((await apiRequest(c.server, "GET", "/apis/example.com/v1/namespaces/default/widgets")).status).toBe(404);
    await c.kubectlOk(["apply", "-f", c.writeFile("crd2.yaml", CRD)]);
    expect((await c.kubectlOk(["get", "wd", "-o", "name"])).trim()).toBe("");
  });
});
