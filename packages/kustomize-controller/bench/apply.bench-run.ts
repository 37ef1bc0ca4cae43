// Figures for the kustomize-controller's apply path against one embedded API server: 500 fresh objects
// applied by our ResourceManager (the controller's staged server-side apply) vs `kubectl apply --server-side`
// of the same kustomize-built YAML, then a no-op re-apply of the 500 (time and API writes, counted from the
// API server's audit log). The ResourceManager runs in a worker thread (its own event loop, like the
// controller process; kubectl is a process of its own); neither side is rate-limited. Printed, not asserted.

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { type AuditEvent, startApiServer } from "@sluice/apiserver";
import { buildKustomization, setOwnerLabels } from "@sluice/kustomize";
import { Action, KubeClient, KubeConfig, resolveTool, type UnstructuredObject } from "@sluice/runtime";
import { ensureNamespace, tempDir, writeTree } from "@sluice/testkit";
import { expect, it } from "vitest";
import { manifestTree } from "./manifests.js";

const run = promisify(execFile);
const OBJECTS = 500;
/** `--concurrent-ssa` of the ResourceManager: Flux's default 4 unless `BENCH_CONCURRENT_SSA` says otherwise. */
const CONCURRENT_SSA = Number(process.env["BENCH_CONCURRENT_SSA"] ?? 4);
const WRITE_VERBS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function writes(events: AuditEvent[], since: string): AuditEvent[] {
  return events.filter((e) => e.time >= since && WRITE_VERBS.has(e.verb) && !e.path.includes("dryRun="));
}

function requests(events: AuditEvent[], since: string): number {
  return events.filter((e) => e.time >= since).length;
}

/** Whether a request path names a collection (`…/configmaps`, `…/namespaces/x/configmaps`), not one object. */
function isCollection(path: string): boolean {
  const rest = (path.split("?")[0] ?? "").replace(/^\/(api\/v1|apis\/[^/]+\/[^/]+)\//, "").split("/");
  return rest.length === 1 || (rest.length === 3 && rest[0] === "namespaces");
}

/** Requests since `since` by kind: `GET 500, LIST 4, dry-run 500, write 500`. */
function breakdown(events: AuditEvent[], since: string): string {
  const counts = new Map<string, number>();
  for (const e of events.filter((x) => x.time >= since)) {
    const kind = e.path.includes("dryRun=")
      ? "dry-run"
      : WRITE_VERBS.has(e.verb)
        ? "write"
        : e.verb === "GET" && isCollection(e.path)
          ? "LIST"
          : e.verb;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

it(`apply of ${OBJECTS} objects: ResourceManager vs kubectl --server-side, and a no-op re-apply`, async () => {
  // Plain HTTP on loopback without a token, so kubectl (client-go withholds tokens over http) and our client
  // talk to the same server the same way.
  const server = await startApiServer({ port: 0, tls: false, allowUnauthenticatedHttp: true });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "bench", server: server.url, skipTLSVerify: true }],
    users: [{ name: "bench", token: server.token }],
    contexts: [{ name: "bench", cluster: "bench", user: "bench" }],
    currentContext: "bench",
  });
  const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  const cluster = { server, client };
  const work = await tempDir("kc-bench-apply-");
  const sourceDir = await tempDir("kc-bench-source-");
  const source = sourceDir.path;
  await writeTree(source, manifestTree(OBJECTS));
  try {
    const ours = await buildKustomization({ root: source, spec: { targetNamespace: "bench-ours" } });
    const theirs = await buildKustomization({ root: source, spec: { targetNamespace: "bench-kubectl" } });
    expect(ours.objects).toHaveLength(OBJECTS);
    await ensureNamespace(cluster.client, "bench-ours");
    await ensureNamespace(cluster.client, "bench-kubectl");

    // kubectl: the same kustomize output, with a warm discovery cache (one request before timing).
    const kubeconfig = join(work.path, "kubeconfig");
    cluster.server.writeKubeconfig(kubeconfig);
    const yamlFile = join(work.path, "built.yaml");
    await writeFile(yamlFile, theirs.documents.join("---\n"));
    const kubectl = resolveTool("kubectl").path;
    const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", KUBECONFIG: kubeconfig, HOME: work.path };
    const kubectlApply = () =>
      run(kubectl, ["apply", "--server-side", "--field-manager=kustomize-controller", "-f", yamlFile], {
        env,
        maxBuffer: 64 << 20,
      });
    await run(kubectl, ["get", "namespaces"], { env });
    const kubectlSince = new Date().toISOString();
    const [, kubectlMs] = await timed(kubectlApply);
    const kubectlRequests = requests(cluster.server.auditEvents(), kubectlSince);
    const [, kubectlNoopMs] = await timed(kubectlApply);

    // Ours: owner labels as the reconciler sets them, then the staged apply.
    const objects = ours.objects as unknown as UnstructuredObject[];
    setOwnerLabels(objects as never, { name: "bench", namespace: "flux-system" });
    const worker = new Worker(new URL("./apply-worker.mjs", import.meta.url), {
      workerData: { url: server.url, token: server.token, objects, concurrency: CONCURRENT_SSA },
      execArgv: [], // compiled packages (the test runner resolves sources)
    });
    const apply = () =>
      new Promise<{ ms: number; actions: string[] }>((resolve, reject) => {
        worker.once("message", (m: { ms: number; actions: string[] } | { error: string }) =>
          "error" in m ? reject(new Error(m.error)) : resolve(m),
        );
        worker.once("error", reject);
        worker.postMessage("apply");
      });
    const freshSince = new Date().toISOString();
    const { ms: freshMs, actions: freshActions } = await apply();
    const freshWrites = writes(cluster.server.auditEvents(), freshSince).length;
    const freshRequests = requests(cluster.server.auditEvents(), freshSince);
    const freshBreakdown = breakdown(cluster.server.auditEvents(), freshSince);
    expect(freshActions.filter((a) => a === Action.Created)).toHaveLength(OBJECTS);

    const noopSince = new Date().toISOString();
    const { ms: noopMs, actions: noopActions } = await apply();
    const noopWrites = writes(cluster.server.auditEvents(), noopSince);
    const noopRequests = requests(cluster.server.auditEvents(), noopSince);
    const noopBreakdown = breakdown(cluster.server.auditEvents(), noopSince);
    expect(noopActions.filter((a) => a === Action.Unchanged)).toHaveLength(OBJECTS);
    worker.postMessage("close");

    console.log(
      [
        `kustomize-controller apply, ${OBJECTS} objects (ConfigMap/Secret/Service/Deployment), one embedded API server:`,
        `  kubectl apply --server-side (fresh)   ${kubectlMs.toFixed(0)} ms, ${kubectlRequests} requests`,
        `  ResourceManager staged apply (fresh, --concurrent-ssa=${CONCURRENT_SSA})  ${freshMs.toFixed(0)} ms, ${freshRequests} requests (${freshBreakdown}), ${freshWrites} writes — ${(freshMs / kubectlMs).toFixed(2)}× kubectl (goal ≤ 0.5×)`,
        `  no-op re-apply, ResourceManager       ${noopMs.toFixed(0)} ms, ${noopRequests} requests (${noopBreakdown}), ${noopWrites.length} writes — ${(noopMs / freshMs).toFixed(2)}× the fresh apply (goal 0 writes, ≤ 0.2×)`,
        `  no-op re-apply, kubectl               ${kubectlNoopMs.toFixed(0)} ms`,
      ].join("\n"),
    );
    expect(noopWrites.map((e) => `${e.verb} ${e.path}`)).toEqual([]);
  } finally {
    await sourceDir.remove();
    await work.remove();
    client.close();
    await server.stop();
  }
});
