// Schema pieces shared by the source kinds, emitting exactly the forms Flux's source CRDs publish.

import { type Static, Type } from "@sinclair/typebox";
import { ArtifactSchema } from "../../meta/artifact.js";
import { Conditions } from "../../meta/condition.js";
import { DURATION_PATTERN } from "../../meta/duration.js";
import type { PrinterColumn } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import { VerificationProvider } from "./constants.js";

/**
 * The pattern of source `spec.timeout` fields: a Go duration in ms, s or m (hours are not accepted, unlike
 * `interval`).
 */
export const TIMEOUT_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$";

/** A source `spec.interval`: a Go duration string such as `5m0s` (`ms`, `s`, `m`, `h`). */
export function Interval(description: string) {
  return Type.String({ pattern: DURATION_PATTERN, description });
}

/** A source `spec.timeout`: a Go duration in `ms`, `s` or `m`, optionally defaulted (60s on most kinds). */
export function Timeout(description: string, defaultValue?: string) {
  return Type.String({
    pattern: TIMEOUT_PATTERN,
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
}

/** A reference by name to an object (usually a Secret) in the object's namespace. */
export function LocalRef(description: string) {
  return Type.Object(LocalObjectReferenceSchema.properties, { description });
}

/** `status.lastHandledReconcileAt`: the last `reconcile.fluxcd.io/requestedAt` value acted upon. */
export function LastHandledReconcileAt() {
  return Type.String({
    description: "The most recent reconcile.fluxcd.io/requestedAt annotation value that was handled.",
  });
}

/** `status.observedGeneration`: the generation of the spec the status describes (defaults to -1). */
export function ObservedGeneration(description = "The last observed generation of the object.") {
  return Type.Integer({ format: "int64", description });
}

/** An OIDC issuer/subject pair (regular expressions) a keyless cosign signature must match. */
export const OIDCIdentityMatchSchema = Type.Object(
  {
    issuer: Type.String({ description: "Regular expression matched against the OIDC issuer." }),
    subject: Type.String({ description: "Regular expression matched against the certificate identity." }),
  },
  { description: "Identity a keyless signature certificate must match." },
);
/** An OIDC identity a keyless signature must match. */
export type OIDCIdentityMatch = Static<typeof OIDCIdentityMatchSchema>;

/** The verification provider field of `spec.verify` (cosign by default). */
export function VerifyProvider() {
  return StringEnum([VerificationProvider.Cosign, VerificationProvider.Notation] as const, {
    default: VerificationProvider.Cosign,
    description: "Technology used to sign the OCI artifact.",
  });
}

/** The `READY` and `STATUS` printer columns every source kind shows. */
export const READY_COLUMNS: readonly PrinterColumn[] = [
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
];

/** The `AGE` printer column. */
export const AGE_COLUMN: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

/** The `kubectl get all` / `fluxcd` / `fluxcd-sources` categories of the source kinds. */
export const SOURCE_CATEGORIES: readonly string[] = ["all", "fluxcd", "fluxcd-sources"];

/** The status fields every source kind has: observedGeneration, conditions, artifact, lastHandledReconcileAt. */
export function sourceStatusFields() {
  return {
    observedGeneration: Type.Optional(ObservedGeneration()),
    conditions: Type.Optional(Conditions()),
    artifact: Type.Optional(ArtifactSchema),
    lastHandledReconcileAt: Type.Optional(LastHandledReconcileAt()),
  };
}
