// Image automation end to end through `sluice up`'s controllers: a tag pushed to Debian's docker-registry
// becomes a commit in the Git repository (by the configured author, with the templated message, the marker
// kept) and the Kustomization rolls the Deployment to the new image; an older tag pushed later changes nothing.

import { git, hasDockerRegistry, type OciRegistry, startOciRegistry } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type GitOpsEnv, hasController, startGitOpsEnv } from "../support/gitops-env.js";
import {
  applyImageObjects,
  deployedImage,
  fleetFiles,
  IMAGE_NS,
  pushPodinfo,
  tagToDeployment,
  waitSettled,
} from "../support/image-scenario.js";

describe.skipIf(!hasController("image-automation-controller"))("image automation (tag → Git → Deployment)", () => {
  let env: GitOpsEnv;
  let registry: OciRegistry;
  let bare: string;

  beforeAll(async () => {
    if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (apt-get install docker-registry)");
    env = await startGitOpsEnv();
    registry = await startOciRegistry();
    await pushPodinfo(registry, "1.0.0");
    const { repo, url } = await env.createRepo("fleet");
    bare = repo.bare;
    await repo.commit(fleetFiles(`${registry.host}/team/podinfo:1.0.0`), "fleet");
    await repo.push();
    await applyImageObjects(env, registry, url);
    await waitSettled(env, `${registry.host}/team/podinfo:1.0.0`);
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    await registry?.stop();
  });

  it("rolls the Deployment to a newly pushed tag through a commit in Git", async () => {
    const { commit } = await tagToDeployment(env, registry, "1.1.0");
    expect(await git(bare, ["rev-parse", "main"])).toBe(commit);
    expect(await git(bare, ["log", "-1", "--format=%an <%ae>%n%B", "main"])).toBe(
      `Sluice <sluice@example.com>\nUpdate images\n\n${registry.host}/team/podinfo:1.0.0 -> ${registry.host}/team/podinfo:1.1.0`,
    );
    expect(await git(bare, ["show", "main:apps/deployment.yaml"])).toContain(
      `image: ${registry.host}/team/podinfo:1.1.0 # {"$imagepolicy": "${IMAGE_NS}:podinfo"}`,
    );
    const policy = await env.get("imagepolicy", "podinfo", IMAGE_NS);
    expect((policy?.["status"] as { latestRef?: unknown } | undefined)?.latestRef).toEqual({
      name: `${registry.host}/team/podinfo`,
      tag: "1.1.0",
    });
  });

  it("ignores an older tag", async () => {
    const head = await git(bare, ["rev-parse", "main"]);
    await pushPodinfo(registry, "1.0.1");
    await env.requestReconcile("imagerepository", "podinfo", IMAGE_NS);
    await eventually("the scan to see 1.0.1", async () => {
      const repo = await env.get("imagerepository", "podinfo", IMAGE_NS);
      return (
        (repo?.["status"] as { lastScanResult?: { tagCount?: number } } | undefined)?.lastScanResult?.tagCount === 3
      );
    });
    await env.requestReconcile("imageupdateautomation", "fleet", IMAGE_NS);
    await eventually("the automation to run again", async () => {
      const auto = await env.get("imageupdateautomation", "fleet", IMAGE_NS);
      const s = auto?.["status"] as {
        lastHandledReconcileAt?: string;
        conditions?: { type: string; status: string }[];
      };
      return Boolean(s.lastHandledReconcileAt) && s.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    });
    expect(await git(bare, ["rev-parse", "main"])).toBe(head);
    expect(await deployedImage(env)).toBe(`${registry.host}/team/podinfo:1.1.0`);
  });
});
