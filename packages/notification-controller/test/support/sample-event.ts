// Flux events as the controllers send them, for the tests.

import type { FluxEvent } from "@sluice/runtime";

/** A Kustomization event after notification-controller merged its metadata (what providers receive). */
export function dispatchedEvent(overrides: Partial<FluxEvent> = {}): FluxEvent {
  return {
    involvedObject: {
      kind: "Kustomization",
      namespace: "flux-system",
      name: "apps",
      uid: "7f0d2c4e-1111-2222-3333-444455556666",
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    },
    severity: "info",
    timestamp: "2025-01-02T03:04:05Z",
    message: "Deployment/default/web configured",
    reason: "ReconciliationSucceeded",
    metadata: { revision: "main@sha1:0123456789abcdef0123456789abcdef01234567", summary: "prod" },
    reportingController: "kustomize-controller",
    reportingInstance: "kustomize-controller-abc",
    ...overrides,
  };
}
