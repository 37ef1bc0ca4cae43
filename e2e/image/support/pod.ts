// Runs a Deployment the chart rendered as a kubelet would run its Pod, from the image under test: the
// container's args (with $(VAR) expanded from its env), its env (fieldRef metadata.namespace), its emptyDir
// volumes (tmpfs at their mountPaths), and the ServiceAccount's token, CA and namespace at
// /var/run/secrets/kubernetes.io/serviceaccount with KUBERNETES_SERVICE_HOST/PORT pointing at the API server
// (in-cluster configuration). The host network is shared, so the listen addresses the chart leaves at their
// defaults (:8080, :9440, :9090) are moved to free loopback ports by flags appended after the chart's.

import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiServer } from "@sluice/apiserver";
import type { UnstructuredObject } from "@sluice/runtime";
import { type RunningContainer, startContainer } from "@sluice/testkit";
import type { ImageUnderTest } from "./global-setup.js";

/** Where a ServiceAccount's credentials are mounted in every Pod. */
export const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  serviceAccountName?: string;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether the API server issued ServiceAccount tokens (TokenRequest), or the tests fell back to the admin's. */
export const tokenSource = { serviceAccounts: 0, admin: 0 };

/**
 * A token for the ServiceAccount, as the kubelet gets it: TokenRequest (`POST …/serviceaccounts/<name>/token`).
 * An API server that does not serve TokenRequest (404) gets the admin token, counted in {@link tokenSource}.
 */
export async function serviceAccountToken(server: ApiServer, namespace: string, name: string): Promise<string> {
  const body = JSON.stringify({
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: [], expirationSeconds: 3600 },
  });
  const url = new URL(`${server.url}/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: "POST",
        ca: server.caCert,
        headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (b: Buffer) => {
          text += b.toString("utf8");
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
  if (status === 404 && !text.includes(`serviceaccounts "${name}" not found`)) {
    tokenSource.admin += 1;
    return server.token;
  }
  if (status !== 201 && status !== 200) throw new Error(`TokenRequest for ${namespace}/${name}: ${status} ${text}`);
  const token = (JSON.parse(text) as { status?: { token?: string } }).status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token: ${text}`);
  tokenSource.serviceAccounts += 1;
  return token;
}

/** The ServiceAccount volume's files (token, ca.crt, namespace), readable by the container's user. */
export function serviceAccountVolume(server: ApiServer, namespace: string, token: string): string {
  if (!server.caCert) throw new Error("the API server must serve HTTPS for in-cluster configuration");
  const dir = mkdtempSync(join(tmpdir(), "sluice-sa-"));
  writeFileSync(join(dir, "token"), token, { mode: 0o644 });
  writeFileSync(join(dir, "ca.crt"), server.caCert, { mode: 0o644 });
  writeFileSync(join(dir, "namespace"), namespace, { mode: 0o644 });
  chmodSync(dir, 0o755);
  return dir;
}

/** A Deployment's Pod running from the image. */
export interface RunningPod {
  name: string;
  /** The Pod's name, also its host name (so leader election identities start with it). */
  podName: string;
  container: RunningContainer;
  /** The args the chart rendered, after $(VAR) expansion (before the address flags). */
  chartArgs: string[];
  healthUrl: string;
  metricsUrl: string;
  /** source-controller's artifact server. */
  storageUrl?: string;
  /** notification-controller's event endpoint (what the others' `--events-addr` names). */
  eventsUrl?: string;
}

/** Options of {@link runDeployment}. */
export interface RunDeploymentOptions {
  image: ImageUnderTest;
  server: ApiServer;
  deployment: UnstructuredObject;
  /** Flags appended after the chart's and the address flags (e.g. shorter leader election timings). */
  extraArgs?: string[];
  /**
   * Where the chart's `--events-addr=http://notification-controller.<ns>.svc…/` reaches here: the running
   * notification-controller's event endpoint (the cluster's DNS and Service do not exist on this machine).
   */
  eventsUrl?: string | undefined;
}

/** Starts one replica of the Deployment's Pod from the image. */
export async function runDeployment(options: RunDeploymentOptions): Promise<RunningPod> {
  const { deployment, server, image } = options;
  const namespace = deployment.metadata.namespace ?? "default";
  const spec = (deployment["spec"] as { template: { spec: PodSpec } }).template.spec;
  const container = spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[e.name] = namespace;
    else
      throw new Error(`env ${e.name} of ${deployment.metadata.name}: only values and metadata.namespace are supported`);
  }
  const expand = (arg: string) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
  const chartArgs = (container.args ?? []).map(expand);
  const emptyDirs = new Set((spec.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
  const tmpfs = (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
  const port = Number(new URL(server.url).port);
  const [health, metrics] = [await freePort(), await freePort()];
  const addressArgs = [`--health-addr=127.0.0.1:${health}`, `--metrics-addr=127.0.0.1:${metrics}`];
  let storageUrl: string | undefined;
  let eventsUrl: string | undefined;
  if (chartArgs[0] === "source-controller") {
    const storage = await freePort();
    addressArgs.push(`--storage-addr=127.0.0.1:${storage}`, `--storage-adv-addr=127.0.0.1:${storage}`);
    storageUrl = `http://127.0.0.1:${storage}`;
  }
  if (chartArgs[0] === "notification-controller") {
    const [events, receiver] = [await freePort(), await freePort()];
    addressArgs.push(`--events-addr=127.0.0.1:${events}`, `--receiverAddr=127.0.0.1:${receiver}`);
    eventsUrl = `http://127.0.0.1:${events}/`;
  } else if (chartArgs.some((a) => a.startsWith("--events-addr="))) {
    if (!options.eventsUrl)
      throw new Error(`${deployment.metadata.name} posts events: start notification-controller first`);
    addressArgs.push(`--events-addr=${options.eventsUrl}`);
  }
  const sa = spec.serviceAccountName ?? "default";
  const saDir = serviceAccountVolume(server, namespace, await serviceAccountToken(server, namespace, sa));
  const podName = `${deployment.metadata.name}-${randomBytes(3).toString("hex")}`;
  const running = startContainer({
    hostname: podName,
    rootfs: image.rootfs,
    config: image.config,
    args: [...chartArgs, ...addressArgs, ...(options.extraArgs ?? [])],
    env: { ...env, KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(port) },
    tmpfs,
    mounts: [{ source: saDir, target: SERVICE_ACCOUNT_MOUNT, readOnly: true }],
  });
  return {
    name: deployment.metadata.name ?? "",
    podName,
    container: running,
    chartArgs,
    healthUrl: `http://127.0.0.1:${health}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    ...(storageUrl ? { storageUrl } : {}),
    ...(eventsUrl ? { eventsUrl } : {}),
  };
}

/** Waits until the Pod's /readyz answers 200 (fails early when the container exits). */
export async function waitReady(pod: RunningPod, timeoutMs = 180_000): Promise<void> {
  let exited: number | string | undefined;
  void pod.container.exited.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`${pod.name} exited (${exited}) before becoming ready:\n${pod.container.output().slice(-4000)}`);
    }
    const ok = await fetch(`${pod.healthUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(`${pod.name} not ready after ${timeoutMs} ms:\n${pod.container.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One counter or gauge value from a Prometheus text page (sum over the series matching `labels`). */
export async function metricValue(pod: RunningPod, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${pod.metricsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
