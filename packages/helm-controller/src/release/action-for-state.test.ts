import type { Condition, HelmRelease } from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { describe, expect, it } from "vitest";
import { helmRelease, historyOf, requestFor, storedRelease } from "../../test/support/releases.js";
import { ActionForStateError, actionForState } from "./action-for-state.js";
import type { DriftEntry } from "./cluster-state.js";
import { install } from "./install.js";
import type { ReleaseAction } from "./request.js";
import { rollbackRemediation } from "./rollback-remediation.js";
import type { ReleaseState } from "./state.js";
import { test } from "./test.js";
import { uninstallRemediation } from "./uninstall.js";
import { unlock } from "./unlock.js";
import { upgrade } from "./upgrade.js";

const v1 = storedRelease({ version: 1, status: "superseded" });
const v2 = storedRelease({ version: 2, status: "failed", chart: { name: "podinfo", version: "1.1.0" } });
const current = storedRelease({ version: 1 });
const cond = (type: string, status: Condition["status"], reason: string, message = ""): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2025-01-01T00:00:00Z",
  observedGeneration: 1,
});
const force = { "reconcile.fluxcd.io/requestedAt": "now", "reconcile.fluxcd.io/forceAt": "now" };
const annotated = (obj: HelmRelease, annotations: Record<string, string>): HelmRelease => ({
  ...obj,
  metadata: { ...obj.metadata, annotations },
});
const drift: DriftEntry = {
  type: "update",
  subject: "Deployment/apps/app",
  object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app", namespace: "apps" } },
  patch: { additions: 1, changes: 2, removals: 0 },
};
/** A failed upgrade (v2) over a good release (v1), both in the history and in storage. */
const failedUpgrade = (spec: Partial<HelmRelease["spec"]>, status: HelmRelease["status"] = {}) =>
  helmRelease(spec, {
    lastAttemptedReleaseAction: "upgrade",
    upgradeFailures: 1,
    history: historyOf([v2, v1]),
    ...status,
  });

interface Case {
  name: string;
  obj: HelmRelease;
  state: ReleaseState;
  releases?: StoredRelease[];
  defaultToRetryOnFailure?: boolean;
  want?: ReleaseAction | "correct cluster drift";
  error?: string;
  /** Checks on the HelmRelease after the decision. */
  after?: (obj: HelmRelease) => void;
}

const conditionsOf = (obj: HelmRelease) =>
  Object.fromEntries((obj.status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));

describe("actionForState", () => {
  const cases: Case[] = [
    {
      name: "in-sync release does not trigger any action",
      obj: helmRelease({}, { history: historyOf([current]) }),
      state: { status: "InSync" },
    },
    {
      name: "in-sync release with force annotation triggers upgrade action",
      obj: annotated(helmRelease({}, { history: historyOf([current]) }), force),
      state: { status: "InSync" },
      want: upgrade,
      after: (obj) => expect(obj.status?.lastHandledForceAt).toBe("now"),
    },
    {
      name: "in-sync release with a handled force annotation does not trigger any action",
      obj: annotated(helmRelease({}, { history: historyOf([current]), lastHandledForceAt: "now" }), force),
      state: { status: "InSync" },
    },
    {
      name: "in-sync release with stale remediated condition",
      obj: helmRelease(
        {},
        {
          history: historyOf([current]),
          conditions: [
            cond("Remediated", "True", "RollbackSucceeded", "rolled back"),
            cond("Ready", "False", "RollbackSucceeded"),
          ],
        },
      ),
      state: { status: "InSync" },
      after: (obj) => {
        const released = obj.status?.conditions?.find((c) => c.type === "Released");
        expect(released).toMatchObject({
          status: "True",
          reason: "UpgradeSucceeded",
          message: "Helm upgrade succeeded for release apps/app.v1 with chart podinfo@1.0.0",
          lastTransitionTime: "2025-01-01T00:00:00Z",
        });
        expect(obj.status?.conditions?.some((c) => c.type === "Remediated")).toBe(false);
      },
    },
    {
      name: "in-sync release with stale ready condition",
      obj: helmRelease(
        {},
        {
          history: historyOf([current]),
          conditions: [
            cond("Released", "False", "UpgradeFailed", "failed"),
            cond("Ready", "False", "UpgradeFailed", "failed"),
          ],
        },
      ),
      state: { status: "InSync" },
      after: (obj) => {
        const message = "Helm upgrade succeeded for release apps/app.v1 with chart podinfo@1.0.0";
        expect(conditionsOf(obj)).toMatchObject({
          Released: ["True", "UpgradeSucceeded", message],
          Ready: ["True", "UpgradeSucceeded", message],
        });
      },
    },
    {
      name: "in-sync release with stale install failed condition",
      obj: helmRelease(
        {},
        {
          history: historyOf([current]),
          conditions: [
            cond("Released", "False", "InstallFailed", "failed"),
            cond("Ready", "False", "InstallFailed", "failed"),
          ],
        },
      ),
      state: { status: "InSync" },
      after: (obj) =>
        expect(conditionsOf(obj)["Ready"]).toEqual([
          "True",
          "InstallSucceeded",
          "Helm install succeeded for release apps/app.v1 with chart podinfo@1.0.0",
        ]),
    },
    {
      name: "in-sync release with drift detection marks no drift",
      obj: helmRelease({ driftDetection: { mode: "warn" } }, { history: historyOf([current]) }),
      state: { status: "InSync" },
      after: (obj) =>
        expect(conditionsOf(obj)["Drifted"]).toEqual([
          "False",
          "NoDriftDetected",
          "No drift detected against the cluster state",
        ]),
    },
    { name: "locked release triggers unlock action", obj: helmRelease(), state: { status: "Locked" }, want: unlock },
    { name: "absent release triggers install action", obj: helmRelease(), state: { status: "Absent" }, want: install },
    {
      name: "absent release without remaining retries and force annotation triggers install",
      obj: annotated(helmRelease({}, { installFailures: 1 }), force),
      state: { status: "Absent" },
      want: install,
    },
    {
      name: "absent release without remaining retries returns error",
      obj: helmRelease({}, { installFailures: 1 }),
      state: { status: "Absent" },
      error: "exceeded maximum retries: cannot install release",
    },
    {
      name: "unmanaged release triggers upgrade",
      obj: helmRelease({}, { history: historyOf([current]) }),
      state: { status: "Unmanaged" },
      want: upgrade,
      after: (obj) => expect(obj.status?.history).toBeUndefined(),
    },
    {
      name: "drifted release triggers correction if enabled",
      obj: helmRelease({ driftDetection: { mode: "enabled" } }, { history: historyOf([current]) }),
      state: { status: "Drifted", diff: [drift] },
      want: "correct cluster drift",
      after: (obj) =>
        expect(conditionsOf(obj)["Drifted"]).toEqual([
          "True",
          "DriftDetected",
          "Cluster state of release apps/app.v1 has drifted from the desired state:\nDeployment/apps/app changed (1 additions, 2 changes, 0 removals)",
        ]),
    },
    {
      name: "drifted release only marks drift if mode is warn",
      obj: helmRelease({ driftDetection: { mode: "warn" } }, { history: historyOf([current]) }),
      state: { status: "Drifted", diff: [drift, { ...drift, type: "create", subject: "Service/apps/app" }] },
      after: (obj) =>
        expect(conditionsOf(obj)["Drifted"]?.[2]).toBe(
          "Cluster state of release apps/app.v1 has drifted from the desired state:\nDeployment/apps/app changed (1 additions, 2 changes, 0 removals)\nService/apps/app removed",
        ),
    },
    { name: "out-of-sync release triggers upgrade", obj: helmRelease(), state: { status: "OutOfSync" }, want: upgrade },
    {
      name: "out-of-sync release with no remaining retries and force annotation triggers upgrade",
      obj: annotated(helmRelease({}, { upgradeFailures: 1 }), force),
      state: { status: "OutOfSync" },
      want: upgrade,
    },
    {
      name: "out-of-sync release with no remaining retries returns error",
      obj: helmRelease({}, { upgradeFailures: 1 }),
      state: { status: "OutOfSync" },
      error: "exceeded maximum retries: cannot upgrade release",
    },
    { name: "untested release triggers test action", obj: helmRelease(), state: { status: "Untested" }, want: test },
    {
      name: "untested release with stale remediated condition",
      obj: helmRelease(
        {},
        { history: historyOf([current]), conditions: [cond("Remediated", "True", "RollbackSucceeded")] },
      ),
      state: { status: "Untested" },
      want: test,
      after: (obj) => expect(conditionsOf(obj)["Released"]?.slice(0, 2)).toEqual(["True", "UpgradeSucceeded"]),
    },
    {
      name: "failed release without active remediation triggers upgrade",
      obj: helmRelease({}, { history: historyOf([v2, v1]) }),
      state: { status: "Failed" },
      want: upgrade,
    },
    {
      name: "failed release without failure count triggers upgrade",
      obj: failedUpgrade({ upgrade: { remediation: { retries: 2 } } }, { upgradeFailures: 0 }),
      state: { status: "Failed" },
      releases: [v2, v1],
      want: upgrade,
    },
    {
      name: "failed release with exhausted retries and force annotation triggers upgrade",
      obj: annotated(failedUpgrade({}), force),
      state: { status: "Failed" },
      want: upgrade,
    },
    {
      name: "failed release with exhausted retries returns error",
      obj: failedUpgrade({}),
      state: { status: "Failed" },
      error: "exceeded maximum retries: cannot remediate failed release",
    },
    {
      name: "failed release with exhausted retries remediates the last failure when asked",
      obj: failedUpgrade({ upgrade: { remediation: { remediateLastFailure: true } } }),
      state: { status: "Failed" },
      releases: [v2, v1],
      want: rollbackRemediation,
    },
    {
      name: "failed release with active install remediation triggers uninstall",
      obj: helmRelease(
        { install: { remediation: { retries: 2 } } },
        {
          lastAttemptedReleaseAction: "install",
          installFailures: 1,
          history: historyOf([storedRelease({ status: "failed" })]),
        },
      ),
      state: { status: "Failed" },
      want: uninstallRemediation,
    },
    {
      name: "failed release with active install retry triggers upgrade",
      obj: helmRelease(
        { install: { strategy: { name: "RetryOnFailure" } } },
        { lastAttemptedReleaseAction: "install", installFailures: 1 },
      ),
      state: { status: "Failed" },
      want: upgrade,
    },
    {
      name: "failed release with the DefaultToRetryOnFailure gate triggers upgrade",
      obj: helmRelease({}, { lastAttemptedReleaseAction: "install", installFailures: 1 }),
      state: { status: "Failed" },
      defaultToRetryOnFailure: true,
      want: upgrade,
    },
    {
      name: "failed release with active upgrade remediation triggers rollback",
      obj: failedUpgrade({ upgrade: { remediation: { retries: 2 } } }),
      state: { status: "Failed" },
      releases: [v2, v1],
      want: rollbackRemediation,
    },
    {
      name: "failed release with active upgrade retry triggers upgrade",
      obj: failedUpgrade({ upgrade: { strategy: { name: "RetryOnFailure" }, remediation: { retries: 2 } } }),
      state: { status: "Failed" },
      want: upgrade,
    },
    {
      name: "failed release with active upgrade remediation and no previous release triggers error",
      obj: failedUpgrade({ upgrade: { remediation: { retries: 2 } } }, { history: historyOf([v2]) }),
      state: { status: "Failed" },
      error: "missing target release for rollback: cannot remediate failed release",
    },
    {
      name: "failed release with active upgrade remediation and unverified previous triggers upgrade",
      obj: failedUpgrade({ upgrade: { remediation: { retries: 2 } } }),
      state: { status: "Failed" },
      releases: [v2, storedRelease({ version: 1, status: "superseded", config: { changed: true } })],
      want: upgrade,
    },
    {
      name: "failed release with active upgrade remediation and a previous release gone from storage triggers upgrade",
      obj: failedUpgrade({ upgrade: { remediation: { retries: 2 } } }),
      state: { status: "Failed" },
      releases: [v2],
      want: upgrade,
    },
    {
      name: "failed release with uninstall remediation strategy triggers uninstall",
      obj: failedUpgrade({ upgrade: { remediation: { retries: 2, strategy: "uninstall" } } }),
      state: { status: "Failed" },
      want: uninstallRemediation,
    },
  ];

  it.each(cases)("$name", ({ obj, state, releases, defaultToRetryOnFailure, want, error, after }) => {
    const req = requestFor(obj);
    const decide = () =>
      actionForState(req, state, {
        releases: releases ?? [],
        defaultToRetryOnFailure: defaultToRetryOnFailure ?? false,
      });
    if (error) {
      expect(decide).toThrow(new ActionForStateError("exceeded-max-retries", error).message);
      expect(decide).toThrow(ActionForStateError);
    } else {
      const next = decide();
      if (want === "correct cluster drift") expect(next?.name).toBe("correct cluster drift");
      else expect(next).toBe(want);
    }
    after?.(req.object);
  });
});
