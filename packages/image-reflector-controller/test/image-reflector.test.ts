// The image-reflector-controller against Debian's docker-registry (basic auth through a dockerconfigjson
// Secret) and the embedded API server: scans with the default exclusion list, every policy kind picking the
// right tag, digest reflection, a new tag moving the latest ref (with an event), tags served after a restart
// without a rescan, and the errors of a bad image, a missing Secret and wrong credentials.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImagePolicy, ImageRepository } from "@sluice/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createImageObject,
  createPullSecret,
  pushImage,
  type ReflectorEnv,
  readyNow,
  requestReconcile,
  startReflectorEnv,
  waitForObject,
} from "./support/env.js";

describe("image-reflector-controller", () => {
  let env: ReflectorEnv;
  let work: string;
  const digests = new Map<string, string>();
  const tags = ["1.0.0", "1.2.0", "v1.10.1", "2.0.0-rc.1", "main-a1-100", "main-b2-99", "sha256-abc.sig"];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "image-reflector-"));
    env = await startReflectorEnv(join(work, "data"));
    for (const tag of tags) digests.set(tag, (await pushImage(env, "team/app", [tag])).digest);
    await createPullSecret(env, "regcred");
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("scans the tags into the status, leaving out cosign signatures", async () => {
    await createImageObject(env, "ImageRepository", "app", {
      image: `${env.registry.host}/team/app`,
      interval: "1h",
      insecure: true,
      secretRef: { name: "regcred" },
    });
    const repo = await waitForObject<ImageRepository>(env, "ImageRepository", "app", readyNow, "Ready");
    expect(repo.status?.canonicalImageName).toBe(`${env.registry.host}/team/app`);
    expect(repo.status?.observedExclusionList).toEqual(["^.*\\.sig$"]);
    expect(repo.status?.lastScanResult?.tagCount).toBe(6);
    expect(repo.status?.lastScanResult?.revision).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(repo.status?.lastScanResult?.latestTags).toEqual([
      "v1.10.1",
      "main-b2-99",
      "main-a1-100",
      "2.0.0-rc.1",
      "1.2.0",
      "1.0.0",
    ]);
    expect(conditionOf(repo, "Ready")?.message).toBe(
      `successful scan: found 6 tags with checksum ${repo.status?.lastScanResult?.revision}`,
    );
  });

  it.each([
    ["semver", { policy: { semver: { range: ">=1.0.0 <2.0.0" } } }, "v1.10.1"],
    ["semver-pre", { policy: { semver: { range: ">=2.0.0-0" } } }, "2.0.0-rc.1"],
    ["alpha", { policy: { alphabetical: { order: "asc" } } }, "v1.10.1"],
    ["alpha-desc", { policy: { alphabetical: { order: "desc" } } }, "1.0.0"],
    [
      "numerical",
      {
        policy: { numerical: { order: "asc" } },
        filterTags: { pattern: "^main-[a-z0-9]+-(?P<ts>[0-9]+)$", extract: "$ts" },
      },
      "main-a1-100",
    ],
  ])("policy %s (%j) picks %s", async (name, spec, want) => {
    await createImageObject(env, "ImagePolicy", name, { imageRepositoryRef: { name: "app" }, ...spec });
    const policy = await waitForObject<ImagePolicy>(env, "ImagePolicy", name, readyNow, "Ready");
    expect(policy.status?.latestRef).toEqual({ name: `${env.registry.host}/team/app`, tag: want });
    expect(conditionOf(policy, "Ready")?.message).toBe(
      `Latest image tag for ${env.registry.host}/team/app resolved to ${want}`,
    );
  });

  it("reflects the digest with IfNotPresent", async () => {
    await createImageObject(env, "ImagePolicy", "digest", {
      imageRepositoryRef: { name: "app" },
      policy: { semver: { range: "1.x" } },
      digestReflectionPolicy: "IfNotPresent",
    });
    const policy = await waitForObject<ImagePolicy>(env, "ImagePolicy", "digest", readyNow, "Ready");
    expect(policy.status?.latestRef).toEqual({
      name: `${env.registry.host}/team/app`,
      tag: "v1.10.1",
      digest: digests.get("v1.10.1"),
    });
  });

  it("moves the latest ref when a newer tag is pushed, keeping the previous one and sending an event", async () => {
    const pushed = await pushImage(env, "team/app", ["v1.11.0"]);
    await requestReconcile(env, "ImageRepository", "app");
    const policy = await waitForObject<ImagePolicy>(
      env,
      "ImagePolicy",
      "digest",
      (p) => p.status?.latestRef?.tag === "v1.11.0",
      "latest v1.11.0",
    );
    expect(policy.status?.latestRef?.digest).toBe(pushed.digest);
    expect(policy.status?.observedPreviousRef?.tag).toBe("v1.10.1");
    const message = `Latest image tag for ${env.registry.host}/team/app resolved to v1.11.0 with digest ${pushed.digest} (previously ${env.registry.host}/team/app:v1.10.1@${digests.get("v1.10.1")})`;
    expect(conditionOf(policy, "Ready")?.message).toBe(message);
    await expect.poll(() => env.sink.events.some((e) => e.message === message && e.severity === "info")).toBe(true);
  });

  it("serves the stored tags after a restart without scanning again", async () => {
    const listed = () => env.registry.requests.filter((r) => r.path.startsWith("/v2/team/app/tags/list")).length;
    await new Promise((r) => setTimeout(r, 300));
    const before = listed();
    expect(before).toBeGreaterThan(0);
    await env.restart();
    await createImageObject(env, "ImagePolicy", "after-restart", {
      imageRepositoryRef: { name: "app" },
      policy: { semver: { range: ">=1.0.0" } },
    });
    const policy = await waitForObject<ImagePolicy>(env, "ImagePolicy", "after-restart", readyNow, "Ready");
    expect(policy.status?.latestRef?.tag).toBe("v1.11.0");
    const repo = await waitForObject<ImageRepository>(env, "ImageRepository", "app", readyNow, "Ready");
    expect(repo.status?.lastScanResult?.tagCount).toBe(7);
    expect(listed()).toBe(before);
  });

  it("reflects the digest on every run with Always", async () => {
    await createImageObject(env, "ImagePolicy", "always", {
      imageRepositoryRef: { name: "app" },
      policy: { semver: { range: ">=1.0.0 <2.0.0" } },
      digestReflectionPolicy: "Always",
      interval: "1m",
    });
    const policy = await waitForObject<ImagePolicy>(env, "ImagePolicy", "always", readyNow, "Ready");
    expect(policy.status?.latestRef?.tag).toBe("v1.11.0");
    expect(policy.status?.latestRef?.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it("refuses a policy in another namespace until accessFrom lets that namespace in", async () => {
    const c = env.cluster.client;
    await c.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "tenant", labels: { team: "web" } } });
    const ref = { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy", namespace: "tenant", name: "cross" };
    await c.create({
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImagePolicy",
      metadata: { namespace: "tenant", name: "cross" },
      spec: { imageRepositoryRef: { name: "app", namespace: env.namespace }, policy: { alphabetical: {} } },
    } as never);
    const waitCross = async (check: (p: ImagePolicy) => boolean) => {
      for (let i = 0; i < 600; i++) {
        const p = await c.getOptional<ImagePolicy & { apiVersion: string; kind: string }>(ref);
        if (p && check(p)) return p;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("timed out waiting for ImagePolicy tenant/cross");
    };
    const denied = await waitCross((p) => conditionOf(p, "Ready")?.reason === "AccessDenied");
    expect(conditionOf(denied, "Ready")?.message).toContain("cross-namespace reference refused by accessFrom");
    await c.patch(
      { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository", namespace: env.namespace, name: "app" },
      { spec: { accessFrom: { namespaceSelectors: [{ matchLabels: { team: "web" } }] } } },
      { type: "application/merge-patch+json" },
    );
    const allowed = await waitCross((p) => conditionOf(p, "Ready")?.status === "True");
    expect(allowed.status?.latestRef?.tag).toBe("v1.11.0");
  });

  it("stalls on an image with a tag and fails auth on a missing Secret or a wrong password", async () => {
    await createImageObject(env, "ImageRepository", "tagged", {
      image: `${env.registry.host}/team/app:v1`,
      interval: "1h",
    });
    const tagged = await waitForObject<ImageRepository>(
      env,
      "ImageRepository",
      "tagged",
      (r) => conditionOf(r, "Stalled")?.status === "True",
      "Stalled",
    );
    expect(conditionOf(tagged, "Ready")).toMatchObject({ status: "False", reason: "ImageURLInvalid" });
    expect(conditionOf(tagged, "Ready")?.message).toBe(
      `image '${env.registry.host}/team/app:v1' should not include a tag; remove ':v1'`,
    );

    await createImageObject(env, "ImageRepository", "nosecret", {
      image: `${env.registry.host}/team/app`,
      interval: "1h",
      insecure: true,
      secretRef: { name: "missing" },
    });
    const nosecret = await waitForObject<ImageRepository>(
      env,
      "ImageRepository",
      "nosecret",
      (r) => conditionOf(r, "Ready")?.reason === "AuthenticationFailed",
      "AuthenticationFailed",
    );
    expect(conditionOf(nosecret, "Ready")?.message).toContain(
      "failed to configure authentication options: failed to get secret 'apps/missing'",
    );

    await createPullSecret(env, "wrong", "not-the-password");
    await createImageObject(env, "ImageRepository", "wrongpass", {
      image: `${env.registry.host}/team/app`,
      interval: "1h",
      insecure: true,
      secretRef: { name: "wrong" },
    });
    const wrong = await waitForObject<ImageRepository>(
      env,
      "ImageRepository",
      "wrongpass",
      (r) => conditionOf(r, "Ready")?.reason === "ReadOperationFailed",
      "ReadOperationFailed",
    );
    const msg = conditionOf(wrong, "Ready")?.message ?? "";
    expect(msg).toMatch(/^scan failed: GET http:\/\/127\.0\.0\.1:\d+\/v2\/team\/app\/tags\/list\?n=1000: UNAUTHORIZED/);
    expect(msg).not.toContain("not-the-password");
    expect(JSON.stringify(env.sink.events)).not.toContain("not-the-password");
  });
});
