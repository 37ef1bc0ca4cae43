import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

interface StatusBody {
  code: number;
  reason?: string;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { field: string; reason: string; message: string }[];
  };
}

function deployment(
  name: string,
  extra: { replicas?: unknown; container?: Record<string, unknown>; labels?: unknown } = {},
) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: extra.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: extra.labels ?? { app: name } },
        spec: { containers: [{ name: "web", image: "nginx", ...(extra.container ?? {}) }] },
      },
    },
  };
}

const yaml = (o: unknown) => JSON.stringify(o);

describe("built-in kinds are validated as kube-apiserver validates them", () => {
  let c: TestCluster;
  const req = (method: string, path: string, body: unknown, contentType?: string) =>
    apiRequest(c.server, method, path, {
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...(contentType ? { headers: { "Content-Type": contentType } } : {}),
    });
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("a value of the wrong type is a decode error (400) in the Go decoder's words, through kubectl create", async () => {
    const r = await c.kubectl(["create", "-f", "-"], yaml(deployment("three", { replicas: "three" })));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    const port = await c.kubectl(
      ["create", "-f", "-"],
      yaml(deployment("eighty", { container: { ports: [{ containerPort: "eighty" }] } })),
    );
    expect(port.stderr).toContain(
      "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
    );
    const map = await req("POST", "/apis/apps/v1/namespaces/default/deployments", {
      ...deployment("map"),
      spec: {
        ...deployment("map").spec,
        template: { metadata: { labels: { app: "map" } }, spec: { containers: { web: { image: "nginx" } } } },
      },
    });
    expect(map.status).toBe(400);
    expect(map.json<StatusBody>().reason).toBe("BadRequest");
    expect(map.json<StatusBody>().message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    );
    expect((await c.kubectl(["get", "deployments", "-o", "name"])).stdout).toBe("");
  });

  it("Secret data that is not base64 is refused with Go's base64 error", async () => {
    const r = await c.kubectl(
      ["apply", "-f", "-"],
      yaml({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { password: "not base64!" } }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
  });

  it("server-side apply of a wrong type answers with structured-merge-diff's typed-patch error", async () => {
    const r = await c.kubectl(["apply", "--server-side", "-f", "-"], yaml(deployment("ssa", { replicas: "three" })));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      "failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string",
    );
    const raw = await req(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/ssa?fieldManager=t",
      yaml(deployment("ssa", { container: { ports: [{ containerPort: "eighty" }] } })),
      "application/apply-patch+yaml",
    );
    expect(raw.status).toBe(500);
    expect(raw.json<StatusBody>().reason).toBeUndefined();
    expect(raw.json<StatusBody>().message).toBe(
      'failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="web"].ports[containerPort="eighty",protocol="TCP"].containerPort: expected numeric (int or float), got string',
    );
  });

  it("kind-specific rules answer 422 Invalid with every cause, in kube's format", async () => {
    const bad = deployment("bad", { labels: { app: "other" }, container: { ports: [{ containerPort: 99999 }] } });
    const r = await req("POST", "/apis/apps/v1/namespaces/default/deployments", bad);
    expect(r.status).toBe(422);
    const body = r.json<StatusBody>();
    expect(body.reason).toBe("Invalid");
    expect(body.message).toBe(
      'Deployment.apps "bad" is invalid: [spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`, spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive]',
    );
    expect(body.details).toEqual({
      name: "bad",
      group: "apps",
      kind: "Deployment",
      causes: [
        {
          reason: "FieldValueInvalid",
          message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
          field: "spec.template.metadata.labels",
        },
        {
          reason: "FieldValueInvalid",
          message: "Invalid value: 99999: must be between 1 and 65535, inclusive",
          field: "spec.template.spec.containers[0].ports[0].containerPort",
        },
      ],
    });
    const k = await c.kubectl(["apply", "-f", "-"], yaml(bad));
    expect(k.stderr).toContain('The Deployment "bad" is invalid:');
    expect(k.stderr).toContain("spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 99999");
  });

  it("containers: names unique and DNS-1123, image and name required", async () => {
    const d = deployment("dup");
    d.spec.template.spec.containers = [
      { name: "web", image: "nginx" },
      { name: "web", image: "" },
      { name: "Bad_Name", image: "x" },
    ];
    const r = await req("POST", "/apis/apps/v1/namespaces/default/deployments", d);
    expect(r.status).toBe(422);
    const fields = (r.json<StatusBody>().details?.causes ?? []).map((x) => `${x.field}: ${x.message}`);
    expect(fields).toContain('spec.template.spec.containers[1].name: Duplicate value: "web"');
    expect(fields).toContain("spec.template.spec.containers[1].image: Required value");
    expect(
      fields.some((f) =>
        f.startsWith('spec.template.spec.containers[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label'),
      ),
    ).toBe(true);
  });

  it("Services: ports, names, protocols and types", async () => {
    const r = await req("POST", "/api/v1/namespaces/default/services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc" },
      spec: { type: "Cluster", ports: [{ port: 70000 }, { port: 80, protocol: "tcp" }] },
    });
    expect(r.status).toBe(422);
    const fields = (r.json<StatusBody>().details?.causes ?? []).map((x) => `${x.field}: ${x.message}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.type: Unsupported value: "Cluster": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        "spec.ports[0].name: Required value",
        "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        'spec.ports[1].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
      ]),
    );
  });

  it("Secret and ConfigMap keys must be valid config keys", async () => {
    const s = await req("POST", "/api/v1/namespaces/default/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "keys" },
      stringData: { "bad key": "x" },
    });
    expect(s.status).toBe(422);
    expect(s.json<StatusBody>().message).toBe(
      `Secret "keys" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    );
    const cm = await req("POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "dup" },
      data: { a: "1" },
      binaryData: { a: "MQ==" },
    });
    expect(cm.status).toBe(422);
    expect(cm.json<StatusBody>().details?.causes?.map((x) => x.field)).toEqual(["data[a]", "binaryData[a]"]);
  });

  it("a Job needs restartPolicy OnFailure or Never", async () => {
    const r = await c.kubectl(
      ["create", "-f", "-"],
      yaml({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j" },
        spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } },
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
  });

  it("valid objects are accepted unchanged by every path", async () => {
    expect((await c.kubectl(["apply", "-f", "-"], yaml(deployment("ok")))).code).toBe(0);
    expect((await c.kubectl(["apply", "--server-side", "-f", "-"], yaml(deployment("ok2")))).code).toBe(0);
    const r = await c.kubectl(["create", "secret", "generic", "g", "--from-literal=a=b"]);
    expect(r.code).toBe(0);
    // A port applied without protocol merges with the live, defaulted 8080/TCP item (no duplicate port).
    const withPort = yaml(deployment("ported", { container: { ports: [{ containerPort: 8080, name: "http" }] } }));
    expect((await c.kubectl(["create", "-f", "-"], withPort)).code).toBe(0);
    const applied = await c.kubectl(["apply", "--server-side", "--force-conflicts", "-f", "-"], withPort);
    expect(applied.stderr).toBe("");
    expect(
      await c.kubectlOk(["get", "deployment", "ported", "-o", "jsonpath={.spec.template.spec.containers[0].ports}"]),
    ).toBe('[{"containerPort":8080,"name":"http","protocol":"TCP"}]');
  });
});
