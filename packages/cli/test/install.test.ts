// install --export is the chart's render (the real helm, the chart's defaults or the flags' values), install
// into the embedded API server (whose Pods are simulated, as install and check say), install and check on a
// "real" cluster failing for Deployments whose Pods never ran, and uninstall.

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { resolveTool } from "@sluice/runtime/tools";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster, tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type CliEnv, runCli, startCliEnv } from "./support/cli-env.js";

const CHART = join(import.meta.dirname, "../../../charts/sluice");
const execFileAsync = promisify(execFile);

/** The chart rendered by the real helm, as a user would: `helm template … --set …`. */
async function helmTemplate(...set: string[]): Promise<string> {
  const helm = resolveTool("helm").path;
  const args = ["template", "sluice", CHART, "--namespace", "flux-system", "--include-crds", "--skip-tests"];
  for (const s of ["namespace.create=true", ...set]) args.push("--set", s);
  return (await execFileAsync(helm, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** `install --export` output without its two header comment lines. */
function withoutHeader(stdout: string): string {
  const lines = stdout.split("\n");
  expect(lines[0]).toMatch(/^# Sluice v\S+: chart \S+ rendered by 'sluice install --export' \(helm template\),$/);
  expect(lines[1]).toMatch(/^# components: /);
  return lines.slice(2).join("\n");
}

function objectsOf(yaml: string): UnstructuredObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as UnstructuredObject | null)
    .filter((o): o is UnstructuredObject => o !== null);
}

type Container = { image: string; args: string[] };
function container(objects: UnstructuredObject[], name: string): Container {
  const d = objects.find((o) => o.kind === "Deployment" && o.metadata.name === name);
  if (!d) throw new Error(`no Deployment ${name}`);
  return (d["spec"] as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
}

describe("sluice install / uninstall", () => {
  let env: CliEnv;
  beforeAll(async () => {
    env = await startCliEnv({ simulateWorkloads: true, noCrds: true });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("install --export prints exactly what the chart renders with its defaults (and the namespace)", async () => {
    const r = await env.sluice("install", "--export");
    expect(r.code).toBe(0);
    expect(withoutHeader(r.stdout)).toBe(await helmTemplate());
    const kinds = objectsOf(r.stdout).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toContain("CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io");
    expect(kinds).toContain("Namespace/flux-system");
    expect(kinds.filter((k) => k.startsWith("Deployment/")).sort()).toEqual([
      "Deployment/helm-controller",
      "Deployment/kustomize-controller",
      "Deployment/notification-controller",
      "Deployment/source-controller",
    ]);
  });

  it("install --export with flags prints the chart rendered with the matching values", async () => {
    const r = await env.sluice(
      "install",
      "--export",
      "--registry",
      "registry.local:5000/team/",
      "--version",
      "v1.2.3",
      "--components",
      "source-controller,kustomize-controller",
      "--log-level",
      "debug",
      "--no-watch-all-namespaces",
      "--cluster-domain",
      "k8s.internal",
      "--image-pull-secret",
      "regcred",
      "--no-network-policy",
    );
    expect(r.code).toBe(0);
    const render = await helmTemplate(
      "image.registry=registry.local:5000/team",
      "image.tag=v1.2.3",
      "sourceController.create=true",
      "kustomizeController.create=true",
      "helmController.create=false",
      "notificationController.create=false",
      "logLevel=debug",
      "watchAllNamespaces=false",
      "clusterDomain=k8s.internal",
      "imagePullSecrets[0].name=regcred",
      "policies.create=false",
    );
    expect(withoutHeader(r.stdout)).toBe(render);
    const objects = objectsOf(r.stdout);
    expect(objects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name)).toEqual([
      "kustomize-controller",
      "source-controller",
    ]);
    expect(objects.filter((o) => o.kind === "NetworkPolicy")).toEqual([]);
    const sc = container(objects, "source-controller");
    expect(sc.image).toBe("registry.local:5000/team/sluice:v1.2.3");
    expect(sc.args.slice(0, 4)).toEqual([
      "source-controller",
      "--watch-all-namespaces=false",
      "--log-level=debug",
      "--log-encoding=json",
    ]);
    expect(sc.args).toContain("--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.k8s.internal.");
  });

  it("refuses unknown components and values the chart's schema rejects, naming them", async () => {
    const bad = await env.sluice("install", "--export", "--components", "source-controller,image-magic");
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      '✗ invalid --components value "image-magic": want some of source-controller, kustomize-controller, helm-controller, notification-controller, source-watcher, image-reflector-controller, image-automation-controller',
    );
    const extra = await env.sluice(
      "install",
      "--export",
      "--components-extra",
      "image-reflector-controller,image-automation-controller",
    );
    expect(extra.code).toBe(0);
    expect(extra.stdout).toContain(
      "# components: source-controller, kustomize-controller, helm-controller, notification-controller, image-reflector-controller, image-automation-controller",
    );
    expect(extra.stdout).toContain("name: image-reflector-controller\n");
    const level = await env.sluice("install", "--export", "--log-level", "verbose");
    expect(level.code).toBe(1);
    expect(level.stderr).toContain("✗ rendering the chart");
    expect(level.stderr).toContain("at '/logLevel': value must be one of 'debug', 'info', 'error'");
  });

  it("install applies the render, says the embedded API server's Pods are simulated, and check passes", async () => {
    const r = await env.sluice("install", "--timeout", "2m");
    expect(r.stderr).toContain(
      "✚ generating manifests\n✔ manifests build completed\n► installing components in flux-system namespace\n",
    );
    expect(r.stdout).toContain("CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io created\n");
    expect(r.stdout).toContain("Deployment/flux-system/source-controller created\n");
    expect(r.stdout).toContain("ClusterRole/crd-controller-source-controller-flux-system created\n");
    expect(r.stderr).toContain(
      "! the embedded API server runs no Pods: the Deployment status below is simulated, no controller container ran\n",
    );
    for (const c of ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]) {
      expect(r.stderr).toContain(`✔ ${c}: deployment ready (1/1 replicas, Pods simulated)\n`);
    }
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("✔ install finished");
    expect(r.code).toBe(0);
    const again = await env.sluice("install", "--timeout", "2m");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Deployment/flux-system/source-controller unchanged\n");

    const version = await env.sluice("version");
    expect(version.stdout).toMatch(
      /^sluice: v(\S+)\nkubernetes: v\S+\nhelm-controller: v\1\nkustomize-controller: v\1\nnotification-controller: v\1\nsource-controller: v\1\n$/,
    );

    const check = await env.sluice("check");
    expect(check.stderr).toContain(
      "! the embedded API server runs no Pods: the Deployment status below is simulated, no controller container ran\n",
    );
    expect(check.stderr).toContain(
      "✔ source-controller: deployment ready (1/1 replicas, Pods simulated)\n► ghcr.io/sluice-gitops/sluice:v",
    );
    expect(check.stderr.trimEnd().split("\n").at(-1)).toBe("✔ all checks passed");
    expect(check.code).toBe(0);
  });

  it("uninstall removes components, finalizers, CRDs and the namespace", async () => {
    await env.cluster.client.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "held", namespace: "flux-system", finalizers: ["finalizers.fluxcd.io"] },
      spec: { url: "https://example.com/x.git", interval: "1m" },
    });
    // As installed with --components-extra=source-watcher (the default install above has no such CRD).
    await applyChartCrds(env.cluster.client, "source.extensions.fluxcd.io_");
    await env.cluster.client.create({
      apiVersion: "source.extensions.fluxcd.io/v1beta1",
      kind: "ArtifactGenerator",
      metadata: { name: "gen", namespace: "flux-system", finalizers: ["source.extensions.fluxcd.io/finalizer"] },
      spec: {
        sources: [{ alias: "a", kind: "GitRepository", name: "held" }],
        artifacts: [{ name: "x", copy: [{ from: "@a/**", to: "@artifact/" }] }],
      },
    });
    // --dry-run: the same report, nothing deleted (the server dry-runs each delete and patch).
    const dry = await env.sluice("uninstall", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain("✔ Deployment/flux-system/source-controller deleted (dry run)\n");
    expect(dry.stderr).toContain("✔ GitRepository/flux-system/held finalizers deleted (dry run)\n");
    expect(dry.stderr).toContain(
      "✔ CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io deleted (dry run)\n",
    );
    expect(dry.stderr).toContain("✔ uninstall finished (dry run)\n");
    const kept = await env.cluster.client.get<UnstructuredObject>({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      namespace: "flux-system",
      name: "held",
    });
    expect(kept.metadata.finalizers).toEqual(["finalizers.fluxcd.io"]);
    expect(
      await env.cluster.client.getOptional({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: "flux-system",
        name: "source-controller",
      }),
    ).toBeDefined();

    const r = await env.sluice("uninstall", "--silent");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("✔ Deployment/flux-system/source-controller deleted\n");
    expect(r.stderr).toContain("✔ GitRepository/flux-system/held finalizers deleted\n");
    expect(r.stderr).toContain("✔ CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io deleted\n");
    // source-watcher's kind as flux uninstall handles it.
    expect(r.stderr).toContain("✔ ArtifactGenerator/flux-system/gen finalizers deleted\n");
    expect(r.stderr).toContain("✔ CustomResourceDefinition/artifactgenerators.source.extensions.fluxcd.io deleted\n");
    expect(r.stderr).toContain("✔ ClusterRole/crd-controller-source-controller-flux-system deleted\n");
    expect(r.stderr).toContain("✔ Namespace/flux-system deleted\n");
    const crds = await env.cluster.client.list<UnstructuredObject>(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
    );
    expect(crds.items.filter((c) => c.metadata.name?.endsWith(".toolkit.fluxcd.io"))).toEqual([]);
    const deployments = await env.cluster.client.list<UnstructuredObject>("apps/v1", "Deployment", {
      namespace: "flux-system",
    });
    expect(deployments.items).toEqual([]);
  });
});

/**
 * A front for the embedded API server that answers `/version` as a kube-apiserver would (no `-sluice`
 * suffix) and passes everything else through: the CLI then treats it as a real cluster, where a
 * Deployment's status is not enough and its Pods must run.
 */
async function startRealClusterFront(cluster: ApiCluster): Promise<{ url: string; server: Server }> {
  const target = new URL(cluster.server.url);
  const server = createServer((req, res) => {
    if (req.url === "/version") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ major: "1", minor: "33", gitVersion: "v1.33.4" }));
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("sluice check / install on a real cluster", () => {
  let cluster: ApiCluster;
  let front: { url: string; server: Server };
  let kubeconfig: string;
  let dir: { path: string; remove: () => Promise<void> };
  const sluice = (...args: string[]) => runCli([...args, "--kubeconfig", kubeconfig], { HOME: dir.path });

  beforeAll(async () => {
    dir = await tempDir("sluice-real-");
    cluster = await startApiCluster();
    await applyChartCrds(cluster.client);
    await ensureNamespace(cluster.client, "flux-system");
    front = await startRealClusterFront(cluster);
    kubeconfig = join(dir.path, "kubeconfig");
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "real", cluster: { server: front.url, "insecure-skip-tls-verify": true } }],
        users: [{ name: "admin", user: { token: cluster.server.token } }],
        contexts: [{ name: "real", context: { cluster: "real", user: "admin", namespace: "flux-system" } }],
        "current-context": "real",
      }),
      { mode: 0o600 },
    );
  });
  afterAll(async () => {
    await new Promise((r) => front?.server.close(r));
    await cluster?.stop();
    await dir?.remove();
  });

  it("check fails for a Deployment whose status says ready but whose Pods never ran, naming why", async () => {
    const client = cluster.client;
    await client.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "source-controller",
        namespace: "flux-system",
        labels: { "app.kubernetes.io/part-of": "sluice" },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "source-controller" } },
        template: {
          metadata: { labels: { app: "source-controller" } },
          spec: { containers: [{ name: "manager", image: "registry.invalid/sluice:v0" }] },
        },
      },
    });
    await client.patchStatus(
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name: "source-controller" },
      { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 } },
    );
    let r = await sluice("check");
    expect(r.stderr).toContain("✗ source-controller: deployment not ready (0/1 Pods running: no Pods exist)\n");
    expect(r.stderr).not.toContain("simulated");
    expect(r.code).toBe(1);

    await client.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "source-controller-abc", namespace: "flux-system", labels: { app: "source-controller" } },
      spec: { containers: [{ name: "manager", image: "registry.invalid/sluice:v0" }] },
    });
    const pod = { apiVersion: "v1", kind: "Pod", namespace: "flux-system", name: "source-controller-abc" };
    const waiting = {
      waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "registry.invalid/sluice:v0"' },
    };
    await client.patchStatus(pod, {
      status: { phase: "Pending", containerStatuses: [{ name: "manager", ready: false, state: waiting }] },
    });
    r = await sluice("check");
    expect(r.stderr).toContain(
      '✗ source-controller: deployment not ready (0/1 Pods running: manager: ImagePullBackOff: Back-off pulling image "registry.invalid/sluice:v0")\n',
    );
    expect(r.code).toBe(1);

    const install = await sluice("install", "--components", "source-controller", "--timeout", "3s");
    expect(install.code).toBe(1);
    expect(install.stderr).not.toContain("✔ source-controller: deployment ready");
    expect(install.stderr).toContain(
      '✗ timeout waiting for source-controller deployment to run: 0/1 Pods running: manager: ImagePullBackOff: Back-off pulling image "registry.invalid/sluice:v0"',
    );

    await client.patchStatus(pod, {
      status: {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [
          { name: "manager", ready: true, state: { running: { startedAt: new Date().toISOString() } } },
        ],
      },
    });
    r = await sluice("check");
    expect(r.stderr).toContain("✔ source-controller: deployment ready (1/1 Pods running)\n");
    expect(r.code).toBe(0);
  });
});
