// Token login through the API server: a TokenReview tells whose token the browser gave (a ServiceAccount's,
// or any token the cluster's authenticators accept), and the UI then impersonates that user and groups.
// The UI's identity needs `create tokenreviews` (kube's system:auth-delegator ClusterRole).

import type { KubeClient } from "@sluice/runtime/kube";
import type { UiUser } from "./sessions.js";

interface TokenReview {
  apiVersion: string;
  kind: string;
  metadata: object;
  spec: { token: string };
  status?: { authenticated?: boolean; user?: { username?: string; groups?: string[] }; error?: string };
}

/** The user of `token` when the API server authenticates it, else undefined. */
export async function reviewToken(client: KubeClient, token: string, canAct: boolean): Promise<UiUser | undefined> {
  const review = await client.create<TokenReview>({
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    metadata: {},
    spec: { token },
  });
  const status = review.status;
  if (!status?.authenticated || !status.user?.username) return undefined;
  return {
    name: status.user.username,
    // The API server adds system:authenticated to every impersonated user itself.
    groups: (status.user.groups ?? []).filter((g) => g !== "system:authenticated"),
    canAct,
  };
}
