// Asking a Flux object to reconcile now, as `flux reconcile` and notification-controller's Receivers do.

import { Annotation } from "@sluice/api";
import { type KubeClient, PatchType } from "@sluice/runtime/kube";

/** Sets `reconcile.fluxcd.io/requestedAt` on the object to the current time (RFC 3339). */
export async function requestReconcile(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<void> {
  await client.patch(
    { apiVersion, kind, namespace, name },
    { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: new Date().toISOString() } } },
    { type: PatchType.Merge },
  );
}
