import { type Static, Type } from "@sinclair/typebox";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import {
  AGE_COLUMN,
  Interval,
  LocalRef,
  READY_COLUMNS,
  SOURCE_CATEGORIES,
  sourceStatusFields,
  Timeout,
} from "./common.js";
import { BucketProvider, DEFAULT_SOURCE_TIMEOUT, SOURCE_GROUP, SOURCE_VERSION, StsProvider } from "./constants.js";

/**
 * `Bucket.spec.sts`: a Security Token Service issuing temporary credentials. `aws` STS goes with the `aws`
 * provider (no secretRef/certSecretRef), `ldap` STS with the `generic` provider.
 */
export const BucketSTSSpecSchema = Type.Object(
  {
    provider: StringEnum([StsProvider.Aws, StsProvider.Ldap] as const, {
      description: "The Security Token Service provider: aws or ldap.",
    }),
    endpoint: Type.String({
      pattern: "^(http|https)://.*$",
      description: "HTTP(S) endpoint of the Security Token Service.",
    }),
    secretRef: Type.Optional(LocalRef("Secret with 'username' and 'password' for the 'ldap' STS provider.")),
    certSecretRef: Type.Optional(
      LocalRef("Secret with TLS material ('tls.crt', 'tls.key', 'ca.crt') for the 'ldap' STS provider."),
    ),
  },
  { description: "Security Token Service used to fetch temporary credentials for the bucket provider." },
);
/** STS settings of a Bucket. */
export type BucketSTSSpec = Static<typeof BucketSTSSpecSchema>;

/** `Bucket.spec`. */
export const BucketSpecSchema = Type.Object(
  {
    provider: Type.Optional(
      StringEnum([BucketProvider.Generic, BucketProvider.Aws, BucketProvider.Gcp, BucketProvider.Azure] as const, {
        default: BucketProvider.Generic,
        description: "Object storage provider; 'generic' is any S3-compatible API.",
      }),
    ),
    bucketName: Type.String({ description: "Name of the object storage bucket." }),
    endpoint: Type.String({ description: "Object storage address the bucket is located at." }),
    sts: Type.Optional(BucketSTSSpecSchema),
    insecure: Type.Optional(Type.Boolean({ description: "Allow a plain HTTP (non-TLS) endpoint." })),
    region: Type.Optional(Type.String({ description: "Region of the endpoint the bucket is located in." })),
    prefix: Type.Optional(Type.String({ description: "Prefix for server-side filtering of the bucket's objects." })),
    secretRef: Type.Optional(LocalRef("Secret with the credentials to access the bucket.")),
    serviceAccountName: Type.Optional(
      Type.String({ description: "ServiceAccount used to authenticate (workload identity); not for 'generic'." }),
    ),
    certSecretRef: Type.Optional(
      LocalRef("Secret with TLS material: 'tls.crt' and 'tls.key' for client auth and/or 'ca.crt'."),
    ),
    proxySecretRef: Type.Optional(LocalRef("Secret with the proxy configuration used to reach the endpoint.")),
    interval: Interval("How often the bucket is checked for updates (approximate, jittered)."),
    timeout: Type.Optional(Timeout("Timeout of fetch operations.", DEFAULT_SOURCE_TIMEOUT)),
    ignore: Type.Optional(
      Type.String({ description: "Exclusion patterns in .sourceignore (gitignore) format, replacing the defaults." }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: "Suspends reconciliation of this Bucket." })),
  },
  {
    description: "The configuration to produce an artifact from an object storage bucket.",
    "x-kubernetes-validations": [
      {
        rule: "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
        message: "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
      },
      {
        rule: "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
        message: "'aws' is the only supported STS provider for the 'aws' Bucket provider",
      },
      {
        rule: "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
        message: "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
      },
      {
        rule: "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",
        message: "spec.sts.secretRef is not required for the 'aws' STS provider",
      },
      {
        rule: "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",
        message: "spec.sts.certSecretRef is not required for the 'aws' STS provider",
      },
      {
        rule: "self.provider != 'generic' || !has(self.serviceAccountName)",
        message: "ServiceAccountName is not supported for the 'generic' Bucket provider",
      },
      {
        rule: "!has(self.secretRef) || !has(self.serviceAccountName)",
        message: "cannot set both .spec.secretRef and .spec.serviceAccountName",
      },
    ],
  },
);
/** The desired state of a Bucket. */
export type BucketSpec = Static<typeof BucketSpecSchema>;

/** `Bucket.status`. */
export const BucketStatusSchema = Type.Object(
  {
    ...sourceStatusFields(),
    url: Type.Optional(Type.String({ description: "Best-effort stable download link of the latest artifact." })),
    observedIgnore: Type.Optional(
      Type.String({ description: "The exclusion patterns used to build the current artifact." }),
    ),
  },
  { description: "The observed state of a Bucket." },
);
/** The observed state of a Bucket. */
export type BucketStatus = Static<typeof BucketStatusSchema>;

/** The Bucket kind (`kubectl get buckets` shows ENDPOINT, AGE, READY, STATUS). */
export const BucketKind = defineKind({
  group: SOURCE_GROUP,
  version: SOURCE_VERSION,
  kind: "Bucket",
  plural: "buckets",
  singular: "bucket",
  categories: [...SOURCE_CATEGORIES],
  description: "Bucket is the Schema for the buckets API.",
  spec: BucketSpecSchema,
  status: BucketStatusSchema,
  printerColumns: [{ name: "Endpoint", type: "string", jsonPath: ".spec.endpoint" }, AGE_COLUMN, ...READY_COLUMNS],
});

/** A Bucket object. */
export type Bucket = ObjectOf<typeof BucketKind>;
