import { describe, expect, it } from "vitest";
import { buildFluxEvent, eventMessage, metaTime } from "./flux-event.js";
import { redactSecrets } from "./redact.js";
import { MaxEventMessageLength } from "./types.js";

const kustomization = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: {
    name: "apps",
    namespace: "flux-system",
    uid: "0c5e4c36-6c43-4d4a-a9a8-0d2b4f1c2b11",
    resourceVersion: "4242",
    annotations: {
      "event.toolkit.fluxcd.io/deployment": "podinfo",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
    },
  },
};

describe("buildFluxEvent", () => {
  it("produces the notification-controller event shape", () => {
    const event = buildFluxEvent(
      kustomization,
      {
        severity: "info",
        reason: "ReconciliationSucceeded",
        message: "Reconciliation finished in 1.2s",
        metadata: { revision: "main@sha1:abc", "custom.example.com/key": "v" },
      },
      {
        reportingController: "kustomize-controller",
        reportingInstance: "kustomize-controller-7d9f-xyz",
        group: "kustomize.toolkit.fluxcd.io",
        now: new Date("2025-03-04T05:06:07.891Z"),
      },
    );
    expect(event).toEqual({
      involvedObject: {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        name: "apps",
        namespace: "flux-system",
        uid: "0c5e4c36-6c43-4d4a-a9a8-0d2b4f1c2b11",
        resourceVersion: "4242",
      },
      severity: "info",
      timestamp: "2025-03-04T05:06:07Z",
      message: "Reconciliation finished in 1.2s",
      reason: "ReconciliationSucceeded",
      metadata: {
        "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc",
        "custom.example.com/key": "v",
        "event.toolkit.fluxcd.io/deployment": "podinfo",
      },
      reportingController: "kustomize-controller",
      reportingInstance: "kustomize-controller-7d9f-xyz",
    });
  });

  it("omits metadata when there is none", () => {
    const event = buildFluxEvent(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "b" } },
      { severity: "error", reason: "Failed", message: "x" },
      { reportingController: "c", reportingInstance: "h", now: new Date(0) },
    );
    expect("metadata" in event).toBe(false);
    expect(JSON.parse(JSON.stringify(event))).not.toHaveProperty("metadata");
  });
});

describe("eventMessage", () => {
  it("truncates to 39000 characters", () => {
    const long = "x".repeat(50_000);
    const message = eventMessage(long);
    expect(message).toHaveLength(MaxEventMessageLength);
    expect(message.endsWith("...")).toBe(true);
    expect(eventMessage("short")).toBe("short");
  });
});

describe("redactSecrets", () => {
  it.each([
    [
      "failed to clone https://flux:ghp_abcdef123456@github.com/org/repo.git: auth",
      "failed to clone https://***@github.com/org/repo.git: auth",
    ],
    ["GET https://bucket/x?X-Amz-Signature=deadbeef&a=1 failed", "GET https://bucket/x?X-Amz-Signature=***&a=1 failed"],
    ["header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc", "header Authorization: Bearer ***"],
    ["https://ghp_tokenonly@github.com/org/repo", "https://***@github.com/org/repo"],
    ["ssh://git:pw@host:22/repo", "ssh://***@host:22/repo"],
  ])("redacts %s", (input, output) => {
    expect(redactSecrets(input)).toBe(output);
  });

  it("leaves ordinary text alone", () => {
    expect(redactSecrets("Deployment/default/podinfo configured")).toBe("Deployment/default/podinfo configured");
    expect(redactSecrets("cloning ssh://git@github.com/org/repo")).toBe("cloning ssh://git@github.com/org/repo");
    expect(redactSecrets("Basic authentication failed")).toBe("Basic authentication failed");
    expect(redactSecrets("Authorization: Basic Zmx1eDpzZWNyZXQ=")).toBe("Authorization: Basic ***");
  });
});

describe("metaTime", () => {
  it("formats with second precision in UTC", () => {
    expect(metaTime(new Date("2024-12-31T23:59:59.999Z"))).toBe("2024-12-31T23:59:59Z");
  });
});
