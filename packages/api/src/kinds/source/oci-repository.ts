import { type Static, Type } from "@sinclair/typebox";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import {
  AGE_COLUMN,
  Interval,
  LocalRef,
  OIDCIdentityMatchSchema,
  READY_COLUMNS,
  SOURCE_CATEGORIES,
  sourceStatusFields,
  Timeout,
  VerifyProvider,
} from "./common.js";
import {
  DEFAULT_SOURCE_TIMEOUT,
  OciLayerOperation,
  type OciLayerOperationName,
  OciProvider,
  SOURCE_GROUP,
  SOURCE_VERSION,
} from "./constants.js";

/**
 * `OCIRepository.spec.ref`: which artifact to pull. Precedence: `digest` > `semver` (optionally narrowed by
 * `semverFilter`) > `tag`; with none set the `latest` tag is pulled.
 */
export const OCIRepositoryRefSchema = Type.Object(
  {
    digest: Type.Optional(
      Type.String({ description: "Digest to pull ('sha256:<hash>'); takes precedence over semver and tag." }),
    ),
    semver: Type.Optional(
      Type.String({ description: "SemVer range of tags to pull the newest of; takes precedence over tag." }),
    ),
    semverFilter: Type.Optional(
      Type.String({ description: "Regular expression that tags must match to be considered by semver." }),
    ),
    tag: Type.Optional(Type.String({ description: "Tag to pull; defaults to latest." })),
  },
  { description: "The OCI reference to pull and watch for changes; defaults to the latest tag." },
);
/** The reference an OCIRepository pulls. */
export type OCIRepositoryRef = Static<typeof OCIRepositoryRefSchema>;

/** `OCIRepository.spec.layerSelector`: which layer to take, and whether to extract or copy it. */
export const OCILayerSelectorSchema = Type.Object(
  {
    mediaType: Type.Optional(
      Type.String({ description: "Media type of the layer to take; the first matching layer is selected." }),
    ),
    operation: Type.Optional(
      StringEnum([OciLayerOperation.Extract, OciLayerOperation.Copy] as const, {
        description: "'extract' (default) unpacks the layer into storage; 'copy' stores the compressed layer as is.",
      }),
    ),
  },
  { description: "Selects the layer of the OCI artifact to store; the first layer when unset." },
);
/** The layer selection of an OCIRepository. */
export type OCILayerSelector = Static<typeof OCILayerSelectorSchema>;

/** `OCIRepository.spec.verify`: cosign or notation signature verification. */
export const OCIRepositoryVerificationSchema = Type.Object(
  {
    provider: VerifyProvider(),
    secretRef: Type.Optional(
      LocalRef("Secret with the trusted public keys (cosign) or trust policy and certificates (notation)."),
    ),
    matchOIDCIdentity: Type.Optional(
      Type.Array(OIDCIdentityMatchSchema, {
        description: "Identities a keyless signature must match (any of); only without secretRef.",
      }),
    ),
    trustedRootSecretRef: Type.Optional(
      LocalRef("Secret with a Sigstore trusted_root.json, for keyless verification against a private Sigstore."),
    ),
  },
  { description: "Signature verification of the OCI artifact." },
);
/** Signature verification settings of an OCIRepository. */
export type OCIRepositoryVerification = Static<typeof OCIRepositoryVerificationSchema>;

/** `OCIRepository.spec`. */
export const OCIRepositorySpecSchema = Type.Object(
  {
    url: Type.String({ pattern: "^oci://.*$", description: "The OCI repository address, oci://<registry>/<path>." }),
    ref: Type.Optional(OCIRepositoryRefSchema),
    layerSelector: Type.Optional(OCILayerSelectorSchema),
    provider: Type.Optional(
      StringEnum([OciProvider.Generic, OciProvider.Aws, OciProvider.Azure, OciProvider.Gcp] as const, {
        default: OciProvider.Generic,
        description: "Authentication provider: generic, aws, azure or gcp.",
      }),
    ),
    secretRef: Type.Optional(
      LocalRef("Secret of type kubernetes.io/dockerconfigjson with the registry login credentials."),
    ),
    verify: Type.Optional(OCIRepositoryVerificationSchema),
    serviceAccountName: Type.Optional(
      Type.String({ description: "ServiceAccount whose image pull secrets (or workload identity) authenticate." }),
    ),
    certSecretRef: Type.Optional(
      LocalRef("Secret with TLS material: 'tls.crt' and 'tls.key' for client auth and/or 'ca.crt'."),
    ),
    proxySecretRef: Type.Optional(LocalRef("Secret with the proxy configuration used to reach the registry.")),
    interval: Interval("How often the registry is checked for a new artifact (approximate, jittered)."),
    timeout: Type.Optional(Timeout("Timeout of remote operations such as pulling.", DEFAULT_SOURCE_TIMEOUT)),
    ignore: Type.Optional(
      Type.String({ description: "Exclusion patterns in .sourceignore (gitignore) format, replacing the defaults." }),
    ),
    insecure: Type.Optional(Type.Boolean({ description: "Allow a plain HTTP (non-TLS) registry." })),
    suspend: Type.Optional(Type.Boolean({ description: "Suspends reconciliation of this OCIRepository." })),
  },
  { description: "The desired state of an OCIRepository." },
);
/** The desired state of an OCIRepository. */
export type OCIRepositorySpec = Static<typeof OCIRepositorySpecSchema>;

/** `OCIRepository.status`. */
export const OCIRepositoryStatusSchema = Type.Object(
  {
    ...sourceStatusFields(),
    url: Type.Optional(Type.String({ description: "Download link of the artifact of the last reconciliation." })),
    observedIgnore: Type.Optional(
      Type.String({ description: "The exclusion patterns used to build the current artifact." }),
    ),
    observedLayerSelector: Type.Optional(OCILayerSelectorSchema),
  },
  { description: "The observed state of an OCIRepository." },
);
/** The observed state of an OCIRepository. */
export type OCIRepositoryStatus = Static<typeof OCIRepositoryStatusSchema>;

/** The OCIRepository kind (`kubectl get ocirepositories` shows URL, READY, STATUS, AGE). */
export const OCIRepositoryKind = defineKind({
  group: SOURCE_GROUP,
  version: SOURCE_VERSION,
  kind: "OCIRepository",
  plural: "ocirepositories",
  singular: "ocirepository",
  shortNames: ["ocirepo"],
  categories: [...SOURCE_CATEGORIES],
  description: "OCIRepository is the Schema for the ocirepositories API.",
  spec: OCIRepositorySpecSchema,
  status: OCIRepositoryStatusSchema,
  printerColumns: [{ name: "URL", type: "string", jsonPath: ".spec.url" }, ...READY_COLUMNS, AGE_COLUMN],
});

/** An OCIRepository object. */
export type OCIRepository = ObjectOf<typeof OCIRepositoryKind>;

/** The layer operation an OCIRepository performs: `spec.layerSelector.operation`, `extract` when unset. */
export function ociLayerOperation(spec: Pick<OCIRepositorySpec, "layerSelector">): OciLayerOperationName {
  return spec.layerSelector?.operation ?? OciLayerOperation.Extract;
}
