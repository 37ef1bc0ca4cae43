// The Flux kinds the UI watches and links, with the API versions Sluice serves.

import {
  ALERT_API_VERSION,
  HELM_API_VERSION,
  KUSTOMIZE_API_VERSION,
  RECEIVER_API_VERSION,
  SOURCE_API_VERSION,
} from "@sluice/api";

/** One watched kind. */
export interface WatchedKind {
  apiVersion: string;
  kind: string;
  /** Whether it produces an artifact (`status.artifact`). */
  source: boolean;
}

/** Every kind the overview lists, in the order it groups them. */
export const WATCHED_KINDS: readonly WatchedKind[] = [
  { apiVersion: SOURCE_API_VERSION, kind: "GitRepository", source: true },
  { apiVersion: SOURCE_API_VERSION, kind: "OCIRepository", source: true },
  { apiVersion: SOURCE_API_VERSION, kind: "HelmRepository", source: true },
  { apiVersion: SOURCE_API_VERSION, kind: "HelmChart", source: true },
  { apiVersion: SOURCE_API_VERSION, kind: "Bucket", source: true },
  { apiVersion: KUSTOMIZE_API_VERSION, kind: "Kustomization", source: false },
  { apiVersion: HELM_API_VERSION, kind: "HelmRelease", source: false },
  { apiVersion: RECEIVER_API_VERSION, kind: "Receiver", source: false },
  { apiVersion: ALERT_API_VERSION, kind: "Alert", source: false },
  { apiVersion: ALERT_API_VERSION, kind: "Provider", source: false },
];

/** The watched kind named `kind` (exact spelling), or undefined. */
export function watchedKind(kind: string): WatchedKind | undefined {
  return WATCHED_KINDS.find((k) => k.kind === kind);
}

/** Kinds that can be suspended and asked to reconcile. */
export function isReconcilable(kind: string): boolean {
  return kind !== "Alert" && kind !== "Provider" && watchedKind(kind) !== undefined;
}
