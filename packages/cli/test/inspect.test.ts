// Read-only views: get tables for Kustomizations and HelmReleases, tree (nested Kustomizations and a Helm
// release from its storage Secret), trace (owner labels → Kustomization → source), events, check.

import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/program.js";
import { type CliEnv, startCliEnv, TextSink } from "./support/cli-env.js";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const HR = "helm.toolkit.fluxcd.io/v2";
const SRC = "source.toolkit.fluxcd.io/v1";
const NOW = new Date().toISOString().replace(/\.\d+Z$/, "Z");

function ready(
  status: "True" | "False",
  message: string,
  reason = status === "True" ? "ReconciliationSucceeded" : "BuildFailed",
) {
  return [{ type: "Ready", status, reason, message, lastTransitionTime: NOW, observedGeneration: 1 }];
}

describe("sluice inspection commands", () => {
  let env: CliEnv;

  async function create(obj: UnstructuredObject, status?: Record<string, unknown>): Promise<void> {
    const created = await env.cluster.client.create(obj);
    if (status) {
      await env.cluster.client.patchStatus(
        {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          namespace: obj.metadata.namespace ?? "",
          name: obj.metadata.name!,
        },
        { status: { observedGeneration: created.metadata.generation, ...status } },
      );
    }
  }

  beforeAll(async () => {
    env = await startCliEnv();
    await env.cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } });
    await create(
      {
        apiVersion: SRC,
        kind: "GitRepository",
        metadata: { name: "repo", namespace: "flux-system" },
        spec: { url: "https://example.com/repo.git", interval: "1m", ref: { branch: "main" } },
      },
      {
        conditions: ready("True", "stored artifact for revision 'main@sha1:abc'"),
        artifact: { revision: "main@sha1:abc", digest: "sha256:00", path: "p", url: "http://x/p", lastUpdateTime: NOW },
      },
    );
    await create(
      {
        apiVersion: KS,
        kind: "Kustomization",
        metadata: { name: "infra", namespace: "flux-system" },
        spec: { interval: "1m", path: "./infra", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
      },
      {
        conditions: ready("True", "Applied revision: main@sha1:abc"),
        lastAppliedRevision: "main@sha1:abc",
        inventory: {
          entries: [
            { id: "_apps__Namespace", v: "v1" },
            { id: "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", v: "v1" },
          ],
        },
      },
    );
    await create(
      {
        apiVersion: KS,
        kind: "Kustomization",
        metadata: { name: "apps", namespace: "flux-system" },
        spec: {
          interval: "1m",
          path: "./apps",
          prune: true,
          targetNamespace: "apps",
          sourceRef: { kind: "GitRepository", name: "repo" },
        },
      },
      {
        conditions: ready("False", "kustomize build failed: missing resource"),
        lastAppliedRevision: "main@sha1:aaa",
        inventory: {
          entries: [
            { id: "apps_web_apps_Deployment", v: "v1" },
            { id: "apps_web_helm.toolkit.fluxcd.io_HelmRelease", v: "v2" },
          ],
        },
      },
    );
    // A HelmRelease with a Helm storage Secret holding its release manifest.
    await create(
      {
        apiVersion: HR,
        kind: "HelmRelease",
        metadata: { name: "web", namespace: "apps" },
        spec: {
          interval: "1m",
          chart: {
            spec: { chart: "web", sourceRef: { kind: "HelmRepository", name: "charts", namespace: "flux-system" } },
          },
        },
      },
      {
        conditions: ready("True", "Helm install succeeded for release apps/web.v1 with chart web@1.2.3"),
        storageNamespace: "apps",
        history: [
          {
            name: "web",
            namespace: "apps",
            version: 1,
            chartName: "web",
            chartVersion: "1.2.3",
            appVersion: "1",
            configDigest: "sha256:0",
            firstDeployed: NOW,
            lastDeployed: NOW,
            status: "deployed",
            digest: "sha256:1",
          },
        ],
      },
    );
    const release = {
      name: "web",
      version: 1,
      manifest:
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\n",
    };
    const helmEncoded = gzipSync(Buffer.from(JSON.stringify(release))).toString("base64");
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "sh.helm.release.v1.web.v1",
        namespace: "apps",
        labels: { owner: "helm", name: "web", version: "1" },
      },
      type: "helm.sh/release.v1",
      data: { release: Buffer.from(helmEncoded).toString("base64") },
    });
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "settings",
        namespace: "apps",
        labels: { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" },
      },
      data: { a: "b" },
    });
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "apps.1", namespace: "flux-system" },
      involvedObject: { apiVersion: KS, kind: "Kustomization", name: "apps", namespace: "flux-system" },
      reason: "BuildFailed",
      message: "kustomize build failed: missing resource",
      type: "Warning",
      lastTimestamp: NOW,
      firstTimestamp: NOW,
      count: 1,
      source: { component: "kustomize-controller" },
    });
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "repo.1", namespace: "flux-system" },
      involvedObject: {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        name: "repo",
        namespace: "flux-system",
      },
      reason: "NewArtifact",
      message: "stored artifact for commit 'abc'",
      type: "Normal",
      lastTimestamp: NOW,
      firstTimestamp: NOW,
      count: 1,
      source: { component: "source-controller" },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("get kustomizations shows applied revision, readiness and message", async () => {
    const r = await env.sluice("get", "kustomizations");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^apps\s+main@sha1:aaa\s+False\s+False\s+kustomize build failed: missing resource$/);
    expect(lines[2]).toMatch(/^infra\s+main@sha1:abc\s+False\s+True\s+Applied revision: main@sha1:abc$/);
  });

  it("get --status-selector keeps only matching objects", async () => {
    const failing = await env.sluice("get", "ks", "--status-selector", "ready=false");
    expect(
      failing.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(["NAME", "apps"]);
    const ok = await env.sluice("get", "ks", "--status-selector", "Ready=True");
    expect(
      ok.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(["NAME", "infra"]);
    const bad = await env.sluice("get", "ks", "--status-selector", "ready");
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      '✗ invalid --status-selector "ready": want <condition>=<true|false|unknown>, e.g. ready=false',
    );
  });

  it("get helmreleases -A shows the chart version", async () => {
    const r = await env.sluice("get", "helmreleases", "-A");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[1]).toMatch(/^apps\s+web\s+1\.2\.3\s+False\s+True\s+Helm install succeeded/);
  });

  it("get all lists every kind with qualified names", async () => {
    const r = await env.sluice("get", "all");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gitrepository\/repo\s/m);
    expect(r.stdout).toMatch(/^kustomization\/apps\s/m);
    expect(r.stdout).toMatch(/^kustomization\/infra\s/m);
    expect(r.stdout).not.toContain("helmrelease/web");
  });

  it("tree --compact keeps Flux objects only; -o json|yaml gives flux's resource/resources shape", async () => {
    const compact = await env.sluice("tree", "ks", "infra", "--compact");
    expect(compact.stdout).toBe(
      [
        "Kustomization/flux-system/infra",
        "└── Kustomization/flux-system/apps",
        "    └── HelmRelease/apps/web",
        "",
      ].join("\n"),
    );
    const json = await env.sluice("tree", "ks", "infra", "--compact", "-o", "json");
    expect(JSON.parse(json.stdout)).toEqual({
      resource: {
        Namespace: "flux-system",
        Name: "infra",
        GroupKind: { Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization" },
      },
      resources: [
        {
          resource: {
            Namespace: "flux-system",
            Name: "apps",
            GroupKind: { Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization" },
          },
          resources: [
            {
              resource: {
                Namespace: "apps",
                Name: "web",
                GroupKind: { Group: "helm.toolkit.fluxcd.io", Kind: "HelmRelease" },
              },
            },
          ],
        },
      ],
    });
    const yaml = await env.sluice("tree", "ks", "infra", "-o", "yaml");
    expect(yaml.stdout).toMatch(
      /^resource:\n {2}Namespace: flux-system\n {2}Name: infra\n {2}GroupKind:\n {4}Group: kustomize\.toolkit\.fluxcd\.io\n {4}Kind: Kustomization\nresources:\n/,
    );
    expect(yaml.stdout).toContain("Kind: Service");
    const bad = await env.sluice("tree", "ks", "infra", "-o", "table");
    expect(bad.stderr).toBe(`✗ invalid --output "table": can be 'json' or 'yaml'\n`);
  });

  it("tree expands nested Kustomizations and HelmReleases", async () => {
    const r = await env.sluice("tree", "kustomization", "infra");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "Kustomization/flux-system/infra",
        "├── Namespace/apps",
        "└── Kustomization/flux-system/apps",
        "    ├── Deployment/apps/web",
        "    └── HelmRelease/apps/web",
        "        ├── Service/apps/web",
        "        └── Deployment/apps/web",
        "",
      ].join("\n"),
    );
  });

  it("trace follows owner labels to the Kustomization and its source", async () => {
    const r = await env.sluice("trace", "configmap", "settings", "-n", "apps");
    expect(r.code).toBe(0);
    const parts = r.stdout.split("\n---\n");
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatch(/^Object:\s+ConfigMap\/settings\nNamespace:\s+apps\nStatus:\s+Managed by Flux$/);
    expect(parts[1]).toMatch(
      /^Kustomization:\s+apps\nNamespace:\s+flux-system\nTarget:\s+apps\nPath:\s+\.\/apps\nRevision:\s+main@sha1:aaa\nStatus:\s+Failed \(BuildFailed\)\nMessage:\s+kustomize build failed/,
    );
    expect(parts[2]).toMatch(
      /^GitRepository:\s+repo\nNamespace:\s+flux-system\nURL:\s+https:\/\/example.com\/repo.git\nBranch:\s+main\nRevision:\s+main@sha1:abc\nStatus:\s+Last reconciled at /,
    );
  });

  it("trace of an unmanaged object says so", async () => {
    const r = await env.sluice("trace", "namespace", "apps");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✗ object Namespace/apps is not managed by Flux");
    const unknown = await env.sluice("trace", "widget", "x");
    expect(unknown.stderr.trim()).toBe(
      '✗ unknown kind "widget": use a kind name or short name such as deployment (deploy), service (svc), configmap (cm), kustomization (ks), helmrelease (hr), or pass its --api-version (e.g. --api-version example.com/v1)',
    );
  });

  it("events --for an object includes its source's events; --types filters; a bad type or kind is refused", async () => {
    const r = await env.sluice("events", "--for", "Kustomization/apps");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d+s\s+Normal\s+NewArtifact\s+GitRepository\/repo\s+stored artifact for commit 'abc'$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\d+s\s+Warning\s+BuildFailed\s+Kustomization\/apps\s+kustomize build failed: missing resource$/,
      ),
    );
    const warnings = await env.sluice("events", "--for", "Kustomization/apps", "--types", "Warning");
    expect(warnings.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(warnings.stdout).not.toContain("NewArtifact");
    const kindOnly = await env.sluice("events", "--for", "GitRepository");
    expect(kindOnly.stdout.trimEnd().split("\n").slice(1)).toEqual([expect.stringMatching(/GitRepository\/repo/)]);
    // infra has no events of its own: its source's.
    const infra = await env.sluice("events", "--for", "Kustomization/infra");
    expect(infra.stdout.trimEnd().split("\n").slice(1)).toEqual([expect.stringMatching(/GitRepository\/repo/)]);
    const none = await env.sluice("events", "--for", "Receiver");
    expect(none.stdout).toBe("");
    expect(none.stderr.trim()).toBe("✗ No events found in flux-system namespace.");
    const badType = await env.sluice("events", "--types", "Error");
    expect(badType.stderr).toBe("✗ type 'Error' not supported. Supported types are Normal, Warning\n");
    const badKind = await env.sluice("events", "--for", "Widget/x");
    expect(badKind.stderr).toBe("✗ 'Widget' is not a recognized Flux kind\n");
  });

  it("events -w prints the current events, then new ones, until interrupted", async () => {
    const stop = new AbortController();
    let seen = "";
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        seen += chunk.toString();
        if (seen.includes("ReconciliationSucceeded")) stop.abort();
        cb();
      },
    });
    const watching = run(["events", "-w", "--for", "Kustomization/apps"], {
      stdout,
      stderr: new TextSink(),
      env: { KUBECONFIG: env.kubeconfigPath, HOME: env.workDir },
      cwd: env.workDir,
      isTTY: false,
      columns: undefined,
      signal: stop.signal,
    });
    while (!seen.includes("BuildFailed")) await new Promise((resolve) => setTimeout(resolve, 20));
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "apps.2", namespace: "flux-system" },
      involvedObject: { apiVersion: KS, kind: "Kustomization", name: "apps", namespace: "flux-system" },
      reason: "ReconciliationSucceeded",
      message: "applied revision main@sha1:bbb",
      type: "Normal",
      lastTimestamp: new Date().toISOString(),
      firstTimestamp: new Date().toISOString(),
      count: 1,
      source: { component: "kustomize-controller" },
    });
    expect(await watching).toBe(0);
    expect(seen.split("\n")[0]).toMatch(/^LAST SEEN\s+TYPE/);
    expect(seen).toMatch(/Normal\s+ReconciliationSucceeded\s+Kustomization\/apps\s+applied revision main@sha1:bbb\n$/);
  });

  it("check --pre passes; check fails without controllers but lists the CRDs", async () => {
    const pre = await env.sluice("check", "--pre");
    expect(pre.code).toBe(0);
    expect(pre.stderr).toMatch(
      /^► checking prerequisites\n✔ Kubernetes v\d+\.\d+\S*\n✔ prerequisites checks passed\n$/,
    );
    const full = await env.sluice("check");
    expect(full.code).toBe(1);
    expect(full.stderr).toContain("✗ no controller Deployments found in flux-system namespace");
    expect(full.stderr).toContain("✔ gitrepositories.source.toolkit.fluxcd.io/v1\n");
    expect(full.stderr).toContain("✔ kustomizations.kustomize.toolkit.fluxcd.io/v1\n");
    expect(full.stderr.trimEnd().split("\n").at(-1)).toBe("✗ check failed");
  });

  it("check reports an unreachable API server", async () => {
    const r = await env.sluice("check", "--pre", "--kubeconfig", await unreachableKubeconfig(env.workDir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/✗ API server http:\/\/127\.0\.0\.1:1 not reachable: /);
  });
});

async function unreachableKubeconfig(dir: string): Promise<string> {
  const { writeFile } = await import("node:fs/promises");
  const path = `${dir}/unreachable.kubeconfig`;
  await writeFile(
    path,
    "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n",
  );
  return path;
}
