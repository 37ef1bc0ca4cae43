import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

describe("OpenAPI of the built-in kinds (the schemas the server validates with)", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("kubectl explain describes built-in fields from /openapi/v3", async () => {
    const spec = await c.kubectlOk(["explain", "deployment.spec"]);
    expect(spec).toContain("GROUP:      apps");
    expect(spec).toContain("KIND:       Deployment");
    expect(spec).toContain("DeploymentSpec is the specification of the desired behavior of the");
    expect(spec).toMatch(/replicas\s+<integer>/);
    expect(spec).toMatch(/selector\s+<LabelSelector> -required-/);
    expect(spec).toMatch(/template\s+<PodTemplateSpec> -required-/);
    const port = await c.kubectlOk(["explain", "deployment.spec.template.spec.containers.ports.containerPort"]);
    expect(port).toContain("FIELD: containerPort <integer>");
    const data = await c.kubectlOk(["explain", "secret.data"]);
    expect(data).toContain("FIELD: data <map[string]string>");
    const target = await c.kubectlOk(["explain", "service.spec.ports.targetPort"]);
    expect(target).toContain("FIELD: targetPort <IntOrString>");
  });

  it("/openapi/v2 (JSON) and /openapi/v3 carry the same definitions, tagged with their kinds", async () => {
    const v2 = (await apiRequest(c.server, "GET", "/openapi/v2")).json<{
      definitions: Record<string, { required?: string[]; "x-kubernetes-group-version-kind"?: unknown }>;
    }>();
    const dep = v2.definitions["io.k8s.api.apps.v1.Deployment"];
    expect(dep?.["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", version: "v1", kind: "Deployment" }]);
    expect(v2.definitions["io.k8s.api.apps.v1.DeploymentSpec"]?.required).toEqual(["selector", "template"]);
    const index = (await apiRequest(c.server, "GET", "/openapi/v3")).json<{
      paths: Record<string, { serverRelativeURL: string }>;
    }>();
    const apps = (await apiRequest(c.server, "GET", index.paths["apis/apps/v1"]!.serverRelativeURL)).json<{
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    }>();
    expect(apps.components.schemas["io.k8s.api.apps.v1.DeploymentSpec"]?.properties?.["selector"]).toMatchObject({
      allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector" }],
    });
    expect(apps.components.schemas["io.k8s.api.core.v1.ContainerPort"]).toBeDefined();
  });

  it("/openapi/v3 answers hashed URLs as cacheable for good, old hashes with a redirect, and 304s", async () => {
    const indexRes = await apiRequest(c.server, "GET", "/openapi/v3");
    expect(indexRes.headers["cache-control"]).toBe("no-cache, private");
    const indexEtag = String(indexRes.headers["etag"]);
    expect(indexEtag).toMatch(/^"[0-9A-F]{128}"$/);
    expect((await apiRequest(c.server, "GET", "/openapi/v3", { headers: { "If-None-Match": indexEtag } })).status).toBe(
      304,
    );
    const url = indexRes.json<{ paths: Record<string, { serverRelativeURL: string }> }>().paths["api/v1"]!
      .serverRelativeURL;
    const hash = /\?hash=([0-9A-F]{128})$/.exec(url)?.[1];
    expect(hash).toBeDefined();
    const hashed = await apiRequest(c.server, "GET", url);
    expect(hashed.status).toBe(200);
    expect(hashed.headers["etag"]).toBe(`"${hash}"`);
    expect(hashed.headers["cache-control"]).toBe("public, immutable");
    expect(hashed.headers["vary"]).toBe("Accept");
    expect(Date.parse(String(hashed.headers["expires"]))).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    expect(hashed.headers["last-modified"]).toBeDefined();
    const again = await apiRequest(c.server, "GET", url, { headers: { "If-None-Match": `"${hash}"` } });
    expect([again.status, again.body, again.headers["cache-control"]]).toEqual([304, "", "public, immutable"]);
    const plain = await apiRequest(c.server, "GET", "/openapi/v3/api/v1");
    expect([plain.status, plain.headers["etag"], plain.headers["cache-control"]]).toEqual([
      200,
      `"${hash}"`,
      "no-cache, private",
    ]);
    expect(plain.body).toBe(hashed.body);
    const proto = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf";
    expect((await apiRequest(c.server, "GET", url, { headers: { Accept: proto } })).status).toBe(406);
    const either = await apiRequest(c.server, "GET", url, { headers: { Accept: `${proto}, application/json` } });
    expect([either.status, either.headers["content-type"]]).toEqual([200, "application/json"]);
    const stale = await apiRequest(c.server, "GET", "/openapi/v3/api/v1?hash=0123ABCD");
    expect([stale.status, stale.headers["location"]]).toEqual([301, url]);
  });

  it("/openapi/v2 answers with an ETag per representation, 304 when unchanged, 406 for what it cannot serve", async () => {
    const json = await apiRequest(c.server, "GET", "/openapi/v2");
    expect(json.headers["etag"]).toMatch(/^"[0-9A-F]{128}"$/);
    expect(json.headers["vary"]).toBe("Accept");
    const cached = await apiRequest(c.server, "GET", "/openapi/v2", {
      headers: { "If-None-Match": String(json.headers["etag"]) },
    });
    expect([cached.status, cached.body]).toEqual([304, ""]);
    const proto = await apiRequest(c.server, "GET", "/openapi/v2", {
      headers: { Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" },
    });
    expect(proto.headers["content-type"]).toBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    expect(proto.headers["etag"]).not.toBe(json.headers["etag"]);
    expect((await apiRequest(c.server, "GET", "/openapi/v2", { headers: { Accept: "text/html" } })).status).toBe(406);
  });

  it("kubectl apply --validate=strict refuses unknown fields of built-in kinds; Warn warns", async () => {
    const manifest = JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "strict" },
      data: { a: "1" },
      dta: { b: "2" },
    });
    const strict = await c.kubectl(["apply", "--validate=strict", "-f", "-"], manifest);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('unknown field "dta"');
    const warn = await c.kubectl(["apply", "--validate=warn", "-f", "-"], manifest);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('unknown field "dta"');
  });
});
