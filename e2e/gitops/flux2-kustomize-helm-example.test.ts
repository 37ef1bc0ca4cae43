// fluxcd/flux2-kustomize-helm-example as it is today (Flux 2.7+, source-watcher): clusters/staging's
// ArtifactGenerator splits the repository into `infrastructure` and `apps` ExternalArtifacts, the
// infra-controllers → infra-configs → apps Kustomizations apply them in order (wait: true), and the HelmReleases
// install cert-manager and envoy-gateway from OCI registries and podinfo from a Helm repository.
//
// The repository under fixtures/flux2-kustomize-helm-example is the example's YAML unchanged (with the
// gotk-sync.yaml `flux bootstrap` writes). Only what points outside this machine is rewritten: the Git URL,
// podinfo's Helm repository URL, and the two OCI chart URLs (to a plain-HTTP local registry, so those
// OCIRepositories also get `insecure: true`). The charts are minimal stand-ins (fixtures/charts) packaged with
// the real helm.

import { execFile } from "node:child_process";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveTool, type UnstructuredObject } from "@sluice/runtime";
import {
  type HelmRepoServer,
  hasDockerRegistry,
  type OciRegistry,
  startHelmRepoServer,
  startOciRegistry,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type GitOpsEnv, hasController, readyCondition, startGitOpsEnv } from "../support/gitops-env.js";

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, "fixtures");
const NS = "flux-system";

type Status = {
  artifact?: { revision?: string; metadata?: Record<string, string> };
  lastAppliedRevision?: string;
  lastAppliedOriginRevision?: string;
  inventory?: unknown;
};
const statusOf = (o: UnstructuredObject | undefined) => (o?.["status"] ?? {}) as Status;

describe.skipIf(!hasController("source-watcher") || (!hasDockerRegistry() && process.env["CI"] !== "true"))(
  "fluxcd/flux2-kustomize-helm-example (clusters/staging)",
  () => {
    let env: GitOpsEnv;
    let registry: OciRegistry;
    let charts: HelmRepoServer;
    let gitRevision = "";

    async function helm(args: string[]): Promise<string> {
      const { stdout } = await run(resolveTool("helm").path, args, {
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(env.dir, "helm-cache"),
          HELM_CONFIG_HOME: join(env.dir, "helm-config"),
        },
      });
      return stdout;
    }

    beforeAll(async () => {
      if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (Debian package docker-registry)");
      env = await startGitOpsEnv();
      registry = await startOciRegistry();

      // podinfo in a Helm repository; cert-manager and gateway-helm pushed to OCI repositories named as upstream.
      const packaged = join(env.dir, "packaged");
      const repoDir = join(env.dir, "helm-repo");
      await mkdir(repoDir, { recursive: true });
      await helm(["package", join(FIXTURES, "charts/podinfo"), "--destination", repoDir]);
      charts = await startHelmRepoServer(repoDir);
      await helm(["repo", "index", repoDir, "--url", charts.baseUrl]);
      for (const [chart, repo] of [
        ["cert-manager", "jetstack/charts"],
        ["gateway-helm", "envoyproxy"],
      ] as const) {
        const out = await helm(["package", join(FIXTURES, "charts", chart), "--destination", packaged]);
        const tgz = out.trim().split(" ").pop() as string;
        await helm(["push", tgz, `oci://${registry.host}/${repo}`, "--plain-http"]);
      }

      // The example's repository, with only its remote URLs pointed at the local servers.
      const { repo, url } = await env.createRepo("flux2-kustomize-helm-example");
      await cp(join(FIXTURES, "flux2-kustomize-helm-example"), repo.work, { recursive: true });
      const rewrite = async (path: string, edits: Array<[string | RegExp, string]>) => {
        let text = await readFile(join(repo.work, path), "utf8");
        for (const [from, to] of edits) {
          const next = text.replace(from, to);
          expect(next, `${path}: ${String(from)}`).not.toBe(text);
          text = next;
        }
        await writeFile(join(repo.work, path), text);
      };
      await rewrite("apps/base/podinfo/repository.yaml", [["https://stefanprodan.github.io/podinfo", charts.baseUrl]]);
      await rewrite("infrastructure/controllers/cert-manager.yaml", [
        [
          "url: oci://quay.io/jetstack/charts/cert-manager",
          `url: oci://${registry.host}/jetstack/charts/cert-manager\n  insecure: true`,
        ],
      ]);
      await rewrite("infrastructure/controllers/envoy-gateway.yaml", [
        [
          "url: oci://docker.io/envoyproxy/gateway-helm",
          `url: oci://${registry.host}/envoyproxy/gateway-helm\n  insecure: true`,
        ],
      ]);
      await rewrite("clusters/staging/flux-system/gotk-sync.yaml", [
        ["url: ssh://git@github.com/fluxcd/flux2-kustomize-helm-example", `url: ${url}`],
      ]);
      gitRevision = await repo.commit({}, "flux2-kustomize-helm-example");
      await repo.push();

      // What `flux bootstrap` does after committing: the namespace, the Git credentials Secret, gotk-sync.yaml.
      await env.kubectlOk(["apply", "-f", "-"], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
      await env.kubectlOk(["create", "secret", "generic", "flux-system", "-n", NS]);
      await env.kubectlOk(["apply", "-f", join(repo.work, "clusters/staging/flux-system/gotk-sync.yaml")]);
    }, 240_000);

    afterAll(async () => {
      await charts?.stop();
      await registry?.stop();
      await env?.stop();
    });

    const ready = (kind: string, name: string, namespace: string) =>
      eventually(
        `${kind} ${namespace}/${name} Ready`,
        async () => {
          const o = await env.get(kind, name, namespace);
          if (readyCondition(o)?.status === "True") return o;
          // What the last poll saw ends up in the timeout message.
          throw new Error(`${kind} ${name}: ${JSON.stringify(readyCondition(o) ?? "not found")}`);
        },
        180_000,
      );

    it("generates the infrastructure and apps ExternalArtifacts from the flux-system GitRepository", async () => {
      const ag = await ready("artifactgenerator", "flux-system", NS);
      expect(readyCondition(ag)?.message).toBe("reconciliation succeeded, generated 2 artifact(s)");
      for (const name of ["infrastructure", "apps"]) {
        const ea = await ready("externalartifact", name, NS);
        expect(statusOf(ea).artifact?.revision).toMatch(/^latest@sha256:[0-9a-f]{64}$/);
        expect(statusOf(ea).artifact?.metadata?.["org.opencontainers.image.revision"]).toBe(`main@sha1:${gitRevision}`);
      }
    }, 320_000);

    it("applies infra-controllers, infra-configs and apps in dependency order from the ExternalArtifacts", async () => {
      const infraArtifact = statusOf(await env.get("externalartifact", "infrastructure", NS)).artifact;
      const appsArtifact = statusOf(await env.get("externalartifact", "apps", NS)).artifact;
      for (const [name, artifact] of [
        ["infra-controllers", infraArtifact],
        ["infra-configs", infraArtifact],
        ["apps", appsArtifact],
      ] as const) {
        const ks = await ready("kustomization", name, NS);
        expect(statusOf(ks).lastAppliedRevision).toBe(artifact?.revision);
        expect(statusOf(ks).lastAppliedOriginRevision).toBe(`main@sha1:${gitRevision}`);
      }
      const root = await ready("kustomization", "flux-system", NS);
      expect(statusOf(root).lastAppliedRevision).toBe(`main@sha1:${gitRevision}`);

      // infra-controllers: both charts from the OCI registry, with the CRDs infra-configs needs.
      for (const [name, namespace] of [
        ["cert-manager", "cert-manager"],
        ["envoy-gateway", "envoy-gateway-system"],
      ]) {
        await ready("helmrelease", name as string, namespace as string);
      }
      // infra-configs: the ClusterIssuer (with the Kustomization's patch) and the Gateway.
      const issuer = await env.get("clusterissuer", "letsencrypt");
      expect((issuer?.["spec"] as { acme?: { server?: string } } | undefined)?.acme?.server).toBe(
        "https://acme-staging-v02.api.letsencrypt.org/directory",
      );
      expect(await env.get("gateway", "envoy", "envoy-gateway-system")).toBeDefined();
    }, 320_000);

    it("installs podinfo from the Helm repository with the staging values", async () => {
      const hr = await ready("helmrelease", "podinfo", "podinfo");
      const history = (hr["status"] as { history?: Array<{ chartVersion?: string }> }).history;
      expect(history?.[0]?.chartVersion).toBe("6.9.0");
      const route = await env.get("httproute", "podinfo", "podinfo");
      expect((route?.["spec"] as { hostnames?: string[] } | undefined)?.hostnames).toEqual(["podinfo.staging"]);
      expect(await env.get("deployment", "podinfo-redis", "podinfo")).toBeDefined();
      const ns = await env.get("namespace", "podinfo");
      expect(ns?.metadata.labels?.["toolkit.fluxcd.io/tenant"]).toBe("dev-team");
    }, 320_000);
  },
);
