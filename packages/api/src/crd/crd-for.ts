import type { KindDefinition } from "../meta/kind.js";
import { type JsonSchema, openApiSchemaFor } from "./openapi-schema.js";

/** Labels every generated CRD carries, so `sluice uninstall` can find them. */
export const CRD_LABELS = {
  "app.kubernetes.io/part-of": "sluice",
  "app.kubernetes.io/component": "crds",
} as const;

/** Builds the apiextensions.k8s.io/v1 CustomResourceDefinition for a kind. */
export function crdFor(def: KindDefinition): JsonSchema {
  const names: JsonSchema = { kind: def.kind, listKind: def.listKind, plural: def.plural, singular: def.singular };
  if (def.shortNames.length > 0) names["shortNames"] = def.shortNames;
  if (def.categories.length > 0) names["categories"] = def.categories;
  const version: JsonSchema = {
    name: def.version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: openApiSchemaFor(def) },
  };
  if (def.printerColumns.length > 0) version["additionalPrinterColumns"] = def.printerColumns;
  if (def.status) version["subresources"] = { status: {} };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${def.group}`,
      labels: { ...CRD_LABELS },
      // CRD descriptions may hold `${...}`; when a Kustomization applies these CRDs, don't substitute in them.
      annotations: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" },
    },
    spec: { group: def.group, names, scope: def.scope, versions: [version] },
  };
}
