// The HelmChart controller end to end: the embedded API server with the chart's CRDs, the source-controller
// started with createSourceController, real chart repositories (`helm package`, `helm repo index`) served over
// HTTP on 127.0.0.1, and a Git repository served by `git http-backend`. Stored charts are checked with the
// real helm binary (`helm template`).

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HelmChart, HelmRepository } from "@sluice/api";
import { resolveTool, type UnstructuredObject } from "@sluice/runtime";
import {
  createFixtureRepo,
  createHelmChartRepo,
  createTestPki,
  type FixtureRepo,
  type GitHttpServer,
  type HelmChartRepo,
  type HelmRepoServer,
  startGitHttpServer,
  startHelmRepoServer,
  tempDir,
  writeTree,
} from "@sluice/testkit";
import { x as extractTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type ControllerEnv, createSecret, downloadArtifact, startControllerEnv } from "./support/controller-env.js";
import { conditionOf, readyNow, sourceObjects } from "./support/source-objects.js";

const run = promisify(execFile);
const NS = "helmchart-test";
const USER = "chart-user";
const PASSWORD = "s3cr3t-Ch4rt-pw";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let charts: HelmChartRepo;
let open: HelmRepoServer;
let privateDir: string;
let guarded: HelmRepoServer;
let gitServer: GitHttpServer;
let app: FixtureRepo;
const helm = () => resolveTool("helm").path;

/** Writes a small chart `name`@`version` with a ConfigMap template and extra values files. */
async function writeChart(dir: string, name: string, version: string, extra: Record<string, string> = {}) {
  await writeTree(dir, {
    "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: ${version}\ntype: application\n`,
    "values.yaml": "replicaCount: 1\nimage:\n  repository: nginx\n  tag: stable\n",
    "values-prod.yaml": 'replicaCount: 3\nimage:\n  tag: "1.27"\n',
    "templates/configmap.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  replicas: {{ .Values.replicaCount | quote }}\n  tag: {{ .Values.image.tag | quote }}\n",
    ...extra,
  });
}

/** Packages a chart directory into `repoDir` and re-indexes it (relative URLs unless `url`). */
async function publish(chartDir: string, repoDir: string, url?: string) {
  await run(helm(), ["package", chartDir, "--destination", repoDir]);
  await run(helm(), ["repo", "index", repoDir, ...(url ? ["--url", url] : [])]);
}

beforeAll(async () => {
  root = await tempDir("sc-helmchart-int-");
  charts = await createHelmChartRepo(root.path, () => open.baseUrl);
  open = await startHelmRepoServer(charts.dir);
  await charts.addChart("podinfo", "1.0.0");
  await charts.addChart("podinfo", "1.2.0");
  await charts.addChart("podinfo", "1.1.0");
  await charts.addChart("podinfo", "2.0.0-rc.1");
  await writeChart(join(root.path, "src", "webapp"), "webapp", "0.3.0");
  await publish(join(root.path, "src", "webapp"), charts.dir, open.baseUrl);

  privateDir = join(root.path, "private");
  await mkdir(privateDir, { recursive: true });
  await writeChart(join(root.path, "src", "secretapp"), "secretapp", "4.5.6");
  await publish(join(root.path, "src", "secretapp"), privateDir);
  guarded = await startHelmRepoServer(privateDir, { auth: { username: USER, password: PASSWORD } });

  app = await createFixtureRepo(join(root.path, "repos"), "app");
  await writeChart(join(app.work, "charts", "library"), "library", "0.1.0");
  await writeChart(join(app.work, "charts", "gitapp"), "gitapp", "0.9.0", {
    "Chart.yaml":
      "apiVersion: v2\nname: gitapp\nversion: 0.9.0\ndependencies:\n- name: library\n  version: 0.1.0\n  repository: file://../library\n",
  });
  await writeChart(join(app.work, "charts", "withdeps"), "withdeps", "1.0.0", {
    "Chart.yaml": `apiVersion: v2\nname: withdeps\nversion: 1.0.0\ndependencies:\n- name: secretapp\n  version: ">=4.0.0"\n  repository: ${guarded.baseUrl}\n`,
  });
  await writeChart(join(root.path, "src", "packed"), "packed", "0.2.0");
  await mkdir(join(app.work, "packaged"), { recursive: true });
  await run(helm(), ["package", join(root.path, "src", "packed"), "--destination", join(app.work, "packaged")]);
  await app.commit({ "env/prod.yaml": "replicaCount: 5\nextra:\n  enabled: true\n" }, "charts");
  await app.push();
  gitServer = await startGitHttpServer({ root: join(root.path, "repos") });

  env = await startControllerEnv(root.path, NS);
}, 180_000);

afterAll(async () => {
  await env?.stop();
  await open?.stop();
  await guarded?.stop();
  await gitServer?.stop();
  await root?.remove();
});

const { ref, create, ...objects } = sourceObjects(() => env);
const getChart = (name: string) => objects.get<HelmChart>("HelmChart", name);
const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const waitChart = (name: string, check: (c: HelmChart) => boolean, what: string) =>
  objects.waitFor<HelmChart>("HelmChart", name, check, what);

async function waitReadyFalse(name: string, reason: string) {
  return waitChart(
    name,
    (c) => conditionOf(c, "Ready")?.status === "False" && conditionOf(c, "Ready")?.reason === reason,
    `Ready=False ${reason}`,
  );
}

/** Extracts a chart package into a fresh directory and returns `<dir>/<chart>`. */
async function unpack(data: Buffer, name: string): Promise<string> {
  const dir = join(root.path, `unpack-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, "chart.tgz");
  await writeFile(file, data);
  await extractTar({ file, cwd: dir });
  return join(dir, name);
}

/** `helm template` of a stored chart package: proves helm accepts it; returns the rendered YAML. */
async function helmTemplate(data: Buffer): Promise<string> {
  const dir = join(root.path, `tpl-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, "chart.tgz");
  await writeFile(file, data);
  const { stdout } = await run(helm(), ["template", "rel", file]);
  return stdout;
}

describe("HelmChart from an HTTP HelmRepository", () => {
  beforeAll(async () => {
    await create("HelmRepository", "charts", { url: open.baseUrl });
  });

  it("stores the highest version matching the range as <chart>-<version>.tgz (prereleases excluded)", async () => {
    await create("HelmChart", "podinfo", {
      chart: "podinfo",
      version: ">=1.0.0 <3.0.0",
      sourceRef: { kind: "HelmRepository", name: "charts" },
    });
    const chart = await waitChart("podinfo", readyNow, "Ready");
    const artifact = chart.status?.artifact;
    expect(artifact?.revision).toBe("1.2.0");
    expect(artifact?.path).toBe(`helmchart/${NS}/podinfo/podinfo-1.2.0.tgz`);
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPullSucceeded");
    expect(conditionOf(chart, "Ready")?.message).toBe("pulled 'podinfo' chart with version '1.2.0'");
    expect(conditionOf(chart, "ArtifactInStorage")?.reason).toBe("ChartPullSucceeded");
    expect(chart.status?.observedChartName).toBe("podinfo");
    const repo = await objects.get<HelmRepository>("HelmRepository", "charts");
    expect(chart.status?.observedSourceArtifactRevision).toBe(repo.status?.artifact?.revision);
    expect(chart.status?.url).toBe(`http://${env.advertisedAddress}/helmchart/${NS}/podinfo/latest.tar.gz`);

    const data = await downloadArtifact(artifact?.url ?? "");
    expect(sha256(data)).toBe(artifact?.digest);
    const original = await import("node:fs/promises").then((fs) => fs.readFile(join(charts.dir, "podinfo-1.2.0.tgz")));
    expect(data.equals(original)).toBe(true);
    expect(await helmTemplate(data)).toContain("kind: Deployment");

    const event = env.sink.events.find(
      (e) => e.involvedObject.kind === "HelmChart" && e.involvedObject.name === "podinfo",
    );
    expect(event?.reason).toBe("ChartPullSucceeded");
    expect(event?.metadata?.["source.toolkit.fluxcd.io/revision"]).toBe("1.2.0");
  });

  it("a prerelease range selects the prerelease", async () => {
    await create("HelmChart", "podinfo-rc", {
      chart: "podinfo",
      version: ">=2.0.0-0",
      sourceRef: { kind: "HelmRepository", name: "charts" },
    });
    const chart = await waitChart("podinfo-rc", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe("2.0.0-rc.1");
  });

  it("a new version in the repository index rebuilds the chart without touching the HelmChart", async () => {
    await charts.addChart("podinfo", "1.3.0");
    await objects.requestReconcile("HelmRepository", "charts");
    const chart = await waitChart("podinfo", (c) => c.status?.artifact?.revision === "1.3.0", "revision 1.3.0");
    expect(chart.status?.artifact?.path).toBe(`helmchart/${NS}/podinfo/podinfo-1.3.0.tgz`);
    expect(conditionOf(chart, "Ready")?.status).toBe("True");
  });

  it("merges valuesFiles in order into the packaged values.yaml (revision <version>+<generation>)", async () => {
    await create("HelmChart", "webapp", {
      chart: "webapp",
      sourceRef: { kind: "HelmRepository", name: "charts" },
      valuesFiles: ["values.yaml", "values-prod.yaml"],
    });
    const chart = await waitChart("webapp", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe(`0.3.0+${chart.metadata.generation}`);
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPackageSucceeded");
    expect(conditionOf(chart, "Ready")?.message).toBe(
      `packaged 'webapp' chart with version '0.3.0+${chart.metadata.generation}' and merged values files [values.yaml values-prod.yaml]`,
    );
    const data = await downloadArtifact(chart.status?.artifact?.url ?? "");
    const dir = await unpack(data, "webapp");
    const fs = await import("node:fs/promises");
    const values = parseYaml(await fs.readFile(join(dir, "values.yaml"), "utf8"));
    expect(values).toEqual({ replicaCount: 3, image: { repository: "nginx", tag: "1.27" } });
    const meta = parseYaml(await fs.readFile(join(dir, "Chart.yaml"), "utf8"));
    expect(meta.version).toBe(`0.3.0+${chart.metadata.generation}`);
    const rendered = await helmTemplate(data);
    expect(rendered).toContain('replicas: "3"');
    expect(rendered).toContain('tag: "1.27"');
  });

  it("a missing values file fails with ValuesFilesError, and ignoreMissingValuesFiles skips it", async () => {
    await create("HelmChart", "webapp-missing", {
      chart: "webapp",
      sourceRef: { kind: "HelmRepository", name: "charts" },
      valuesFiles: ["values.yaml", "missing.yaml"],
    });
    const failed = await waitReadyFalse("webapp-missing", "ValuesFilesError");
    expect(conditionOf(failed, "BuildFailed")?.message).toBe(
      "values files merge error: failed to merge chart values: no values file found at path 'missing.yaml'",
    );
    expect(conditionOf(failed, "Stalled")?.status).toBe("True");

    await env.cluster.client.patch(
      ref("HelmChart", "webapp-missing"),
      { spec: { ignoreMissingValuesFiles: true } },
      { type: "application/merge-patch+json" },
    );
    const chart = await waitChart("webapp-missing", readyNow, "Ready after ignoreMissingValuesFiles");
    expect(chart.status?.observedValuesFiles).toEqual(["values.yaml"]);
    expect(chart.status?.artifact?.revision).toBe(`0.3.0+${chart.metadata.generation}`);
    expect(conditionOf(chart, "Stalled")).toBeUndefined();
  });

  it("an unknown chart stalls with InvalidChartReference naming the cause", async () => {
    await create("HelmChart", "nochart", {
      chart: "does-not-exist",
      sourceRef: { kind: "HelmRepository", name: "charts" },
    });
    const chart = await waitReadyFalse("nochart", "InvalidChartReference");
    expect(conditionOf(chart, "FetchFailed")?.message).toBe(
      "invalid chart reference: failed to get chart version for remote reference: no chart name found",
    );
    expect(conditionOf(chart, "Stalled")?.reason).toBe("InvalidChartReference");
  });

  it("no matching version stalls with InvalidChartReference naming the range", async () => {
    await create("HelmChart", "noversion", {
      chart: "podinfo",
      version: ">=9.0.0",
      sourceRef: { kind: "HelmRepository", name: "charts" },
    });
    const chart = await waitReadyFalse("noversion", "InvalidChartReference");
    expect(conditionOf(chart, "Ready")?.message).toBe(
      "invalid chart reference: failed to get chart version for remote reference: no 'podinfo' chart with version matching '>=9.0.0' found",
    );
  });

  it("an unchanged chart version is neither downloaded nor stored again", async () => {
    const downloads = () => open.requests.filter((r) => r.path.endsWith(".tgz")).length;
    const before = await waitChart("podinfo", readyNow, "Ready");
    const count = downloads();
    const at = await objects.requestReconcile("HelmChart", "podinfo");
    const after = await waitChart("podinfo", (c) => c.status?.lastHandledReconcileAt === at, "request handled");
    expect(downloads()).toBe(count);
    expect(after.status?.artifact).toEqual(before.status?.artifact);
    expect(conditionOf(after, "Ready")?.status).toBe("True");
  });

  it("a suspended HelmChart is not built until resumed", async () => {
    await create("HelmChart", "paused", {
      chart: "podinfo",
      suspend: true,
      sourceRef: { kind: "HelmRepository", name: "charts" },
    });
    const suspended = await waitChart(
      "paused",
      (c) => (c.metadata.finalizers ?? []).includes("finalizers.fluxcd.io"),
      "finalizer added",
    );
    expect(suspended.status?.artifact).toBeUndefined();
    await env.cluster.client.patch(
      ref("HelmChart", "paused"),
      { spec: { suspend: false } },
      { type: "application/merge-patch+json" },
    );
    const chart = await waitChart("paused", readyNow, "Ready after resume");
    expect(chart.status?.artifact?.revision).toBe("1.3.0");
  });

  it("a chart the repository cannot serve fails with ChartPullError and is retried", async () => {
    const ghostDir = join(root.path, "ghost");
    await writeTree(ghostDir, {
      "index.yaml":
        "apiVersion: v1\nentries:\n  ghost:\n  - apiVersion: v2\n    name: ghost\n    version: 1.0.0\n    urls:\n    - ghost-1.0.0.tgz\n",
    });
    const ghost = await startHelmRepoServer(ghostDir);
    try {
      await create("HelmRepository", "ghost", { url: ghost.baseUrl });
      await create("HelmChart", "ghost", { chart: "ghost", sourceRef: { kind: "HelmRepository", name: "ghost" } });
      const chart = await waitReadyFalse("ghost", "ChartPullError");
      expect(conditionOf(chart, "FetchFailed")?.message).toBe(
        `chart pull error: failed to download chart for remote reference: failed to fetch ${ghost.baseUrl}/ghost-1.0.0.tgz : 404 Not Found`,
      );
      expect(conditionOf(chart, "Stalled")).toBeUndefined();
      const before = ghost.requests.filter((r) => r.path === "/ghost-1.0.0.tgz").length;
      const deadline = Date.now() + 30_000;
      while (ghost.requests.filter((r) => r.path === "/ghost-1.0.0.tgz").length <= before) {
        if (Date.now() > deadline) throw new Error("the failed pull was not retried");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await ghost.stop();
    }
  });

  it("a missing source is SourceUnavailable, and the chart builds once the source appears", async () => {
    await create("HelmChart", "late", {
      chart: "podinfo",
      version: "1.1.x",
      sourceRef: { kind: "HelmRepository", name: "late-repo" },
    });
    const failed = await waitReadyFalse("late", "SourceUnavailable");
    expect(conditionOf(failed, "FetchFailed")?.message).toContain('"late-repo" not found');
    await create("HelmRepository", "late-repo", { url: open.baseUrl });
    const chart = await waitChart("late", readyNow, "Ready after the source appeared");
    expect(chart.status?.artifact?.revision).toBe("1.1.0");
  });
});

describe("HelmChart from a HelmRepository with basic auth", () => {
  it("downloads the chart with the repository's credentials", async () => {
    await createSecret(env, "repo-auth", { username: USER, password: PASSWORD });
    await create("HelmRepository", "private", { url: guarded.baseUrl, secretRef: { name: "repo-auth" } });
    await create("HelmChart", "secretapp", {
      chart: "secretapp",
      sourceRef: { kind: "HelmRepository", name: "private" },
    });
    const chart = await waitChart("secretapp", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe("4.5.6");
    const chartRequests = guarded.requests.filter((r) => r.path.endsWith(".tgz"));
    expect(chartRequests.length).toBeGreaterThan(0);
    expect(chartRequests.every((r) => r.headers.authorization?.startsWith("Basic "))).toBe(true);
    const text = JSON.stringify(chart);
    expect(text).not.toContain(PASSWORD);
  });
});

describe("HelmChart from an HTTPS HelmRepository with certSecretRef", () => {
  it("downloads the chart over TLS trusting the CA of certSecretRef, with basic auth", async () => {
    const pki = createTestPki();
    const secure = await startHelmRepoServer(privateDir, {
      auth: { username: USER, password: PASSWORD },
      tls: { key: pki.serverKey, cert: pki.serverCert },
    });
    try {
      await createSecret(env, "tls-auth", { username: USER, password: PASSWORD });
      await createSecret(env, "tls-ca", { "ca.crt": pki.caCert });
      await create("HelmRepository", "secure", {
        url: secure.baseUrl,
        secretRef: { name: "tls-auth" },
        certSecretRef: { name: "tls-ca" },
      });
      await create("HelmChart", "secure-app", {
        chart: "secretapp",
        sourceRef: { kind: "HelmRepository", name: "secure" },
      });
      const chart = await waitChart("secure-app", readyNow, "Ready");
      expect(chart.status?.artifact?.revision).toBe("4.5.6");
      expect(secure.requests.some((r) => r.path === "/secretapp-4.5.6.tgz")).toBe(true);
    } finally {
      await secure.stop();
    }
  });
});

describe("HelmChart from a GitRepository", () => {
  beforeAll(async () => {
    await create("GitRepository", "app", { url: gitServer.url("app.git"), ref: { branch: "master" } });
  });

  it("packages the chart at spec.chart with its file:// dependency and values files from the repository root", async () => {
    await create("HelmChart", "gitapp", {
      chart: "./charts/gitapp",
      sourceRef: { kind: "GitRepository", name: "app" },
      valuesFiles: ["charts/gitapp/values.yaml", "env/prod.yaml"],
    });
    const chart = await waitChart("gitapp", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe(`0.9.0+${chart.metadata.generation}`);
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPackageSucceeded");
    const data = await downloadArtifact(chart.status?.artifact?.url ?? "");
    const dir = await unpack(data, "gitapp");
    const fs = await import("node:fs/promises");
    const values = parseYaml(await fs.readFile(join(dir, "values.yaml"), "utf8"));
    expect(values).toEqual({
      replicaCount: 5,
      image: { repository: "nginx", tag: "stable" },
      extra: { enabled: true },
    });
    expect((await fs.readdir(join(dir, "charts"))).some((f) => f.startsWith("library"))).toBe(true);
    expect(await helmTemplate(data)).toContain('replicas: "5"');
    const events = env.sink.events.filter((e) => e.involvedObject.name === "gitapp");
    expect(events.some((e) => e.reason === "ChartPackageSucceeded")).toBe(true);
  });

  it("Revision strategy: <version>+<12 chars of the commit>, rebuilt at once on a new commit", async () => {
    await create("HelmChart", "library-rev", {
      chart: "charts/library",
      reconcileStrategy: "Revision",
      sourceRef: { kind: "GitRepository", name: "app" },
    });
    const first = await waitChart("library-rev", readyNow, "Ready");
    const head = await app.git(["rev-parse", "HEAD"]);
    expect(first.status?.artifact?.revision).toBe(`0.1.0+${head.slice(0, 12)}`);

    const next = await app.commit({ "README.md": "new commit\n" }, "docs");
    await app.push();
    await objects.requestReconcile("GitRepository", "app");
    const second = await waitChart(
      "library-rev",
      (c) => c.status?.artifact?.revision === `0.1.0+${next.slice(0, 12)}`,
      "rebuilt for the new commit",
    );
    expect(second.status?.observedSourceArtifactRevision).toBe(`master@sha1:${next}`);
  });

  it("resolves repository dependencies with the credentials of the HelmRepository that has their URL", async () => {
    await createSecret(env, "deps-auth", { username: USER, password: PASSWORD });
    await create("HelmRepository", "deps-repo", { url: guarded.baseUrl, secretRef: { name: "deps-auth" } });
    await create("HelmChart", "withdeps", {
      chart: "charts/withdeps",
      sourceRef: { kind: "GitRepository", name: "app" },
    });
    const chart = await waitChart("withdeps", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe("1.0.0");
    const dir = await unpack(await downloadArtifact(chart.status?.artifact?.url ?? ""), "withdeps");
    const fs = await import("node:fs/promises");
    expect(await fs.readdir(join(dir, "charts"))).toContain("secretapp");
    const sub = parseYaml(await fs.readFile(join(dir, "charts", "secretapp", "Chart.yaml"), "utf8"));
    expect(sub.version).toBe("4.5.6");
    const k8sEvents = await env.cluster.client.list<UnstructuredObject>("v1", "Event", { namespace: NS });
    expect(JSON.stringify(k8sEvents.items)).not.toContain(PASSWORD);
  });

  it("stores a packaged chart from the repository as is", async () => {
    await create("HelmChart", "packed", {
      chart: "packaged/packed-0.2.0.tgz",
      sourceRef: { kind: "GitRepository", name: "app" },
    });
    const chart = await waitChart("packed", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe("0.2.0");
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPullSucceeded");
    const fs = await import("node:fs/promises");
    const original = await fs.readFile(join(app.work, "packaged", "packed-0.2.0.tgz"));
    expect((await downloadArtifact(chart.status?.artifact?.url ?? "")).equals(original)).toBe(true);
  });

  it("a values file missing from the repository stalls with ValuesFilesError naming the path", async () => {
    await create("HelmChart", "gitapp-badvalues", {
      chart: "charts/gitapp",
      sourceRef: { kind: "GitRepository", name: "app" },
      valuesFiles: ["env/prod.yaml", "env/missing.yaml"],
    });
    const chart = await waitReadyFalse("gitapp-badvalues", "ValuesFilesError");
    expect(conditionOf(chart, "BuildFailed")?.message).toBe(
      "values files merge error: no values file found at path '/env/missing.yaml' (reference 'env/missing.yaml')",
    );
    expect(conditionOf(chart, "Stalled")?.status).toBe("True");
    expect(chart.status?.artifact).toBeUndefined();
  });

  it("waits with NoSourceArtifact while the GitRepository has no artifact", async () => {
    await create("GitRepository", "unreachable", { url: `${gitServer.baseUrl}/missing.git` });
    await create("HelmChart", "waiting", {
      chart: "charts/gitapp",
      sourceRef: { kind: "GitRepository", name: "unreachable" },
    });
    const chart = await waitReadyFalse("waiting", "NoSourceArtifact");
    expect(conditionOf(chart, "FetchFailed")?.message).toBe(
      "no artifact available for GitRepository source 'unreachable'",
    );
    expect(conditionOf(chart, "Stalled")).toBeUndefined();
  });

  it("repackages a packaged chart from the repository with values files", async () => {
    await create("HelmChart", "packed-values", {
      chart: "packaged/packed-0.2.0.tgz",
      sourceRef: { kind: "GitRepository", name: "app" },
      valuesFiles: ["env/prod.yaml"],
    });
    const chart = await waitChart("packed-values", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe(`0.2.0+${chart.metadata.generation}`);
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPackageSucceeded");
    const dir = await unpack(await downloadArtifact(chart.status?.artifact?.url ?? ""), "packed");
    const fs = await import("node:fs/promises");
    expect(parseYaml(await fs.readFile(join(dir, "values.yaml"), "utf8"))).toEqual({
      replicaCount: 5,
      extra: { enabled: true },
    });
  });

  it("a chart path missing from the artifact stalls with InvalidChartReference", async () => {
    await create("HelmChart", "nopath", {
      chart: "charts/missing",
      sourceRef: { kind: "GitRepository", name: "app" },
    });
    const chart = await waitReadyFalse("nopath", "InvalidChartReference");
    expect(conditionOf(chart, "Ready")?.message).toContain("charts/missing");
  });

  it("deleting the HelmChart removes its artifacts from storage", async () => {
    const before = await getChart("nopath");
    expect(before.metadata.finalizers).toContain("finalizers.fluxcd.io");
    const gitapp = await getChart("library-rev");
    const fs = await import("node:fs/promises");
    const dir = join(env.storagePath, "helmchart", NS, "library-rev");
    expect((await fs.readdir(dir)).length).toBeGreaterThan(0);
    await env.cluster.client.delete(ref("HelmChart", "library-rev"));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const gone = await env.cluster.client.getOptional(ref("HelmChart", "library-rev"));
      const exists = await fs.stat(dir).then(
        () => true,
        () => false,
      );
      if (!gone && !exists) break;
      if (Date.now() > deadline) throw new Error(`HelmChart not cleaned up: ${JSON.stringify(gitapp.status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
