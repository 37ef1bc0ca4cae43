import type { HelmRelease } from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { describe, expect, it } from "vitest";
import { helmRelease, historyOf, requestFor, storedRelease, testHook } from "../../test/support/releases.js";
import type { DriftEntry } from "./cluster-state.js";
import {
  determineReleaseState,
  mustDetectDrift,
  type ReleaseState,
  UnknownReleaseStateError,
  withDrift,
} from "./state.js";
import { commonMetadataDigest, postRenderersDigest } from "./summarize.js";

const deployed = storedRelease();
const failed = storedRelease({ status: "failed" });
const tested = (phase: string, ...more: string[]) =>
  storedRelease({ hooks: [testHook("test-a", phase), ...more.map((p, i) => testHook(`test-${i}`, p))] });
const patches = [{ kustomize: { images: [{ name: "nginx", newTag: "1.27" }] } }];

interface Case {
  name: string;
  obj: HelmRelease;
  latest: StoredRelease | undefined;
  values?: Record<string, unknown>;
  chartVersion?: string;
  want: ReleaseState;
}

describe("determineReleaseState", () => {
  const cases: Case[] = [
    {
      name: "in-sync release",
      obj: helmRelease({}, { history: historyOf([deployed]) }),
      latest: deployed,
      want: { status: "InSync" },
    },
    {
      name: "no release in storage",
      obj: helmRelease({}, { history: historyOf([deployed]) }),
      latest: undefined,
      want: { status: "Absent", reason: "no release in storage for object" },
    },
    {
      name: "existing release without current",
      obj: helmRelease(),
      latest: deployed,
      want: { status: "Unmanaged", reason: "found existing release in storage" },
    },
    {
      name: "uninstalled release without current",
      obj: helmRelease(),
      latest: storedRelease({ status: "uninstalled" }),
      want: { status: "Absent", reason: "found uninstalled release in storage" },
    },
    {
      name: "release digest parse error",
      obj: helmRelease({}, { history: historyOf([deployed], { digest: "sha256:invalid" }) }),
      latest: deployed,
      want: { status: "Unmanaged", reason: "release digest verification error" },
    },
    {
      name: "release digest mismatch",
      obj: helmRelease({}, { history: historyOf([storedRelease({ config: { other: true } })]) }),
      latest: deployed,
      want: { status: "Unmanaged", reason: "release not observed to be made for object" },
    },
    {
      name: "snapshot of an older digest scheme is not verified",
      obj: helmRelease({}, { history: historyOf([deployed], { apiVersion: "v2beta2", digest: "sha256:0" }) }),
      latest: deployed,
      want: { status: "InSync" },
    },
    {
      name: "release in pending state",
      obj: helmRelease({}, { history: historyOf([deployed]) }),
      latest: storedRelease({ status: "pending-upgrade" }),
      want: { status: "Locked", reason: "release with status 'pending-upgrade'" },
    },
    {
      name: "untested release",
      obj: helmRelease({ test: { enable: true } }, { history: historyOf([deployed]) }),
      latest: deployed,
      want: { status: "Untested" },
    },
    {
      name: "incomplete test result",
      obj: helmRelease(
        { test: { enable: true } },
        {
          lastAttemptedReleaseAction: "install",
          history: historyOf([deployed], { testHooks: { a: { phase: "Succeeded" }, b: {} } }),
        },
      ),
      latest: deployed,
      want: { status: "Untested" },
    },
    {
      name: "failed test",
      obj: helmRelease(
        { test: { enable: true } },
        {
          lastAttemptedReleaseAction: "install",
          history: historyOf([tested("Failed")], { testHooks: { "test-a": { phase: "Failed" } } }),
        },
      ),
      latest: tested("Failed"),
      want: { status: "Failed", reason: "release has test in failed phase" },
    },
    {
      name: "failed test with unstarted remaining test hooks",
      obj: helmRelease(
        { test: { enable: true } },
        {
          lastAttemptedReleaseAction: "upgrade",
          history: historyOf([tested("Failed", "")], { testHooks: { "test-a": { phase: "Failed" }, "test-0": {} } }),
        },
      ),
      latest: tested("Failed", ""),
      want: { status: "Failed", reason: "release has test in failed phase" },
    },
    {
      name: "failed test with ignore failures set",
      obj: helmRelease(
        { test: { enable: true, ignoreFailures: true } },
        {
          lastAttemptedReleaseAction: "install",
          history: historyOf([tested("Failed")], { testHooks: { "test-a": { phase: "Failed" } } }),
        },
      ),
      latest: tested("Failed"),
      want: { status: "InSync" },
    },
    {
      name: "failed test is ignored when not made by controller",
      obj: helmRelease(
        { test: { enable: true } },
        { history: historyOf([tested("Failed")], { testHooks: { "test-a": { phase: "Failed" } } }) },
      ),
      latest: tested("Failed"),
      want: { status: "InSync" },
    },
    {
      name: "failed release",
      obj: helmRelease({}, { history: historyOf([failed]) }),
      latest: failed,
      want: { status: "Failed" },
    },
    {
      name: "uninstalled release",
      obj: helmRelease({}, { history: historyOf([storedRelease({ status: "uninstalled" })]) }),
      latest: storedRelease({ status: "uninstalled" }),
      want: { status: "Absent", reason: "found uninstalled release in storage" },
    },
    {
      name: "chart changed",
      obj: helmRelease({}, { history: historyOf([deployed]) }),
      latest: deployed,
      chartVersion: "1.1.0",
      want: { status: "OutOfSync", reason: "release chart changed" },
    },
    {
      name: "values changed",
      obj: helmRelease({}, { history: historyOf([deployed]) }),
      latest: deployed,
      values: { replicaCount: 2 },
      want: { status: "OutOfSync", reason: "release config values changed" },
    },
    {
      name: "postRenderers changed",
      obj: {
        ...helmRelease({ postRenderers: patches }, { history: historyOf([deployed]) }),
        metadata: { name: "app", namespace: "apps", generation: 2 },
      },
      latest: deployed,
      want: { status: "OutOfSync", reason: "postrenderers digest has changed" },
    },
    {
      name: "postRenderers mismatch ignored for processed generation",
      obj: helmRelease({ postRenderers: patches }, { history: historyOf([deployed]) }),
      latest: deployed,
      want: { status: "InSync" },
    },
    {
      name: "postRenderers unchanged in a new generation",
      obj: {
        ...helmRelease(
          { postRenderers: patches },
          { history: historyOf([deployed]), observedPostRenderersDigest: postRenderersDigest(patches) },
        ),
        metadata: { name: "app", namespace: "apps", generation: 2 },
      },
      latest: deployed,
      want: { status: "InSync" },
    },
    {
      name: "commonMetadata changed",
      obj: {
        ...helmRelease({ commonMetadata: { labels: { team: "a" } } }, { history: historyOf([deployed]) }),
        metadata: { name: "app", namespace: "apps", generation: 2 },
      },
      latest: deployed,
      want: { status: "OutOfSync", reason: "common metadata digest has changed" },
    },
    {
      name: "commonMetadata mismatch ignored for processed generation",
      obj: helmRelease(
        { commonMetadata: { labels: { team: "a" } } },
        {
          history: historyOf([deployed]),
          observedCommonMetadataDigest: commonMetadataDigest({ labels: { team: "b" } }),
        },
      ),
      latest: deployed,
      want: { status: "InSync" },
    },
  ];

  it.each(cases)("$name", ({ obj, latest, values, chartVersion, want }) => {
    expect(determineReleaseState(requestFor(obj, values, chartVersion), latest)).toEqual(want);
  });

  it("cannot determine the state of a release in any other status", () => {
    const superseded = storedRelease({ status: "superseded" });
    const obj = helmRelease({}, { history: historyOf([superseded]) });
    expect(() => determineReleaseState(requestFor(obj), superseded)).toThrow(
      new UnknownReleaseStateError("unable to determine state for release with status 'superseded'"),
    );
  });
});

describe("drift detection", () => {
  const object = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app", namespace: "apps" } };
  const changed: DriftEntry = {
    type: "update",
    subject: "Deployment/apps/app",
    object,
    patch: { additions: 0, changes: 1, removals: 0 },
  };
  const excluded: DriftEntry = { type: "exclude", subject: "Deployment/apps/other", object };

  it.each([
    ["enabled", true],
    ["warn", true],
    ["disabled", false],
    [undefined, false],
  ] as const)("with mode %s the cluster is compared: %s", (mode, compared) => {
    const obj = helmRelease(mode ? { driftDetection: { mode } } : {});
    expect(mustDetectDrift(requestFor(obj), { status: "InSync" })).toBe(compared);
    expect(mustDetectDrift(requestFor(obj), { status: "OutOfSync" })).toBe(false);
  });

  it.each([
    ["with drift", [changed], { status: "Drifted", diff: [changed] }],
    ["with drift and excluded objects", [excluded, changed], { status: "Drifted", diff: [excluded, changed] }],
    ["without drift", [], { status: "InSync" }],
    ["with excluded objects only", [excluded], { status: "InSync" }],
  ] as const)("an in-sync release %s", (_name, diff, want) => {
    expect(withDrift({ status: "InSync" }, [...diff])).toEqual(want);
  });
});
