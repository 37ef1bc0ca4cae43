// Installing the chart's CRDs for `sluice up` (read by `loadCrds` of src/install/crds.ts: $SLUICE_CRDS_DIR, the
// copy packed with the CLI or the repository's chart): server-side apply, waiting until each is Established.

import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";

/** Field manager of everything `sluice up` applies. */
export const UP_FIELD_MANAGER = "sluice";

/** Error for CRDs that do not become Established. */
export class CrdInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CrdInstallError";
  }
}

function established(crd: UnstructuredObject): boolean {
  const conditions = (crd["status"] as { conditions?: Array<{ type?: string; status?: string }> } | undefined)
    ?.conditions;
  return (conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
}

/**
 * Server-side applies `crds` (field manager `sluice`, forced) and waits until each is Established, up to
 * `timeoutMs` (default 60 s). Returns the CRD names.
 */
export async function installCrds(
  client: KubeClient,
  crds: UnstructuredObject[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const names: string[] = [];
  for (const crd of crds) {
    await client.apply(crd, { fieldManager: UP_FIELD_MANAGER, force: true });
    names.push(crd.metadata.name ?? "");
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await client.get<UnstructuredObject>({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name,
      });
      if (established(crd)) break;
      if (Date.now() > deadline) {
        throw new CrdInstallError(`CustomResourceDefinition ${name} not Established after ${timeoutMs / 1000}s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
