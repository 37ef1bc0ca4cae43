// Figures for the source-controller as a process: the built `dist/main.js` run with Flux's flags against the
// embedded API server, reconciling 100 GitRepositories from a git http-backend server. Prints the time until
// all are Ready, the time and git operations of an unchanged re-check of all 100, and the controller
// process's resident memory (from /proc) while it serves them.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { GitRepository } from "@sluice/api";
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

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const OBJECTS = 100;
const REPOS = 10;
const NS = "bench";
const API = "source.toolkit.fluxcd.io/v1";

it("source-controller process: 100 GitRepositories", async () => {
  // The process runs the compiled package (and its compiled dependencies).
  await run("pnpm", ["exec", "tsc", "-b", "tsconfig.build.json"], { cwd: PACKAGE_DIR });

  const root = await tempDir("sc-bench-rss-");
  const cluster = await startApiCluster();
  const git = await startGitHttpServer({ root: join(root.path, "repos") });
  let child: ChildProcess | undefined;
  try {
    for (let r = 0; r < REPOS; r++) {
      const repo = await createFixtureRepo(join(root.path, "repos"), `repo-${r}`);
      const files: Record<string, string> = {};
      for (let f = 0; f < 50; f++) files[`apps/app-${f}.yaml`] = `kind: ConfigMap\nmetadata:\n  name: app-${f}-${r}\n`;
      await repo.commit(files, `repo ${r}`);
      await repo.push();
    }
    await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
    await ensureNamespace(cluster.client, NS);
    const kubeconfig = join(root.path, "kubeconfig");
    await writeFile(kubeconfig, cluster.kubeConfig.exportConfig(), { mode: 0o600 });

    child = spawn(
      process.execPath,
      [
        join(PACKAGE_DIR, "dist/main.js"),
        `--kubeconfig=${kubeconfig}`,
        `--storage-path=${join(root.path, "storage")}`,
        "--storage-addr=127.0.0.1:0",
        "--metrics-addr=0",
        "--health-addr=0",
        "--concurrent=4",
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const pid = child.pid ?? 0;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      rssMiB(pid).then(
        (v) => samples.push(v),
        () => undefined,
      );
    }, 200);

    await new Promise((r) => setTimeout(r, 3_000));
    const idle = await rssMiB(pid);

    const started = performance.now();
    for (let i = 0; i < OBJECTS; i++) {
      await cluster.client.create({
        apiVersion: API,
        kind: "GitRepository",
        metadata: { namespace: NS, name: `repo-${i}` },
        spec: { interval: "10m", url: git.url(`repo-${i % REPOS}.git`) },
      });
    }
    const readyCount = async () => {
      const list = await cluster.client.list<GitRepository>(API, "GitRepository", { namespace: NS });
      return list.items.filter(
        (o) =>
          o.status?.observedGeneration === o.metadata.generation &&
          o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      );
    };
    await until(async () => (await readyCount()).length === OBJECTS, "all Ready");
    const allReadyMs = performance.now() - started;

    // Unchanged re-check of every object (requestedAt), counting git operations at the server.
    git.reset();
    const at = new Date().toISOString();
    const recheck = performance.now();
    for (let i = 0; i < OBJECTS; i++) {
      await cluster.client.patch(
        { apiVersion: API, kind: "GitRepository", namespace: NS, name: `repo-${i}` },
        { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } },
        { type: "application/merge-patch+json" },
      );
    }
    await until(async () => {
      const list = await cluster.client.list<GitRepository>(API, "GitRepository", { namespace: NS });
      return list.items.every((o) => o.status?.lastHandledReconcileAt === at);
    }, "all re-checked");
    const recheckMs = performance.now() - recheck;
    const commands = git.commands();

    // Serve every artifact once while sampling memory.
    const ready = await readyCount();
    for (const o of ready) {
      const res = await fetch(o.status?.artifact?.url ?? "");
      await res.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(sampler);
    const steady = await rssMiB(pid);
    const peak = Math.max(...samples);

    console.log(
      [
        `source-controller process, ${OBJECTS} GitRepositories over ${REPOS} repositories (50 files each), --concurrent=4:`,
        `  all Ready after            ${(allReadyMs / 1000).toFixed(2)} s`,
        `  unchanged re-check of all  ${(recheckMs / 1000).toFixed(2)} s; git operations: ${commands.filter((c) => c === "ls-refs").length} ls-refs, ${commands.filter((c) => c === "fetch").length} fetch`,
        `  RSS idle (no objects)      ${idle.toFixed(1)} MiB`,
        `  RSS peak                   ${peak.toFixed(1)} MiB (goal < 150 MiB)`,
        `  RSS steady (after serving) ${steady.toFixed(1)} MiB`,
      ].join("\n"),
    );
    expect(commands.filter((c) => c === "fetch")).toEqual([]);
  } finally {
    child?.kill("SIGTERM");
    await git.stop();
    await cluster.stop();
    await root.remove();
  }
});
