// The kubeconfig helm runs with: the controller's own identity, or the one in a HelmRelease's
// `spec.kubeConfig.secretRef` Secret, reduced the way Flux's runtime/client.KubeConfig reduces a
// tenant's kubeconfig before using it.

import type { KubeConfigLike as KubeConfig } from "@sluice/runtime";
import { parse, stringify } from "yaml";

/** The kubeconfig as YAML/JSON text for a helm child process (only ever written to a 0600 file). */
export function kubeConfigText(kubeConfig: KubeConfig): string {
  return kubeConfig.exportConfig();
}

/** What a tenant's kubeconfig may use beyond inline credentials (`--insecure-kubeconfig-exec|tls`). */
export interface KubeconfigPolicy {
  /** Keep `user.exec` credential plugins. */
  insecureExec: boolean;
  /** Keep `insecure-skip-tls-verify`. */
  insecureTls: boolean;
}

type Entry = Record<string, unknown>;

/**
 * A kubeconfig from a Secret, reduced to what Flux keeps: server, TLS server name, proxy, inline CA and
 * client certificate data, token and basic auth. File references (token, certificate and key files) are
 * dropped, so a tenant cannot make helm read the controller's own files; exec plugins and
 * `insecure-skip-tls-verify` only stay when the matching policy allows them.
 */
export function sanitizeKubeconfig(text: string, policy: KubeconfigPolicy): string {
  const doc = parse(text) as Entry | null;
  if (!doc || typeof doc !== "object") throw new Error("not a kubeconfig");
  for (const c of (doc["clusters"] as Entry[] | undefined) ?? []) {
    const cluster = c["cluster"] as Entry | undefined;
    if (!cluster) continue;
    delete cluster["certificate-authority"];
    if (!policy.insecureTls) delete cluster["insecure-skip-tls-verify"];
  }
  for (const u of (doc["users"] as Entry[] | undefined) ?? []) {
    const user = u["user"] as Entry | undefined;
    if (!user) continue;
    for (const key of ["tokenFile", "token-file", "client-certificate", "client-key", "auth-provider"])
      delete user[key];
    if (!policy.insecureExec) delete user["exec"];
  }
  return stringify(doc);
}
