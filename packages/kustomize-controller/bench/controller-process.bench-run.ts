// Figures for the kustomize-controller as a process: 200 Kustomizations of 4 objects each (ConfigMap, Secret,
// Service, Deployment) from one Git repository served by git http-backend and fetched by the real
// source-controller process, against one embedded API server. Prints the time until all 200 are Ready and the
// controller process's peak resident memory (from /proc). No assertions on time.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { GitRepository, Kustomization } from "@sluice/api";
import type { AuditEvent } from "@sluice/apiserver";
import {
  applyChartCrds,
  createFixtureRepo,
  ensureNamespace,
  rssMiB,
  startApiCluster,
  startGitHttpServer,
  tempDir,
  until,
} from "@sluice/testkit";
import { expect, it } from "vitest";
import { manifest } from "./manifests.js";

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const SOURCE_DIR = join(PACKAGE_DIR, "../source-controller");
const KUSTOMIZATIONS = 200;
const OBJECTS_EACH = 4;
const NS = "bench";

/**
 * Counts the API server's requests as they happen (its audit log keeps the newest 10,000 only), leaving out
 * the benchmark's own polling (`ignore` paths).
 */
function countRequests(server: { auditEvents(): AuditEvent[] }, ignore: (path: string) => boolean) {
  let last: AuditEvent | undefined;
  const counts = { requests: 0, writes: 0 };
  const take = () => {
    const events = server.auditEvents();
    const from = last ? events.indexOf(last) + 1 : 0;
    for (const e of events.slice(from)) {
      if (ignore(e.path)) continue;
      counts.requests++;
      if (["POST", "PUT", "PATCH", "DELETE"].includes(e.verb) && !e.path.includes("dryRun=")) counts.writes++;
    }
    last = events.at(-1) ?? last;
  };
  take();
  counts.requests = 0;
  counts.writes = 0;
  const timer = setInterval(take, 250);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return counts;
    },
  };
}

function ready(o: {
  metadata: { generation?: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}): boolean {
  return (
    o.status?.observedGeneration === o.metadata.generation &&
    (o.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** Compiles a package (and its references); a stale `dist` is used when a colleague's work in progress breaks it. */
async function compile(dir: string): Promise<void> {
  await run("pnpm", ["exec", "tsc", "-b", "tsconfig.build.json"], { cwd: dir }).catch((err: unknown) => {
    console.warn(`tsc -b in ${dir} failed, using the existing dist: ${String(err).slice(0, 300)}`);
  });
}

function spawnController(kubeconfig: string): ChildProcess {
  const args = [
    join(PACKAGE_DIR, "dist/main.js"),
    `--kubeconfig=${kubeconfig}`,
    "--concurrent=4",
    "--metrics-addr=0",
    "--health-addr=0",
    "--log-level=error",
  ];
  // BENCH_CONTROLLER_NODE_ARGS: extra node flags for the controller only (for memory experiments).
  const nodeArgs = (process.env["BENCH_CONTROLLER_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "ignore", "inherit"] });
}

it(`kustomize-controller process: ${KUSTOMIZATIONS} Kustomizations × ${OBJECTS_EACH} objects`, async () => {
  await compile(SOURCE_DIR);
  await compile(PACKAGE_DIR);

  const root = await tempDir("kc-bench-proc-");
  const cluster = await startApiCluster();
  const git = await startGitHttpServer({ root: join(root.path, "repos") });
  const children: ChildProcess[] = [];
  try {
    const repo = await createFixtureRepo(join(root.path, "repos"), "apps");
    const files: Record<string, string> = {};
    for (let k = 0; k < KUSTOMIZATIONS; k++) {
      for (let i = 0; i < OBJECTS_EACH; i++) files[`apps/app-${k}/m-${i}.yaml`] = manifest(i, `app-${k}`);
    }
    await repo.commit(files, "apps");
    await repo.push();
    await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
    await applyChartCrds(cluster.client, "kustomize.toolkit.fluxcd.io_");
    await ensureNamespace(cluster.client, NS);
    const kubeconfig = join(root.path, "kubeconfig");
    cluster.server.writeKubeconfig(kubeconfig);

    children.push(
      spawn(
        process.execPath,
        [
          join(SOURCE_DIR, "dist/main.js"),
          `--kubeconfig=${kubeconfig}`,
          `--storage-path=${join(root.path, "storage")}`,
          "--storage-addr=127.0.0.1:0",
          "--metrics-addr=0",
          "--health-addr=0",
          "--log-level=error",
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      ),
    );
    await cluster.client.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { namespace: NS, name: "apps" },
      spec: { interval: "10m", url: git.url("apps.git"), ref: { branch: "master" } },
    });
    await until(async () => {
      const list = await cluster.client.list<GitRepository>("source.toolkit.fluxcd.io/v1", "GitRepository", {
        namespace: NS,
      });
      return list.items.some(ready);
    }, "GitRepository Ready");

    const controller = spawnController(kubeconfig);
    children.push(controller);
    const pid = controller.pid ?? 0;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      rssMiB(pid).then(
        (v) => samples.push(v),
        () => undefined,
      );
    }, 100);
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = await rssMiB(pid);

    const poll = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${NS}/kustomizations`;
    const counter = countRequests(cluster.server, (path) => path === poll);
    const started = performance.now();
    for (let k = 0; k < KUSTOMIZATIONS; k++) {
      await cluster.client.create({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { namespace: NS, name: `app-${k}` },
        spec: {
          interval: "10m",
          prune: true,
          path: `./apps/app-${k}`,
          targetNamespace: NS,
          sourceRef: { kind: "GitRepository", name: "apps" },
        },
      });
    }
    const readyCount = async () => {
      const list = await cluster.client.list<Kustomization>("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {
        namespace: NS,
      });
      return list.items.filter(ready).length;
    };
    await until(async () => (await readyCount()) === KUSTOMIZATIONS, "all Kustomizations Ready", 900_000, 1_000);
    const allReadyMs = performance.now() - started;
    const api = counter.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(sampler);
    const steady = await rssMiB(pid);
    const peak = Math.max(...samples);

    const configMaps = await cluster.client.list("v1", "ConfigMap", { namespace: NS });
    expect(configMaps.items.filter((c) => c.metadata.name?.startsWith("app-")).length).toBe(KUSTOMIZATIONS);
    console.log(
      [
        `kustomize-controller process, ${KUSTOMIZATIONS} Kustomizations × ${OBJECTS_EACH} objects, --concurrent=4, Flux's default API rate limit:`,
        `  all Ready after        ${(allReadyMs / 1000).toFixed(2)} s (${((allReadyMs / KUSTOMIZATIONS) | 0).toString()} ms per Kustomization)`,
        `  API requests meanwhile ${api.requests} (${api.writes} writes, ${KUSTOMIZATIONS} of them the benchmark's creates)`,
        `  RSS idle (no objects)  ${idle.toFixed(1)} MiB`,
        `  RSS peak               ${peak.toFixed(1)} MiB (goal < 150 MiB)`,
        `  RSS steady             ${steady.toFixed(1)} MiB`,
      ].join("\n"),
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await git.stop();
    await cluster.stop();
    await root.remove();
  }
});
