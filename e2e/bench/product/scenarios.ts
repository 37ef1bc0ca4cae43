// The end-to-end scenarios: each starts at the user's action (an apply, an annotation, a `git push`) and
// ends when the state the user waits for is observed from outside through the API (polled by the
// benchmark's own client, whose requests are not counted as the product's).

import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { promisify } from "node:util";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { ensureNamespace, type FixtureRepo } from "@sluice/testkit";
import { FLUX_NS, gitRepository, kustomization, pushRepoFiles } from "./fixtures.js";
import type { CpuSeconds } from "./processes.js";
import { isController, readRequests, requestsBetween, summarize } from "./requests.js";

const run = promisify(execFile);
const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";

/** One printed figure. */
export interface Figure {
  mode: string;
  scenario: string;
  ms: number;
  /** Requests and writes the product's controllers sent (watches not counted). */
  requests?: number;
  writes?: number;
  breakdown?: string;
  note?: string;
  load: string;
}

export const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Conditioned {
  metadata: { generation?: number; annotations?: Record<string, string> };
  status?: {
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string; message?: string }>;
    lastAppliedRevision?: string;
    lastHandledReconcileAt?: string;
    artifact?: { revision?: string };
  };
}

/** Ready=True for the current generation. */
export function isReady(o: Conditioned | undefined): boolean {
  if (!o?.status) return false;
  const ready = o.status.conditions?.find((c) => c.type === "Ready");
  return ready?.status === "True" && o.status.observedGeneration === o.metadata.generation;
}

export async function until(what: string, check: () => Promise<boolean>, ms: number, everyMs: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function applyAll(client: KubeClient, objects: UnstructuredObject[], parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const obj = objects[next++]!;
      await client.apply(obj, { fieldManager: "sluice-bench", force: true });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

let cpuSampler: (() => Promise<CpuSeconds>) | undefined;

/** Sets how the product's CPU seconds are read (see `productCpuSeconds`); each figure then notes the CPU it used. */
export function sampleCpuWith(sampler: (() => Promise<CpuSeconds>) | undefined): void {
  cpuSampler = sampler;
}

/** Measures `body` with the product's requests (and CPU, when sampled) counted around it. */
export async function measured(
  client: KubeClient,
  mode: string,
  scenario: string,
  body: () => Promise<string | undefined>,
  clients: (c: string) => boolean = isController,
): Promise<Figure> {
  const before = await readRequests(client);
  const cpuBefore = await cpuSampler?.();
  const start = performance.now();
  const bodyNote = await body();
  const ms = performance.now() - start;
  // Requests still in flight when the state was observed (a final status patch) are counted too.
  await sleep(300);
  const cpuAfter = await cpuSampler?.();
  const sent = summarize(requestsBetween(before, await readRequests(client)), clients);
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuNote(cpuBefore, cpuAfter) : undefined;
  const note = [bodyNote, cpu].filter(Boolean).join("; ");
  const figure: Figure = { mode, scenario, ms, ...sent, ...(note ? { note } : {}), load: load() };
  // Printed at once too: a long run shows its progress (the table comes at the end).
  console.log(JSON.stringify(figure));
  return figure;
}

/** `<total> CPU s (main threads <m>, other threads <t>, child processes <c>)` between two samples. */
function cpuNote(before: CpuSeconds, after: CpuSeconds): string {
  const d = (k: keyof CpuSeconds) => (after[k] - before[k]).toFixed(1);
  return `${d("total")} CPU s (main threads ${d("main")}, other threads ${d("threads")}, child processes ${d("children")})`;
}

/** Creates the GitRepository of the main repository and waits until it has an artifact. */
export async function setUpSource(client: KubeClient, mode: string, url: string): Promise<Figure> {
  await ensureNamespace(client, FLUX_NS);
  return measured(client, mode, "GitRepository ready (clone, artifact)", async () => {
    await client.apply(gitRepository("main", url), { fieldManager: "sluice-bench", force: true });
    await until(
      "GitRepository bench/main Ready",
      async () =>
        isReady(await client.getOptional({ apiVersion: SRC, kind: "GitRepository", namespace: FLUX_NS, name: "main" })),
      120_000,
      50,
    );
    return undefined;
  });
}

/** `kubectl kustomize <path> | kubectl apply --server-side -n <ns> -f -`: the anchor. */
export async function kubectlApply(
  client: KubeClient,
  mode: string,
  kubectl: string,
  kubeconfig: string,
  dir: string,
): Promise<Figure> {
  await ensureNamespace(client, "cm-kubectl");
  return measured(
    client,
    mode,
    "500 ConfigMaps: kubectl kustomize | kubectl apply --server-side",
    async () => {
      await run(
        "bash",
        [
          "-c",
          `set -o pipefail; "$KUBECTL" kustomize "$DIR" | "$KUBECTL" --kubeconfig "$KC" apply --server-side -n cm-kubectl -f - >/dev/null`,
        ],
        { env: { ...process.env, KUBECTL: kubectl, DIR: dir, KC: kubeconfig }, maxBuffer: 64 << 20 },
      );
      return undefined;
    },
    (c) => c === "kubectl",
  );
}

/** Fresh apply of the 500 ConfigMaps through one Kustomization, until Ready with the revision applied. */
export async function freshApply(client: KubeClient, mode: string): Promise<Figure> {
  await ensureNamespace(client, "cm-sluice");
  return measured(client, mode, "500 ConfigMaps: Kustomization apply → Ready", async () => {
    await client.apply(kustomization("cm500", FLUX_NS, "main", "./cm500", { targetNamespace: "cm-sluice" }), {
      fieldManager: "sluice-bench",
      force: true,
    });
    await until(
      "Kustomization cm500 Ready",
      async () => {
        const k = await client.getOptional<UnstructuredObject & Conditioned>({
          apiVersion: KS,
          kind: "Kustomization",
          namespace: FLUX_NS,
          name: "cm500",
        });
        return isReady(k) && Boolean(k?.status?.lastAppliedRevision);
      },
      300_000,
      20,
    );
    const { items } = await client.list("v1", "ConfigMap", { namespace: "cm-sluice" });
    return `${items.filter((c) => c.metadata.name?.startsWith("cm-")).length} ConfigMaps present`;
  });
}

/** A requested reconcile (`reconcile.fluxcd.io/requestedAt`) of Kustomization `name` with nothing to change. */
export async function noOp(client: KubeClient, mode: string, name: string, label: string): Promise<Figure> {
  const token = `bench-${Date.now()}`;
  return measured(client, mode, `no-op reconcile of ${label} (requestedAt)`, async () => {
    await client.patch(
      { apiVersion: KS, kind: "Kustomization", namespace: FLUX_NS, name },
      { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": token } } },
      { type: "application/merge-patch+json" },
    );
    await until(
      `Kustomization ${name} handled ${token}`,
      async () => {
        const k = await client.getOptional<UnstructuredObject & Conditioned>({
          apiVersion: KS,
          kind: "Kustomization",
          namespace: FLUX_NS,
          name,
        });
        return k?.status?.lastHandledReconcileAt === token && isReady(k);
      },
      120_000,
      5,
    );
    return undefined;
  });
}

/** flux-benchmark's shape: `count` Kustomizations × 4 objects, wait and prune, until every one is Ready. */
export async function manyKustomizations(client: KubeClient, mode: string, count: number): Promise<Figure> {
  const ns = `ks-${count}`;
  await ensureNamespace(client, ns);
  const objects = Array.from({ length: count }, (_, i) =>
    kustomization(`k${i}`, ns, "main", "./k4", { wait: true, namePrefix: `k${i}-`, targetNamespace: ns }),
  );
  let lastReady = 0;
  const fig = await measured(
    client,
    mode,
    `${count} Kustomizations × 4 objects (wait, prune) → all Ready`,
    async () => {
      await applyAll(client, objects);
      await until(
        `${count} Kustomizations Ready`,
        async () => {
          const { items } = await client.list<UnstructuredObject & Conditioned>(KS, "Kustomization", { namespace: ns });
          lastReady = items.filter(isReady).length;
          return lastReady === count;
        },
        Number(process.env["BENCH_KS_TIMEOUT_MS"] ?? 600_000),
        Math.max(100, count),
      );
      return undefined;
    },
  ).catch((err: unknown) => {
    throw new Error(`${mode}: ${count} Kustomizations: ${lastReady} Ready: ${String(err)}`);
  });
  return fig;
}

/** Sets up the push repository's GitRepository and Kustomization and waits until applied. */
export async function setUpPush(client: KubeClient, url: string): Promise<void> {
  await ensureNamespace(client, "push");
  await applyAll(client, [
    gitRepository("push", url),
    kustomization("push", FLUX_NS, "push", "./push", { targetNamespace: "push" }),
  ]);
  await until(
    "ConfigMap push/pushed",
    async () =>
      (await client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: "push", name: "pushed" })) !==
      undefined,
    120_000,
    50,
  );
}

/**
 * `git push` of a new value, then the GitRepository's requestedAt annotation (what a Receiver's webhook
 * does), until the ConfigMap in the cluster carries the new value. Timed from the moment the push returns.
 */
export async function pushToApplied(
  client: KubeClient,
  mode: string,
  repo: FixtureRepo,
  value: number,
): Promise<Figure> {
  await repo.commit(pushRepoFiles(value), `value ${value}`);
  return measured(client, mode, "git push → requestedAt → ConfigMap applied", async () => {
    await repo.push();
    const pushed = performance.now();
    await client.patch(
      { apiVersion: SRC, kind: "GitRepository", namespace: FLUX_NS, name: "push" },
      { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": `push-${value}` } } },
      { type: "application/merge-patch+json" },
    );
    await until(
      "pushed value applied",
      async () => {
        const cm = await client.getOptional<UnstructuredObject & { data?: Record<string, string> }>({
          apiVersion: "v1",
          kind: "ConfigMap",
          namespace: "push",
          name: "pushed",
        });
        return cm?.data?.["value"] === String(value);
      },
      120_000,
      10,
    );
    return `${(performance.now() - pushed).toFixed(0)} ms after the push returned`;
  });
}
