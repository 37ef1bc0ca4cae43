import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../src/index.js";
import { KUBECTL, run } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

const PKG = resolve(import.meta.dirname, "..");
const CM = "/api/v1/namespaces/default/configmaps";

interface List {
  metadata: { resourceVersion: string };
  items: { metadata: { name: string; uid: string; resourceVersion: string } }[];
}

describe("persistence in a data directory", () => {
  let dir: string;
  const servers: ApiServer[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-apiserver-data-"));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("restarts with the same objects, CRDs served again, and increasing resourceVersions", async () => {
    const data = join(dir, "restart");
    const s1 = await startApiServer({ dataDir: data, simulateWorkloads: false });
    servers.push(s1);
    for (const name of ["one", "two", "three"]) {
      expect(
        (await apiRequest(s1, "POST", CM, { body: JSON.stringify({ metadata: { name }, data: { name } }) })).status,
      ).toBe(201);
    }
    expect((await apiRequest(s1, "DELETE", `${CM}/two`)).status).toBe(200);
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gizmos.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "gizmos", kind: "Gizmo" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    };
    expect(
      (
        await apiRequest(s1, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
          body: JSON.stringify(crd),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await apiRequest(s1, "POST", "/apis/example.com/v1/namespaces/default/gizmos", {
          body: JSON.stringify({
            apiVersion: "example.com/v1",
            kind: "Gizmo",
            metadata: { name: "g" },
            spec: { x: 1 },
          }),
        })
      ).status,
    ).toBe(201);
    const before = (await apiRequest(s1, "GET", CM)).json<List>();
    await s1.stop();

    const s2 = await startApiServer({ dataDir: data, simulateWorkloads: false });
    servers.push(s2);
    const after = (await apiRequest(s2, "GET", CM)).json<List>();
    // kube-root-ca.crt is re-published at start (the serving CA is new each time).
    const stored = (l: List) =>
      l.items
        .filter((i) => i.metadata.name !== "kube-root-ca.crt")
        .map((i) => [i.metadata.name, i.metadata.uid, i.metadata.resourceVersion]);
    expect(stored(after)).toEqual(stored(before));
    expect(stored(after).map(([name]) => name)).toEqual(["one", "three"]);
    const gizmo = await apiRequest(s2, "GET", "/apis/example.com/v1/namespaces/default/gizmos/g");
    expect(gizmo.json<{ spec: { x: number } }>().spec.x).toBe(1);
    const created = (await apiRequest(s2, "POST", CM, { body: JSON.stringify({ metadata: { name: "four" } }) })).json<
      List["items"][0]
    >();
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    const namespaces = (await apiRequest(s2, "GET", "/api/v1/namespaces")).json<List>();
    expect(namespaces.items.map((n) => n.metadata.name)).toEqual([
      "default",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
  });

  it("keeps every acknowledged write after kill -9", async () => {
    const build = spawnSync(join(PKG, "../../node_modules/.bin/tsc"), ["-b", "tsconfig.build.json"], {
      cwd: PKG,
      encoding: "utf8",
    });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const data = join(dir, "kill9");
    const kubeconfig = join(dir, "kill9.kubeconfig");
    const child = spawn(
      process.execPath,
      [
        join(PKG, "dist/main.js"),
        "--port",
        "0",
        "--data-dir",
        data,
        "--kubeconfig",
        kubeconfig,
        "--no-simulate-workloads",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<void>((r) => child.on("close", () => r()));
    await new Promise<void>((resolvePromise, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes('"msg":"serving"')) resolvePromise();
      });
      child.on("close", (code) => reject(new Error(`server exited early (${code}): ${out}`)));
    });
    const list = ["apiVersion: v1", "kind: List", "items:"];
    for (let i = 0; i < 40; i++)
      list.push(`- {apiVersion: v1, kind: ConfigMap, metadata: {name: k-${i}}, data: {i: "${i}"}}`);
    const env = { PATH: process.env["PATH"] ?? "", HOME: dir };
    const applied = await run(KUBECTL, ["--kubeconfig", kubeconfig, "apply", "-f", "-"], {
      env,
      input: `${list.join("\n")}\n`,
    });
    expect(applied.code, applied.stderr).toBe(0);
    const deleted = await run(KUBECTL, ["--kubeconfig", kubeconfig, "delete", "cm", "k-0", "k-1"], { env });
    expect(deleted.code, deleted.stderr).toBe(0);
    child.kill("SIGKILL");
    await exited;

    const s = await startApiServer({ dataDir: data, simulateWorkloads: false });
    servers.push(s);
    const names = (await apiRequest(s, "GET", CM)).json<List>().items.map((i) => i.metadata.name);
    expect(names.filter((n) => n.startsWith("k-")).sort()).toEqual(
      Array.from({ length: 38 }, (_, i) => `k-${i + 2}`).sort(),
    );
  });
});
