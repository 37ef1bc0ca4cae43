import { describe, expect, it } from "vitest";
import {
  actionStrategy,
  driftDetectionMode,
  helmChartName,
  helmChartNamespace,
  helmReleaseMaxHistory,
  helmReleasePersistentClient,
  helmReleaseTimeoutMs,
  installRemediation,
  releaseNamespace,
  retriesExhausted,
  storageNamespace,
  upgradeRemediation,
} from "./helm-release-defaults.js";

const meta = { metadata: { name: "podinfo", namespace: "flux-system" } };

describe("HelmRelease defaults in code", () => {
  it("places the release, its storage and its HelmChart", () => {
    expect(releaseNamespace({ ...meta, spec: {} })).toBe("flux-system");
    expect(releaseNamespace({ ...meta, spec: { targetNamespace: "apps" } })).toBe("apps");
    expect(storageNamespace({ ...meta, spec: {} })).toBe("flux-system");
    expect(storageNamespace({ ...meta, spec: { storageNamespace: "helm" } })).toBe("helm");
    expect(helmChartName(meta)).toBe("flux-system-podinfo");
    expect(helmChartNamespace({ ...meta, spec: {} })).toBe("flux-system");
    expect(
      helmChartNamespace({
        ...meta,
        spec: { chart: { spec: { chart: "c", sourceRef: { kind: "HelmRepository", name: "r", namespace: "src" } } } },
      }),
    ).toBe("src");
  });

  it("defaults timeout to 5m, maxHistory to 5, persistentClient to true, drift detection to disabled", () => {
    expect(helmReleaseTimeoutMs({})).toBe(300_000);
    expect(helmReleaseTimeoutMs({ timeout: "90s" })).toBe(90_000);
    expect(helmReleaseMaxHistory({})).toBe(5);
    expect(helmReleaseMaxHistory({ maxHistory: 0 })).toBe(0);
    expect(helmReleasePersistentClient({})).toBe(true);
    expect(helmReleasePersistentClient({ persistentClient: false })).toBe(false);
    expect(driftDetectionMode({})).toBe("disabled");
    expect(driftDetectionMode({ driftDetection: { mode: "warn" } })).toBe("warn");
  });

  it("resolves install remediation: no retries, uninstall, test failures from spec.test", () => {
    expect(installRemediation({})).toEqual({
      retries: 0,
      ignoreTestFailures: false,
      remediateLastFailure: false,
      strategy: "uninstall",
    });
    expect(
      installRemediation({ test: { ignoreFailures: true }, install: { remediation: { retries: 3 } } }),
    ).toMatchObject({
      retries: 3,
      ignoreTestFailures: true,
      remediateLastFailure: false,
    });
  });

  it("resolves upgrade remediation: rollback, remediateLastFailure only with retries", () => {
    expect(upgradeRemediation({})).toEqual({
      retries: 0,
      ignoreTestFailures: false,
      remediateLastFailure: false,
      strategy: "rollback",
    });
    expect(upgradeRemediation({ upgrade: { remediation: { retries: 2, strategy: "uninstall" } } })).toMatchObject({
      remediateLastFailure: true,
      strategy: "uninstall",
    });
    expect(
      upgradeRemediation({ upgrade: { remediation: { retries: 2, remediateLastFailure: false } } })
        .remediateLastFailure,
    ).toBe(false);
  });

  it.each([
    [0, 0, false],
    [0, 1, true],
    [3, 3, false],
    [3, 4, true],
    [-1, 1000, false],
  ])("with %d retries and %d failures, exhausted is %s", (retries, failures, expected) => {
    expect(retriesExhausted({ retries }, failures)).toBe(expected);
  });

  it("resolves the action strategy and retry interval", () => {
    expect(actionStrategy(undefined)).toEqual({ name: "RemediateOnFailure", retryIntervalMs: 300_000 });
    expect(actionStrategy({}, true)).toEqual({ name: "RetryOnFailure", retryIntervalMs: 300_000 });
    expect(actionStrategy({ strategy: { name: "RetryOnFailure", retryInterval: "30s" } })).toEqual({
      name: "RetryOnFailure",
      retryIntervalMs: 30_000,
    });
  });
});
