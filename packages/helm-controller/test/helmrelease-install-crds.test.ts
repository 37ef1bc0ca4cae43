// Install failures and CRD policies with the real helm binary: a chart the API server refuses is retried with
// uninstall remediation in between, then stalls with the install counters; a chart's CRDs are created on
// install and replaced on upgrade with `upgrade.crds: CreateReplace`.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createHelmRelease,
  type HelmEnv,
  helmReleaseRef,
  isReadyNow,
  packageChart,
  publishHelmChart,
  startHelmEnv,
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "ops";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

function crd(printerColumn: boolean): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
${printerColumn ? "      additionalPrinterColumns:\n        - name: Size\n          type: string\n          jsonPath: .spec.size\n" : ""}`;
}

beforeAll(async () => {
  work = await tempDir("hc-install-");
  env = await startHelmEnv(work.path, NS);
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

describe("HelmRelease install failures and CRDs", () => {
  it("uninstalls a failed install between retries, then stalls with installFailures", async () => {
    const bad = await packageChart(env, work.path, "broken", "1.0.0", async (dir) => {
      await writeFile(
        join(dir, "templates", "bad.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\ndata:\n  a: b\n",
      );
    });
    await publishHelmChart(env, "broken", bad, "1.0.0");
    await createHelmRelease(env, "broken", {
      chartRef: { kind: "HelmChart", name: "broken" },
      install: { remediation: { retries: 1 } },
    });
    const hr = await waitForHelmRelease(env, "broken", "stalled", (o) => conditionOf(o, "Stalled")?.status === "True");
    expect(conditionOf(hr, "Stalled")).toMatchObject({
      reason: "RetriesExceeded",
      message: "Failed to install after 2 attempt(s)",
    });
    expect(conditionOf(hr, "Released")).toMatchObject({ status: "False", reason: "InstallFailed" });
    expect(conditionOf(hr, "Released")?.message).toContain("Not_Valid");
    // Ready says what failed; Stalled says that retries are exhausted (helm-controller's summarize).
    expect(conditionOf(hr, "Ready")).toMatchObject({ status: "False", reason: "InstallFailed" });
    expect(conditionOf(hr, "Ready")?.message).toMatch(
      /^Helm install failed for release ops\/broken with chart broken@1\.0\.0: .*Not_Valid/,
    );
    // The uninstall between the attempts was recorded; the second install replaced its Remediated condition.
    expect(conditionOf(hr, "Remediated")).toBeUndefined();
    const reasons = env.sink.events.filter((e) => e.involvedObject.name === "broken").map((e) => e.reason);
    expect(reasons.filter((r) => r === "UninstallSucceeded")).toHaveLength(1);
    expect(reasons.filter((r) => r === "InstallFailed")).toHaveLength(2);
    expect(hr.status).toMatchObject({ failures: 2, installFailures: 2, lastAttemptedReleaseAction: "install" });
    // The last failure is kept (install remediateLastFailure defaults to false) for inspection.
    const list = JSON.parse(await env.helm(["list", "-n", NS, "--failed", "-o", "json"])) as { name: string }[];
    expect(list.map((r) => r.name)).toEqual(["broken"]);
    await env.client.delete(helmReleaseRef(env, "broken"));
  });

  it("retries a failed install with upgrades under RetryOnFailure, never remediating or stalling", async () => {
    await createHelmRelease(env, "retrying", {
      chartRef: { kind: "HelmChart", name: "broken" },
      install: { strategy: { name: "RetryOnFailure", retryInterval: "1s" } },
      upgrade: { strategy: { name: "RetryOnFailure", retryInterval: "1s" } },
    });
    const hr = await waitForHelmRelease(
      env,
      "retrying",
      "two upgrade retries",
      (o) => (o.status?.upgradeFailures ?? 0) >= 2 && conditionOf(o, "Reconciling")?.reason === "ProgressingWithRetry",
    );
    // helm-controller retries a failed install with an upgrade after the retry interval, without remediation.
    expect(conditionOf(hr, "Reconciling")).toMatchObject({ status: "True", message: "retrying after 1s" });
    expect(conditionOf(hr, "Stalled")).toBeUndefined();
    expect(conditionOf(hr, "Remediated")).toBeUndefined();
    expect(hr.status).toMatchObject({ installFailures: 1, lastAttemptedReleaseAction: "upgrade" });
    expect(conditionOf(hr, "Ready")).toMatchObject({ status: "False", reason: "UpgradeFailed" });
    expect(conditionOf(hr, "Ready")?.message).toMatch(
      /^Helm upgrade failed for release ops\/retrying with chart broken@1\.0\.0: .*Not_Valid/,
    );
    const events = env.sink.events.filter((e) => e.involvedObject.name === "retrying");
    expect(events.filter((e) => e.reason === "InstallFailed")).toHaveLength(1);
    expect(events.filter((e) => e.reason === "UpgradeFailed").length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.reason === "UninstallSucceeded" || e.reason === "RollbackSucceeded")).toBe(false);
    await env.client.delete(helmReleaseRef(env, "retrying"));
  });

  it("creates chart CRDs on install and replaces them on upgrade with CreateReplace", async () => {
    const v1 = await packageChart(env, work.path, "widgets", "1.0.0", async (dir) => {
      await mkdir(join(dir, "crds"));
      await writeFile(join(dir, "crds", "widget.yaml"), crd(false));
    });
    await publishHelmChart(env, "widgets", v1, "1.0.0");
    await createHelmRelease(env, "widgets", {
      chartRef: { kind: "HelmChart", name: "widgets" },
      upgrade: { crds: "CreateReplace" },
    });
    await waitForHelmRelease(env, "widgets", "installed", isReadyNow);
    const crdRef = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: "widgets.example.com",
    };
    const created = await env.client.get(crdRef);
    expect(JSON.stringify(created["spec"])).not.toContain("Size");

    const v2 = await packageChart(env, work.path, "widgets", "1.1.0", async (dir) => {
      await mkdir(join(dir, "crds"));
      await writeFile(join(dir, "crds", "widget.yaml"), crd(true));
    });
    await publishHelmChart(env, "widgets", v2, "1.1.0");
    await waitForHelmRelease(
      env,
      "widgets",
      "upgraded",
      (o) => isReadyNow(o) && o.status?.history?.[0]?.chartVersion === "1.1.0",
    );
    const replaced = await env.client.get(crdRef);
    expect(JSON.stringify(replaced["spec"])).toContain('"name":"Size"');
  });
});
