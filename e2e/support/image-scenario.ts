// The image automation loop end to end, shared by the e2e test and `pnpm bench`: Debian's docker-registry
// holds `team/podinfo` tags, a Git repository holds a Deployment whose image field carries an
// `$imagepolicy` marker, and `sluice up`'s controllers run ImageRepository → ImagePolicy →
// ImageUpdateAutomation (commit + push) → GitRepository → Kustomization → Deployment. The registry and Git
// webhooks a cluster would have are played by reconcile requests: the ImageRepository's right after a tag
// is pushed, the GitRepository's as soon as the automation has pushed.

import type { UnstructuredObject } from "@sluice/runtime";
import { type FixtureRepo, type OciRegistry, pushArtifact } from "@sluice/testkit";
import { type GitOpsEnv, readyCondition } from "./gitops-env.js";

export const IMAGE_NS = "flux-system";
export const IMAGE_APP_NS = "image-app";
const IMAGE_API = "image.toolkit.fluxcd.io/v1";

/** The latest tag ImagePolicy podinfo selected. */
export async function latestTag(env: GitOpsEnv): Promise<string | undefined> {
  const policy = await getObject(env, IMAGE_API, "ImagePolicy", "podinfo", IMAGE_NS);
  return (policy?.["status"] as { latestRef?: { tag?: string } } | undefined)?.latestRef?.tag;
}

/** Polls `probe` every 25 ms (stage timings need finer steps than `eventually`'s); fails after `timeoutMs`. */
async function poll<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Pushes image `team/podinfo:<tag>` (a tiny OCI image) to the registry. */
export async function pushPodinfo(registry: OciRegistry, tag: string): Promise<string> {
  const pushed = await pushArtifact(registry, {
    repository: "team/podinfo",
    tags: [tag],
    config: { mediaType: "application/vnd.oci.image.config.v1+json", data: Buffer.from(`{"tag":"${tag}"}`) },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", data: Buffer.from(`podinfo ${tag}`) }],
  });
  return pushed.digest;
}

/** The fleet repository's files: a namespace and a Deployment running `image`. */
export function fleetFiles(image: string): Record<string, string> {
  return {
    "apps/namespace.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${IMAGE_APP_NS}\n`,
    "apps/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: ${IMAGE_APP_NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: podinfo }
  template:
    metadata:
      labels: { app: podinfo }
    spec:
      containers:
        - name: podinfo
          # The automation updates this field.
          image: ${image} # {"$imagepolicy": "${IMAGE_NS}:podinfo"}
`,
  };
}

/** Gets an object through the API (faster than kubectl for tight polling). */
function getObject(env: GitOpsEnv, apiVersion: string, kind: string, name: string, namespace: string) {
  return env.session.client.getOptional<UnstructuredObject>({ apiVersion, kind, name, namespace });
}

/** The image the Deployment runs now (undefined before it exists). */
export async function deployedImage(env: GitOpsEnv): Promise<string | undefined> {
  const d = await getObject(env, "apps/v1", "Deployment", "podinfo", IMAGE_APP_NS);
  const spec = d?.["spec"] as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image;
}

/** Creates the GitRepository, Kustomization, ImageRepository, ImagePolicy and ImageUpdateAutomation. */
export async function applyImageObjects(env: GitOpsEnv, registry: OciRegistry, gitUrl: string): Promise<void> {
  const docs = [
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "fleet", namespace: IMAGE_NS },
      spec: { url: gitUrl, interval: "10m", ref: { branch: "main" } },
    },
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "apps", namespace: IMAGE_NS },
      spec: { interval: "10m", path: "./apps", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" } },
    },
    {
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImageRepository",
      metadata: { name: "podinfo", namespace: IMAGE_NS },
      spec: { image: `${registry.host}/team/podinfo`, interval: "10m", insecure: true },
    },
    {
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImagePolicy",
      metadata: { name: "podinfo", namespace: IMAGE_NS },
      spec: { imageRepositoryRef: { name: "podinfo" }, policy: { semver: { range: ">=1.0.0" } } },
    },
    {
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImageUpdateAutomation",
      metadata: { name: "fleet", namespace: IMAGE_NS },
      spec: {
        interval: "10m",
        sourceRef: { kind: "GitRepository", name: "fleet" },
        git: {
          checkout: { ref: { branch: "main" } },
          commit: {
            author: { name: "Sluice", email: "sluice@example.com" },
            messageTemplate: "Update images\n{{ range .Changed.Changes }}\n{{ .OldValue }} -> {{ .NewValue }}{{ end }}",
          },
          push: { branch: "main" },
        },
        update: { strategy: "Setters", path: "./apps" },
      },
    },
  ];
  await env.kubectlOk(["apply", "-f", "-"], docs.map((d) => JSON.stringify(d)).join("\n---\n"));
}

/** The automation's last pushed commit, if any. */
export async function lastPushCommit(env: GitOpsEnv): Promise<string | undefined> {
  const auto = await getObject(env, IMAGE_API, "ImageUpdateAutomation", "fleet", IMAGE_NS);
  return (auto?.["status"] as { lastPushCommit?: string } | undefined)?.lastPushCommit;
}

/**
 * Pushes `tag` and drives the loop until the Deployment runs it: reconcile requests stand in for the
 * registry webhook (ImageRepository) and the Git push webhook (GitRepository, once the automation pushed).
 * Returns the milliseconds from the tag push to the Deployment's image change, and the automation's commit.
 */
export async function tagToDeployment(
  env: GitOpsEnv,
  registry: OciRegistry,
  tag: string,
  timeoutMs = 180_000,
): Promise<{ ms: number; commit: string; policyMs: number; pushMs: number }> {
  const before = await lastPushCommit(env);
  const started = performance.now();
  await pushPodinfo(registry, tag);
  await env.requestReconcile("imagerepository", "podinfo", IMAGE_NS);
  await poll(`ImagePolicy podinfo to select ${tag}`, async () => (await latestTag(env)) === tag, timeoutMs);
  const policyMs = performance.now() - started;
  const commit = await poll(
    `the automation to push ${tag}`,
    async () => {
      const c = await lastPushCommit(env);
      return c && c !== before ? c : undefined;
    },
    timeoutMs,
  );
  const pushMs = performance.now() - started;
  await env.requestReconcile("gitrepository", "fleet", IMAGE_NS);
  const want = `${registry.host}/team/podinfo:${tag}`;
  await poll(`Deployment podinfo to run ${want}`, async () => (await deployedImage(env)) === want, timeoutMs);
  return { ms: performance.now() - started, commit, policyMs, pushMs };
}

/** Waits until the loop is settled on `image` (Kustomization Ready, Deployment running it). */
export async function waitSettled(env: GitOpsEnv, image: string, repo?: FixtureRepo): Promise<void> {
  void repo;
  await poll(
    "Kustomization apps Ready",
    async () => readyCondition(await env.get("kustomization", "apps", IMAGE_NS))?.status === "True",
  );
  await poll(`Deployment podinfo to run ${image}`, async () => (await deployedImage(env)) === image);
}
