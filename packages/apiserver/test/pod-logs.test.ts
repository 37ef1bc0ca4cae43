// pods/log with a registered log source, through the real kubectl: `kubectl logs deploy/NAME` with -c, --tail,
// --since, --timestamps, -f and --limit-bytes served from the source's file for Pods carrying its labels, and
// kube-apiserver's answers for other containers (empty), unknown containers and Pods, and bad options.

import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBECTL, startTestCluster, type TestCluster } from "./helpers/cluster.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: kustomize-controller, namespace: flux-system}
spec:
  replicas: 1
  selector: {matchLabels: {app: kustomize-controller}}
  template:
    metadata: {labels: {app: kustomize-controller}}
    spec: {containers: [{name: manager, image: sluice}, {name: sidecar, image: busybox}]}
`;
const OTHER = `apiVersion: v1
kind: Pod
metadata: {name: other, namespace: flux-system, labels: {app: other}}
spec: {containers: [{name: manager, image: sluice}]}
`;

const line = (ms: number, msg: string) => JSON.stringify({ level: "info", ts: new Date(ms).toISOString(), msg });

describe("pods/log from a registered log source", () => {
  let c: TestCluster;
  let dir: string;
  let file: string;
  let pod: string;
  const now = Date.now();
  const old = line(now - 2 * 3600_000, "two hours ago");
  const recent = [line(now - 60_000, "a minute ago"), line(now - 1000, "just now")];

  const waitFor = async <T>(probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("timed out");
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-pod-logs-"));
    file = join(dir, "kustomize-controller.log");
    writeFileSync(file, `${[old, ...recent].join("\n")}\n`);
    c = await startTestCluster({
      simulateWorkloads: true,
      simulatePods: true,
      workloadDelayMs: 100,
      podLogs: [{ namespace: "flux-system", labels: { app: "kustomize-controller" }, container: "manager", file }],
    });
    await c.kubectlOk(["create", "namespace", "flux-system"]);
    await c.kubectlOk(["apply", "-f", c.writeFile("deploy.yaml", DEPLOYMENT)]);
    await c.kubectlOk(["apply", "-f", c.writeFile("other.yaml", OTHER)]);
    pod = await waitFor(async () => {
      const out = await c.kubectl(["get", "pods", "-n", "flux-system", "-l", "app=kustomize-controller", "-o", "name"]);
      return out.stdout.trim() || undefined;
    });
  });
  afterAll(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the file's lines for the source's container of the Deployment's Pod", async () => {
    const out = await c.kubectlOk(["logs", "-n", "flux-system", "deploy/kustomize-controller", "-c", "manager"]);
    expect(out).toBe(`${[old, ...recent].join("\n")}\n`);
    expect(await c.kubectlOk(["logs", "-n", "flux-system", pod, "-c", "manager", "--tail=1"])).toBe(`${recent[1]}\n`);
    expect(await c.kubectlOk(["logs", "-n", "flux-system", pod, "-c", "manager", "--since=1h"])).toBe(
      `${recent.join("\n")}\n`,
    );
    const stamped = (await c.kubectlOk(["logs", "-n", "flux-system", pod, "-c", "manager", "--timestamps"]))
      .trim()
      .split("\n");
    expect(stamped[0]).toBe(`${new Date(now - 2 * 3600_000).toISOString().replace("Z", "000000Z")} ${old}`);
    expect(await c.kubectlOk(["logs", "-n", "flux-system", pod, "-c", "manager", "--limit-bytes=5"])).toBe(
      old.slice(0, 5),
    );
  });

  it("follows lines appended to the file until the client goes", async () => {
    const child = spawn(
      KUBECTL,
      ["--kubeconfig", c.kubeconfigPath, "logs", "-f", "-n", "flux-system", pod, "-c", "manager", "--tail=0"],
      { env: c.env },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    try {
      const fresh = line(Date.now(), "appended");
      // Written in two parts: a partial line is held back until its newline arrives.
      await new Promise((r) => setTimeout(r, 300));
      appendFileSync(file, fresh.slice(0, 10));
      await new Promise((r) => setTimeout(r, 300));
      appendFileSync(file, `${fresh.slice(10)}\n`);
      await waitFor(async () => (out.includes("\n") ? true : undefined));
      expect(out).toBe(`${fresh}\n`);
    } finally {
      child.kill();
    }
  });

  it("answers other containers and Pods as containers that logged nothing", async () => {
    expect(await c.kubectlOk(["logs", "-n", "flux-system", pod, "-c", "sidecar"])).toBe("");
    expect(await c.kubectlOk(["logs", "-n", "flux-system", "other"])).toBe("");
  });

  it("refuses what kube-apiserver refuses", async () => {
    const name = pod.replace("pod/", "");
    const bad = await c.kubectl(["logs", "-n", "flux-system", pod, "-c", "nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`container nope is not valid for pod ${name}`);
    const base = `/api/v1/namespaces/flux-system/pods/${name}/log`;
    const noContainer = await c.kubectl(["get", "--raw", base]);
    expect(noContainer.stderr).toContain(
      `a container name must be specified for pod ${name}, choose one of: [manager sidecar]`,
    );
    const missing = await c.kubectl(["logs", "-n", "flux-system", "pod/missing"]);
    expect(missing.stderr).toContain('pods "missing" not found');
    const since = await c.kubectl(["get", "--raw", `${base}?container=manager&sinceSeconds=0`]);
    expect(since.stderr).toContain("sinceSeconds: Invalid value: 0: must be greater than 0");
    const discovery = JSON.parse(await c.kubectlOk(["get", "--raw", "/api/v1"])) as {
      resources: { name: string; verbs: string[] }[];
    };
    expect(discovery.resources.find((r) => r.name === "pods/log")).toMatchObject({ verbs: ["get"] });
  });
});
