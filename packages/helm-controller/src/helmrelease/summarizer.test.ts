import type { Condition } from "@sluice/api";
import { GenericReconcileError, StallingError, WaitingError } from "@sluice/runtime";
import { describe, expect, it } from "vitest";
import { helmRelease } from "../../test/support/releases.js";
import { ReleaseFailedError, ReleaseStalledError } from "../release/atomic-release.js";
import { retryScheduled, summarizeHelmRelease } from "./summarizer.js";

const upgradeFailed: Condition = {
  type: "Ready",
  status: "False",
  reason: "UpgradeFailed",
  message: "Helm upgrade failed for release apps/app with chart podinfo@1.1.0: boom",
  lastTransitionTime: "2025-01-01T00:00:00Z",
  observedGeneration: 1,
};
const view = (obj: ReturnType<typeof helmRelease>) =>
  Object.fromEntries((obj.status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`]));

describe("summarizeHelmRelease", () => {
  it.each([
    {
      name: "a wait before the release marks Ready False, generation not observed",
      error: new WaitingError("DependencyNotReady", "dependency 'apps/db' is not ready", 1000),
      ready: "False DependencyNotReady: dependency 'apps/db' is not ready",
      stalled: undefined,
      observed: false,
    },
    {
      name: "a failure before the release marks Ready False",
      error: new GenericReconcileError("ArtifactFailed", "could not get Source object: boom"),
      ready: "False ArtifactFailed: could not get Source object: boom",
      stalled: undefined,
      observed: false,
    },
    {
      name: "a bad spec stalls, Ready says why, generation observed",
      error: new StallingError(
        "AccessDenied",
        "cross-namespace references are not allowed: cannot access HelmChart x/y",
      ),
      ready: "False AccessDenied: cross-namespace references are not allowed: cannot access HelmChart x/y",
      stalled: "True AccessDenied: cross-namespace references are not allowed: cannot access HelmChart x/y",
      observed: true,
    },
    {
      name: "exhausted retries keep the actions' Ready and observe the generation",
      error: new ReleaseStalledError("RetriesExceeded", "Failed to upgrade after 1 attempt(s)"),
      ready: `False UpgradeFailed: ${upgradeFailed.message}`,
      stalled: undefined,
      observed: true,
    },
    {
      name: "a failed action keeps the actions' Ready",
      error: new ReleaseFailedError("ReconcileError", "no release recorded", { event: false }),
      ready: `False UpgradeFailed: ${upgradeFailed.message}`,
      stalled: undefined,
      observed: false,
    },
  ])("$name", ({ error, ready, stalled, observed }) => {
    const obj = helmRelease({}, { conditions: [upgradeFailed] });
    const out = summarizeHelmRelease(obj, { error, complete: false });
    expect(view(obj)["Ready"]).toBe(ready);
    expect(view(obj)["Stalled"]).toBe(stalled);
    expect(out).toEqual({ observedGeneration: observed, error });
  });

  it("observes the generation of a complete run, or one that scheduled a retry", () => {
    const obj = helmRelease();
    expect(summarizeHelmRelease(obj, { complete: true })).toEqual({ observedGeneration: true, error: undefined });
    expect(summarizeHelmRelease(obj, { complete: false })).toEqual({ observedGeneration: false, error: undefined });
    retryScheduled.add(obj);
    expect(summarizeHelmRelease(obj, { complete: false }).observedGeneration).toBe(true);
    expect(summarizeHelmRelease(obj, { complete: false }).observedGeneration).toBe(false);
  });
});
