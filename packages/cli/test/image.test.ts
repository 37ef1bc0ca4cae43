// Image commands against the API server, the real image-reflector-controller and Debian's docker-registry:
// create image repository/policy/update (and --export), get images, reconcile image repository,
// suspend/resume image repository.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createImageReflectorController } from "@sluice/image-reflector-controller";
import { hasDockerRegistry, type OciRegistry, pushArtifact, startOciRegistry } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

async function pushTag(registry: OciRegistry, tag: string): Promise<void> {
  await pushArtifact(registry, {
    repository: "team/app",
    tags: [tag],
    config: { mediaType: "application/vnd.oci.image.config.v1+json", data: Buffer.from(`{"t":"${tag}"}`) },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", data: Buffer.from(tag) }],
  });
}

describe("sluice image commands", () => {
  let env: CliEnv;
  let registry: OciRegistry;
  let storage: string;
  const abort = new AbortController();
  let running: Promise<void>;
  beforeAll(async () => {
    if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (apt-get install docker-registry)");
    env = await startCliEnv();
    registry = await startOciRegistry();
    for (const tag of ["1.0.0", "1.1.0"]) await pushTag(registry, tag);
    storage = await mkdtemp(join(tmpdir(), "cli-image-"));
    const controller = createImageReflectorController({
      kubeConfig: env.cluster.kubeConfig,
      storagePath: storage,
      metricsAddr: "0",
      healthAddr: "0",
      rateLimit: false,
    });
    running = controller.start(abort.signal).catch(() => undefined);
  }, 60_000);
  afterAll(async () => {
    abort.abort();
    await running;
    await env?.stop();
    await registry?.stop();
    await rm(storage, { recursive: true, force: true });
  });

  it("create image repository|policy|update --export print Flux's YAML", async () => {
    const repo = await env.sluice(
      "create",
      "image",
      "repository",
      "app",
      "--image",
      "ghcr.io/org/app",
      "--interval",
      "5m",
      "--secret-ref",
      "regcred",
      "--export",
    );
    expect(repo.code).toBe(0);
    expect(parse(repo.stdout)).toEqual({
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImageRepository",
      metadata: { name: "app", namespace: "flux-system" },
      spec: { image: "ghcr.io/org/app", interval: "5m0s", secretRef: { name: "regcred" } },
    });
    const policy = await env.sluice(
      "create",
      "image",
      "policy",
      "app",
      "--image-ref",
      "app",
      "--select-numeric",
      "asc",
      "--filter-regex",
      "^main-[a-f0-9]+-(?P<ts>[0-9]+)",
      "--filter-extract",
      "$ts",
      "--export",
    );
    expect(parse(policy.stdout)).toEqual({
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImagePolicy",
      metadata: { name: "app", namespace: "flux-system" },
      spec: {
        imageRepositoryRef: { name: "app" },
        policy: { numerical: { order: "asc" } },
        filterTags: { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)", extract: "$ts" },
      },
    });
    const update = await env.sluice(
      "create",
      "image",
      "update",
      "fleet",
      "--git-repo-ref",
      "fleet",
      "--git-repo-path",
      "./apps",
      "--checkout-branch",
      "main",
      "--push-branch",
      "image-updates",
      "--author-name",
      "Flux",
      "--author-email",
      "flux@example.com",
      "--export",
    );
    expect(parse(update.stdout)).toEqual({
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImageUpdateAutomation",
      metadata: { name: "fleet", namespace: "flux-system" },
      spec: {
        interval: "1m0s",
        sourceRef: { kind: "GitRepository", name: "fleet" },
        git: {
          commit: { author: { email: "flux@example.com", name: "Flux" } },
          checkout: { ref: { branch: "main" } },
          push: { branch: "image-updates" },
        },
        update: { strategy: "Setters", path: "./apps" },
      },
    });
    const bad = await env.sluice("create", "image", "policy", "x", "--image-ref", "app", "--export");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("exactly one of --select-semver, --select-numeric or --select-alpha is required");
  });

  it("creates a repository and a policy, waits for them and lists them", async () => {
    const repo = await env.sluice(
      "create",
      "image",
      "repository",
      "app",
      "--image",
      `${registry.host}/team/app`,
      "--insecure",
      "--interval",
      "1h",
    );
    expect(repo.stderr).toContain("✔ fetched 2 tags");
    expect(repo.code).toBe(0);
    const policy = await env.sluice(
      "create",
      "image",
      "policy",
      "app",
      "--image-ref",
      "app",
      "--select-semver",
      ">=1.0.0",
    );
    expect(policy.stderr).toContain(`✔ selected ref ${registry.host}/team/app:1.1.0`);
    const all = await env.sluice("get", "images", "all");
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/imagerepository\/app\s+\S+\s+False\s+True\s+successful scan: found 2 tags/);
    expect(all.stdout).toContain(`imagepolicy/app`);
    expect(all.stdout).toContain(`${registry.host}/team/app:1.1.0`);
  });

  it("reconciles a repository to find a new tag, and suspends and resumes it", async () => {
    await pushTag(registry, "1.2.0");
    const r = await env.sluice("reconcile", "image", "repository", "app");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("✔ fetched 3 tags");
    const s = await env.sluice("suspend", "image", "repository", "app");
    expect(s.code).toBe(0);
    expect((await env.sluice("get", "images", "repository")).stdout).toMatch(/app\s+\S+\s+True\s+/);
    const again = await env.sluice("reconcile", "image", "repository", "app");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("resource is suspended");
    expect((await env.sluice("resume", "image", "repository", "app")).code).toBe(0);
    expect((await env.sluice("get", "images", "repository")).stdout).toMatch(/app\s+\S+\s+False\s+/);
  });
});
