import type { EventSeverityName } from "@sluice/api";

/** What a reconciler reports: severity, a CamelCase reason, a human message, optional metadata. */
export interface EventInput {
  /** `info` (Normal), `error` (Warning) or `trace` (Normal, never sent to notification-controller). */
  severity: EventSeverityName;
  /** Machine-readable reason, e.g. `ReconciliationSucceeded`, `ArtifactFailed`. */
  reason: string;
  /** Human-readable message; truncated to {@link MaxEventMessageLength} characters. Never a secret value. */
  message: string;
  /**
   * Extra key/values (`revision`, `originRevision`, `token`, …). Keys without a `/` are prefixed with the
   * recorder's API group (`revision` → `kustomize.toolkit.fluxcd.io/revision`); keys with one are kept.
   */
  metadata?: Record<string, string>;
}

/** Largest message of a Flux event (and of the Kubernetes Events we write). */
export const MaxEventMessageLength = 39_000;

/** `corev1.ObjectReference` as Flux events and Kubernetes Events carry it. */
export interface InvolvedObject {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** The JSON body POSTed to notification-controller (`fluxcd/pkg/apis/event/v1beta1.Event`). */
export interface FluxEvent {
  involvedObject: InvolvedObject;
  severity: EventSeverityName;
  /** RFC 3339, second precision (metav1.Time). */
  timestamp: string;
  message: string;
  reason: string;
  metadata?: Record<string, string>;
  reportingController: string;
  reportingInstance?: string;
}

/** Kubernetes Event types. */
export const KubeEventType = { Normal: "Normal", Warning: "Warning" } as const;
/** `Normal` or `Warning`. */
export type KubeEventTypeName = (typeof KubeEventType)[keyof typeof KubeEventType];

/** The Kubernetes Event type of a Flux severity: `error` → Warning, `info`/`trace` → Normal. */
export function eventTypeForSeverity(severity: EventSeverityName): KubeEventTypeName {
  return severity === "error" ? KubeEventType.Warning : KubeEventType.Normal;
}

/** Minimal logger the recorder reports delivery failures to (a pino logger fits). */
export interface EventLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}
