// Flux's acl.HasAccessToRef for ImageRepository `spec.accessFrom`: a policy in another namespace may use
// the repository when that namespace's labels match one of the selectors (an empty selector matches all).

import type { KubeClient } from "@sluice/runtime";

interface AccessFrom {
  namespaceSelectors: { matchLabels?: Record<string, string> | undefined }[];
}

/** True when namespace `namespace` is allowed by `accessFrom` (false when accessFrom is unset). */
export async function namespaceAllowed(
  client: KubeClient,
  namespace: string,
  accessFrom: AccessFrom | undefined,
): Promise<boolean> {
  if (!accessFrom) return false;
  const ns = await client.get<{ apiVersion: string; kind: string; metadata: { labels?: Record<string, string> } }>({
    apiVersion: "v1",
    kind: "Namespace",
    name: namespace,
  });
  const labels = ns.metadata.labels ?? {};
  return accessFrom.namespaceSelectors.some((sel) =>
    Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
  );
}
