import type { KubeClient } from "../../src/kube/kube-client.js";

/** apiVersion of the throwaway custom resource integration tests use. */
export const WIDGET_API_VERSION = "test.sluice.dev/v1";

/**
 * Installs (if absent) a namespaced `Widget` CRD with a status subresource and an open schema, and waits
 * until the API serves it.
 */
export async function ensureWidgetCrd(client: KubeClient): Promise<void> {
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.test.sluice.dev" },
    spec: {
      group: "test.sluice.dev",
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
  await client.create(crd).catch((err: unknown) => {
    if ((err as { reason?: string }).reason !== "AlreadyExists") throw err;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.resourceFor(WIDGET_API_VERSION, "Widget");
      return;
    } catch (err: unknown) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
