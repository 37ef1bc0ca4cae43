// The docker-registry test server and the OCI client against each other: push (testkit and client), resolve,
// list tags, blob download with digest verification, basic auth, and a real `helm push` to the registry.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveTool } from "@sluice/runtime";
import {
  FLUX_CONTENT_MEDIA_TYPE,
  helmPushChart,
  type OciRegistry,
  pushArtifact,
  startOciRegistry,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const auth = { username: "tester", password: "s3cret" };

describe("docker-registry test server", () => {
  let registry: OciRegistry;
  let work: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir("oci-registry-");
    registry = await startOciRegistry({ auth });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await work?.remove();
  });

  it("accepts pushed artifacts with basic auth and refuses anonymous reads", async () => {
    const pushed = await pushArtifact(registry, {
      repository: "org/app",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: Buffer.from("layer") }],
      annotations: { "org.opencontainers.image.revision": "main@sha1:abc" },
      auth,
    });
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const deadline = Date.now() + 10_000;
    const manifestPut = () =>
      registry.requests.find((r) => r.method === "PUT" && r.path === "/v2/org/app/manifests/v1");
    while (!manifestPut() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(manifestPut()?.status).toBe(201);
    const anon = await fetch(`${registry.url}/v2/org/app/tags/list`);
    expect(anon.status).toBe(401);
    const authed = await fetch(`${registry.url}/v2/org/app/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` },
    });
    expect(await authed.json()).toEqual({ name: "org/app", tags: ["v1"] });
  });

  it("takes a chart from the real helm push", async () => {
    const helm = resolveTool("helm").path;
    const env = { ...process.env, HELM_CACHE_HOME: join(work.path, "c"), HELM_CONFIG_HOME: join(work.path, "h") };
    await run(helm, ["create", "podinfo"], { cwd: work.path, env });
    await run(helm, ["package", join(work.path, "podinfo"), "--destination", work.path], { env });
    const out = await helmPushChart(helm, registry, join(work.path, "podinfo-0.1.0.tgz"), "charts", { auth });
    expect(out).toContain("Digest: sha256:");
    const res = await fetch(`${registry.url}/v2/charts/podinfo/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` },
    });
    expect(await res.json()).toEqual({ name: "charts/podinfo", tags: ["0.1.0"] });
  }, 60_000);
});
