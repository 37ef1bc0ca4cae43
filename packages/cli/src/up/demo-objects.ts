// The Flux objects `sluice up --demo` creates for its repository: one GitRepository and one Kustomization
// per overlay, in flux-system (the namespace Flux itself uses).

import { KUSTOMIZE_API_VERSION, SOURCE_API_VERSION } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { DEMO_BRANCH, DEMO_OVERLAYS } from "./demo-repo.js";

/** The namespace Flux's own objects live in (`flux install` creates it; so does `sluice up`). */
export const FLUX_NAMESPACE = "flux-system";
/** Namespace of the demo's Flux objects. */
export const DEMO_NAMESPACE = FLUX_NAMESPACE;
/** Name of the demo GitRepository. */
export const DEMO_SOURCE_NAME = "demo";

/** The flux-system Namespace, the GitRepository for `repoUrl`, and a Kustomization per overlay. */
export function demoObjects(repoUrl: string): UnstructuredObject[] {
  const namespace: UnstructuredObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: DEMO_NAMESPACE } };
  const source: UnstructuredObject = {
    apiVersion: SOURCE_API_VERSION,
    kind: "GitRepository",
    metadata: { name: DEMO_SOURCE_NAME, namespace: DEMO_NAMESPACE },
    spec: { url: repoUrl, ref: { branch: DEMO_BRANCH }, interval: "30s", timeout: "60s" },
  };
  const kustomizations = DEMO_OVERLAYS.map(
    (overlay): UnstructuredObject => ({
      apiVersion: KUSTOMIZE_API_VERSION,
      kind: "Kustomization",
      metadata: { name: `demo-${overlay.name}`, namespace: DEMO_NAMESPACE },
      spec: {
        interval: "1m",
        retryInterval: "15s",
        timeout: "2m",
        path: `./overlays/${overlay.name}`,
        prune: true,
        wait: true,
        sourceRef: { kind: "GitRepository", name: DEMO_SOURCE_NAME },
      },
    }),
  );
  return [namespace, source, ...kustomizations];
}
