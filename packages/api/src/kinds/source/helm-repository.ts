import { type Static, Type } from "@sinclair/typebox";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";
import {
  AGE_COLUMN,
  Interval,
  LocalRef,
  READY_COLUMNS,
  SOURCE_CATEGORIES,
  sourceStatusFields,
  Timeout,
} from "./common.js";
import { HelmRepositoryType, OciProvider, SOURCE_GROUP, SOURCE_VERSION } from "./constants.js";

/** The interval a HelmRepository is requeued at when `spec.interval` is unset. */
export const HELM_REPOSITORY_DEFAULT_INTERVAL = "1m";

/** The timeout of index fetches and OCI operations when `spec.timeout` is unset. */
export const HELM_REPOSITORY_DEFAULT_TIMEOUT = "1m";

/** A namespace selector of an access control list (fluxcd/pkg `acl.NamespaceSelector`). */
export const NamespaceSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(StringMap({ description: "Labels a namespace must all carry to be selected (ANDed)." })),
  },
  { description: "Selects the namespaces an access control list applies to." },
);
/** A namespace selector of an access control list. */
export type NamespaceSelector = Static<typeof NamespaceSelectorSchema>;

/** `HelmRepository.spec.accessFrom` (fluxcd/pkg `acl.AccessFrom`): cross-namespace access; not used by Flux v2. */
export const AccessFromSchema = Type.Object(
  {
    namespaceSelectors: Type.Array(NamespaceSelectorSchema, {
      description: "Namespace selectors granting access; ORed.",
    }),
  },
  { description: "Access control list for cross-namespace references (kept for compatibility, ignored)." },
);
/** Cross-namespace access control list. */
export type AccessFrom = Static<typeof AccessFromSchema>;

/** `HelmRepository.spec`. */
export const HelmRepositorySpecSchema = Type.Object(
  {
    url: Type.String({
      pattern: "^(http|https|oci)://.*$",
      description: "URL of the Helm repository: http(s):// for an index, oci:// (with type 'oci') for a registry.",
    }),
    secretRef: Type.Optional(
      LocalRef("Secret with 'username' and 'password' (HTTP basic auth or registry login) and, legacy, TLS keys."),
    ),
    certSecretRef: Type.Optional(
      LocalRef("Secret with TLS material: 'tls.crt' and 'tls.key' for client auth and/or 'ca.crt'."),
    ),
    passCredentials: Type.Optional(
      Type.Boolean({ description: "Send the secretRef credentials also to hosts other than the URL's host." }),
    ),
    interval: Type.Optional(
      Interval("How often the repository index is fetched (approximate, jittered); 1m when unset."),
    ),
    insecure: Type.Optional(
      Type.Boolean({ description: "Allow a plain HTTP (non-TLS) registry; only for type 'oci'." }),
    ),
    timeout: Type.Optional(Timeout("Timeout of the index fetch or of remote OCI operations; 1m when unset.")),
    suspend: Type.Optional(Type.Boolean({ description: "Suspends reconciliation of this HelmRepository." })),
    accessFrom: Type.Optional(AccessFromSchema),
    type: Type.Optional(
      StringEnum([HelmRepositoryType.Default, HelmRepositoryType.Oci] as const, {
        description: "Repository type; with 'oci' the URL must start with oci://.",
      }),
    ),
    provider: Type.Optional(
      StringEnum([OciProvider.Generic, OciProvider.Aws, OciProvider.Azure, OciProvider.Gcp] as const, {
        default: OciProvider.Generic,
        description: "Authentication provider for type 'oci': generic, aws, azure or gcp.",
      }),
    ),
  },
  { description: "The configuration to produce an artifact (the index) from a Helm repository." },
);
/** The desired state of a HelmRepository. */
export type HelmRepositorySpec = Static<typeof HelmRepositorySpecSchema>;

/** `HelmRepository.status`. */
export const HelmRepositoryStatusSchema = Type.Object(
  {
    ...sourceStatusFields(),
    url: Type.Optional(
      Type.String({ description: "Best-effort stable download link of the latest artifact (index.yaml)." }),
    ),
  },
  { description: "The observed state of a Helm repository." },
);
/** The observed state of a HelmRepository. */
export type HelmRepositoryStatus = Static<typeof HelmRepositoryStatusSchema>;

/**
 * The HelmRepository kind (`kubectl get helmrepositories` shows URL, AGE, READY, STATUS). A repository of
 * type `oci` is a static holder of URL and credentials: it gets no artifact and no Ready condition.
 */
export const HelmRepositoryKind = defineKind({
  group: SOURCE_GROUP,
  version: SOURCE_VERSION,
  kind: "HelmRepository",
  plural: "helmrepositories",
  singular: "helmrepository",
  shortNames: ["helmrepo"],
  categories: [...SOURCE_CATEGORIES],
  description: "HelmRepository is the Schema for the helmrepositories API.",
  spec: HelmRepositorySpecSchema,
  status: HelmRepositoryStatusSchema,
  printerColumns: [{ name: "URL", type: "string", jsonPath: ".spec.url" }, AGE_COLUMN, ...READY_COLUMNS],
});

/** A HelmRepository object. */
export type HelmRepository = ObjectOf<typeof HelmRepositoryKind>;

/** Whether a HelmRepository points at an OCI registry (`spec.type: oci`) rather than an index. */
export function isOciHelmRepository(repo: { spec: Pick<HelmRepositorySpec, "type"> }): boolean {
  return repo.spec.type === HelmRepositoryType.Oci;
}
