// HelmRelease with `chartRef: OCIRepository`: charts pushed with the real `helm push` into Debian's
// docker-registry, pulled by the real source-controller, installed by helm-controller; a new chart version
// in the registry upgrades the release, with Flux's `<version>+<digest[0:12]>` revision.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveTool } from "@sluice/runtime";
import { createSourceController, type SourceController } from "@sluice/source-controller";
import { helmPushChart, type OciRegistry, requireTools, startOciRegistry, tempDir } from "@sluice/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createHelmRelease,
  type HelmEnv,
  isReadyNow,
  packageChart,
  SOURCE_API,
  startHelmEnv,
  waitForHelmRelease,
} from "./support/helm-env.js";

const run = promisify(execFile);
const NS = "oci-apps";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;
let source: SourceController;
let registry: OciRegistry;
const abort = new AbortController();

async function push(version: string): Promise<void> {
  const chart = await packageChart(env, work.path, "podinfo", version);
  await helmPushChart(resolveTool("helm").path, registry, join(env.chartsDir, chart.file), "charts");
}

beforeAll(async () => {
  work = await tempDir("hc-oci-");
  env = await startHelmEnv(work.path, NS);
  registry = await startOciRegistry();
  await push("1.0.0");
  source = createSourceController({
    kubeConfig: env.kubeConfig,
    storagePath: join(work.path, "storage"),
    storageAddr: "127.0.0.1:0",
    metricsAddr: "0",
    healthAddr: "0",
    retryDelay: { min: 200, max: 2_000 },
    rateLimit: false,
    logger: pino({ level: "silent" }),
  });
  source.start(abort.signal).catch(() => undefined);
  await source.ready();
}, 180_000);

afterAll(async () => {
  abort.abort();
  await source?.stop();
  await env?.stop();
  await registry?.stop();
  await work?.remove();
});

describe.skipIf(requireTools("docker-registry", "helm").skip)("HelmRelease from an OCIRepository", () => {
  it("installs the chart from the registry and upgrades on a new version", async () => {
    await env.client.create({
      apiVersion: SOURCE_API,
      kind: "OCIRepository",
      metadata: { namespace: NS, name: "podinfo" },
      spec: {
        url: `oci://${registry.host}/charts/podinfo`,
        interval: "1s",
        insecure: true,
        ref: { semver: "1.x" },
        layerSelector: { mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation: "copy" },
      },
    });
    await createHelmRelease(env, "podinfo", { chartRef: { kind: "OCIRepository", name: "podinfo" } });
    const hr = await waitForHelmRelease(env, "podinfo", "installed from OCI", isReadyNow);
    // helm-controller's chart digest tracking: the recorded chart version carries the artifact digest.
    expect(hr.status?.lastAttemptedRevision).toMatch(/^1\.0\.0\+[0-9a-f]{12}$/);
    expect(hr.status?.lastAttemptedRevisionDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hr.status?.lastAttemptedRevisionDigest?.slice(7, 19)).toBe(hr.status?.lastAttemptedRevision?.slice(6));
    expect(conditionOf(hr, "Released")?.message).toBe(
      `Helm install succeeded for release ${NS}/podinfo.v1 with chart podinfo@${hr.status?.lastAttemptedRevision}`,
    );
    expect(hr.status?.history?.[0]?.ociDigest).toBe(hr.status?.lastAttemptedRevisionDigest);

    await push("1.1.0");
    const upgraded = await waitForHelmRelease(
      env,
      "podinfo",
      "upgraded to 1.1.0",
      (o) => isReadyNow(o) && o.status?.history?.[0]?.chartVersion.startsWith("1.1.0+") === true,
    );
    expect(upgraded.status?.lastAttemptedRevision).toMatch(/^1\.1\.0\+[0-9a-f]{12}$/);
    const { stdout } = await run(resolveTool("helm").path, ["version", "--short"]);
    expect(stdout).toMatch(/^v4\./);
    const history = JSON.parse(await env.helm(["history", "podinfo", "-n", NS, "-o", "json"])) as { chart: string }[];
    expect(history.map((h) => h.chart)).toEqual([
      `podinfo-${hr.status?.lastAttemptedRevision}`,
      `podinfo-${upgraded.status?.lastAttemptedRevision}`,
    ]);
  });
});
