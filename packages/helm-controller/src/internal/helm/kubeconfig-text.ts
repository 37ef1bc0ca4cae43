// The kubeconfig helm runs with: the controller's own identity, or the one in a HelmRelease's
// `spec.kubeConfig.secretRef` Secret.

import type { KubeConfigLike as KubeConfig } from "@sluice/runtime";

/** The kubeconfig as YAML/JSON text for a helm child process (only ever written to a 0600 file). */
export function kubeConfigText(kubeConfig: KubeConfig): string {
  return kubeConfig.exportConfig();
}
