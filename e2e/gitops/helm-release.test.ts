// A HelmRelease from a local chart repository (charts packaged and indexed by the real helm, served over
// HTTP): the HelmRepository is fetched, the release is installed, the real helm CLI lists it and kubectl
// sees its Deployment; a new chart version in the repository upgrades it.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveTool } from "@sluice/runtime";
import { createHelmChartRepo, type HelmChartRepo, type HelmRepoServer, startHelmRepoServer } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type GitOpsEnv, hasController, readyCondition, startGitOpsEnv } from "../support/gitops-env.js";

const run = promisify(execFile);
const APP_NS = "e2e-helm";

describe.skipIf(!hasController("helm-controller"))("HelmRelease from a local chart repository", () => {
  let env: GitOpsEnv;
  let chartRepo: HelmChartRepo;
  let server: HelmRepoServer;

  async function helm(args: string[]): Promise<string> {
    const { stdout } = await run(resolveTool("helm").path, ["--kubeconfig", env.session.kubeconfigPath, ...args], {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(env.dir, "helm-cache"),
        HELM_CONFIG_HOME: join(env.dir, "helm-config"),
      },
    });
    return stdout;
  }

  beforeAll(async () => {
    env = await startGitOpsEnv();
    let base = "";
    chartRepo = await createHelmChartRepo(join(env.dir, "charts"), () => base);
    server = await startHelmRepoServer(chartRepo.dir);
    base = server.baseUrl;
    await chartRepo.addChart("hello", "0.1.0");
    await env.kubectlOk(["create", "namespace", APP_NS]);
  });

  afterAll(async () => {
    await server?.stop();
    await env?.stop();
  });

  it("installs the chart; helm lists the release and kubectl sees its Deployment", async () => {
    await env.kubectlOk(
      ["apply", "-f", "-"],
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: { name: charts, namespace: ${APP_NS} }
spec: { url: "${server.baseUrl}", interval: 1m }
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: hello, namespace: ${APP_NS} }
spec:
  interval: 1m
  chart:
    spec: { chart: hello, version: "0.1.x", sourceRef: { kind: HelmRepository, name: charts }, interval: 1m }
  values:
    replicaCount: 2
`,
    );
    await env.kubectlOk(["wait", "-n", APP_NS, "helmrelease/hello", "--for=condition=Ready", "--timeout=180s"]);
    const releases = JSON.parse(await helm(["list", "-n", APP_NS, "-o", "json"])) as Array<Record<string, string>>;
    expect(releases).toEqual([expect.objectContaining({ name: "hello", status: "deployed", chart: "hello-0.1.0" })]);
    expect(await env.kubectlOk(["get", "deployment", "hello", "-n", APP_NS, "-o", "jsonpath={.spec.replicas}"])).toBe(
      "2",
    );
  });

  it("upgrades when a matching chart version is published", async () => {
    await chartRepo.addChart("hello", "0.1.1");
    await env.requestReconcile("helmrepository", "charts", APP_NS);
    await eventually("HelmRelease hello to run chart 0.1.1", async () => {
      const hr = await env.get("helmrelease", "hello", APP_NS);
      const history = (hr?.["status"] as { history?: Array<{ chartVersion?: string }> } | undefined)?.history;
      return history?.[0]?.chartVersion === "0.1.1" && readyCondition(hr)?.status === "True";
    });
    const releases = JSON.parse(await helm(["list", "-n", APP_NS, "-o", "json"])) as Array<Record<string, string>>;
    expect(releases[0]).toMatchObject({ chart: "hello-0.1.1", revision: "2" });
  });
});
