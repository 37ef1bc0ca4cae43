// helm-controller's post-rendering, done in the controller: in Flux's order, each kustomize post-renderer
// (patches and images, through `kubectl kustomize`), then commonMetadata, then the owner labels
// `helm.toolkit.fluxcd.io/name` and `/namespace`. Helm hands the rendered manifests over through the
// post-render channel (post-render-channel.ts); nothing here runs as its own process but kubectl.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { HelmLabel, type HelmRelease, type KustomizePostRenderer } from "@sluice/api";
import { parseAllDocuments, stringify } from "yaml";

const run = promisify(execFile);

/** What one HelmRelease's post-rendering does. */
export interface PostRenderConfig {
  kubectl: string;
  kustomize: KustomizePostRenderer[];
  commonMetadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  ownerLabels: Record<string, string>;
}

/** The post-render config of a HelmRelease: kustomize post-renderers, commonMetadata, owner labels. */
export function postRenderConfig(hr: HelmRelease, kubectlPath: string): PostRenderConfig {
  return {
    kubectl: kubectlPath,
    kustomize: (hr.spec.postRenderers ?? []).flatMap((p) => (p.kustomize ? [p.kustomize] : [])),
    commonMetadata: hr.spec.commonMetadata ?? {},
    ownerLabels: {
      [HelmLabel.Name]: hr.metadata.name ?? "",
      [HelmLabel.Namespace]: hr.metadata.namespace ?? "",
    },
  };
}

async function kustomize(kubectl: string, manifests: string, spec: KustomizePostRenderer) {
  const dir = await mkdtemp(join(tmpdir(), "sluice-post-render-"));
  try {
    await writeFile(join(dir, "resources.yaml"), manifests);
    const kustomization: Record<string, unknown> = {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["resources.yaml"],
    };
    if (spec.patches?.length) kustomization["patches"] = spec.patches;
    if (spec.images?.length) kustomization["images"] = spec.images;
    await writeFile(join(dir, "kustomization.yaml"), stringify(kustomization));
    const { stdout } = await run(kubectl, ["kustomize", dir], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Post-renders helm's rendered manifests as `config` says; rejects with the reason on bad input. */
export async function postRender(manifests: string, config: PostRenderConfig): Promise<string> {
  let text = manifests;
  for (const spec of config.kustomize) text = await kustomize(config.kubectl, text, spec);
  const labels = { ...(config.commonMetadata.labels ?? {}), ...config.ownerLabels };
  const annotations = config.commonMetadata.annotations ?? {};
  const out: string[] = [];
  // YAML 1.1 like helm's parser: `yes`/`on` are booleans there, so such strings must stay quoted.
  for (const doc of parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length > 0) throw new Error(`invalid rendered YAML: ${doc.errors[0]?.message ?? ""}`);
    const obj = doc.toJS() as { metadata?: Record<string, unknown> } | null;
    if (!obj || typeof obj !== "object") continue;
    obj.metadata ??= {};
    const metadata = obj.metadata;
    if (Object.keys(labels).length > 0) {
      metadata["labels"] = { ...((metadata["labels"] as Record<string, string> | undefined) ?? {}), ...labels };
    }
    if (Object.keys(annotations).length > 0) {
      const existing = (metadata["annotations"] as Record<string, string> | undefined) ?? {};
      metadata["annotations"] = { ...existing, ...annotations };
    }
    out.push(stringify(obj, { version: "1.1" }));
  }
  return out.map((d) => `---\n${d}`).join("");
}
