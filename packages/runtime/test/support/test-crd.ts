import { crdFor, type KindDefinition } from "@sluice/api";
import { isAlreadyExists } from "../../src/kube/api-error.js";
import type { KubeClient } from "../../src/kube/kube-client.js";
import type { UnstructuredObject } from "../../src/kube/object-ref.js";

/** apiVersion of the throwaway custom resource integration tests use. */
export const WIDGET_API_VERSION = "test.sluice.dev/v1";

/** A namespaced `Widget` CRD with a status subresource and an open schema. */
export const WIDGET_CRD: UnstructuredObject = {
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

/**
 * Creates CRDs (those already present are left alone) and waits until discovery serves every one of their
 * kinds.
 */
export async function installCrds(client: KubeClient, crds: readonly UnstructuredObject[]): Promise<void> {
  for (const crd of crds) {
    await client.create(crd).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  }
  const deadline = Date.now() + 30_000;
  for (const crd of crds) {
    const spec = crd["spec"] as { group: string; names: { kind: string }; versions: { name: string }[] };
    for (const version of spec.versions) {
      for (;;) {
        try {
          await client.resourceFor(`${spec.group}/${version.name}`, spec.names.kind);
          break;
        } catch (err: unknown) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }
}

/** Installs the Flux CRDs (as `@sluice/api` generates them) of the given kinds. */
export function installFluxCrds(client: KubeClient, ...kinds: KindDefinition[]): Promise<void> {
  return installCrds(
    client,
    kinds.map((k) => crdFor(k) as UnstructuredObject),
  );
}

/** Installs the `Widget` test CRD. */
export function ensureWidgetCrd(client: KubeClient): Promise<void> {
  return installCrds(client, [WIDGET_CRD]);
}

/** Creates namespaces that do not exist yet. */
export async function ensureNamespaces(client: KubeClient, ...names: string[]): Promise<void> {
  for (const name of names) {
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } }).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  }
}
