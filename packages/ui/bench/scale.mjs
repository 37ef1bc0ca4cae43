// `pnpm bench` for the UI: 5,000 Kustomizations (and their GitRepository) in the embedded API server, the UI
// server in its own process (`runUi`, as the chart runs it), and Chromium (Debian's, via playwright-core):
//   - first paint: navigation start → the first overview row drawn, in a fresh browser context;
//   - live update: a Kustomization's status patched in the API server → its new revision on screen (median);
//   - the UI process's resident memory once loaded, and after the updates.
// Figures print with the machine's load; the targets (< 1 s, < 1 s, < 150 MiB) are shown beside them.
//
//   node packages/ui/bench/scale.mjs [--objects 5000] [--updates 7]

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startApiServer } from "@sluice/apiserver";
import { KubeClient, KubeConfig } from "@sluice/runtime/kube";
import { applyChartCrds, ensureNamespace } from "@sluice/testkit";
import { chromium } from "playwright-core";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "5000" },
    updates: { type: "string", default: "7" },
  },
});
const count = Number(values.objects);
const updates = Number(values.updates);
const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `fn` over `items` with `n` at a time. */
async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const server = await startApiServer({ port: 0, tls: false, simulateWorkloads: false, watchHistory: 50_000 });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: "bench", server: server.url }],
  users: [{ name: "admin", token: server.token }],
  contexts: [{ name: "bench", cluster: "bench", user: "admin", namespace: "default" }],
  currentContext: "bench",
});
const kubeconfigPath = join(await (await import("node:fs/promises")).mkdtemp("/tmp/sluice-ui-bench-"), "kubeconfig");
server.writeKubeconfig(kubeconfigPath);
const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
let ui;
let browser;
try {
  await applyChartCrds(client);
  await ensureNamespace(client, "apps");
  await client.create({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: "repo", namespace: "apps" },
    spec: { url: "https://example.com/repo.git", interval: "1m", ref: { branch: "main" } },
  });
  const names = Array.from({ length: count }, (_, i) => `app-${String(i).padStart(5, "0")}`);
  const ready = (rev) => ({
    status: {
      observedGeneration: 1,
      lastAppliedRevision: rev,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ReconciliationSucceeded",
          message: `Applied revision: ${rev}`,
          lastTransitionTime: new Date().toISOString(),
          observedGeneration: 1,
        },
      ],
    },
  });
  const loadStarted = Date.now();
  await pool(names, 16, async (name) => {
    await client.create({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name, namespace: "apps" },
      spec: { interval: "10m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
    });
    await client.patchStatus(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "apps", name },
      ready("main@sha1:0000000000000000000000000000000000000000"),
    );
  });
  const loadMs = Date.now() - loadStarted;

  // The UI in its own process, as the chart runs it.
  const child = spawn(
    process.execPath,
    [
      join(here, "ui-process.mjs"),
      "--kubeconfig",
      kubeconfigPath,
      "--listen-address",
      "127.0.0.1:0",
      "--log-level",
      "info",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  ui = child;
  let out = "";
  child.stdout.on("data", (c) => {
    out += c.toString();
  });
  const uiStarted = Date.now();
  let url;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`UI exited:\n${out}`);
    url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
    await sleep(20);
  }
  // Ready = every kind listed (readyz).
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await sleep(20);
  }
  const syncMs = Date.now() - uiStarted;
  const rssLoaded = rssMiB(child.pid);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const paints = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(url, { waitUntil: "commit" });
    await page.locator("tr[data-id]").first().waitFor({ timeout: 60_000 });
    paints.push(Date.now() - t0);
    await context.close();
  }

  const page = await browser.newPage();
  await page.goto(`${url}/#/`);
  await page.locator("tr[data-id]").first().waitFor();
  const latencies = [];
  for (let i = 1; i <= updates; i++) {
    // The first page (sorted by kind) shows the GitRepository, then app-00000…: update a visible row.
    const name = names[i];
    const rev = `main@sha1:${String(i).padStart(40, "a")}`;
    const cell = page.locator(`tr[data-id="Kustomization/apps/${name}"] td.revision[title="${rev}"]`);
    const t0 = Date.now();
    await client.patchStatus(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "apps", name },
      ready(rev),
    );
    await cell.waitFor({ timeout: 30_000 });
    latencies.push(Date.now() - t0);
  }
  const rssAfter = rssMiB(child.pid);

  const [l1, l5] = loadavg();
  const rows = [
    [
      "objects",
      `${count} Kustomizations + 1 GitRepository (created and made Ready in ${(loadMs / 1000).toFixed(1)} s)`,
    ],
    ["UI caches synced", `${syncMs} ms after the process started`],
    ["first paint", `median ${median(paints)} ms of ${paints.join(", ")} ms (target < 1000 ms)`],
    [
      "live update",
      `median ${median(latencies)} ms, max ${Math.max(...latencies)} ms over ${updates} (target < 1000 ms)`,
    ],
    [
      "UI server RSS",
      `${rssLoaded.toFixed(0)} MiB loaded, ${rssAfter.toFixed(0)} MiB after the updates (target < 150 MiB)`,
    ],
    ["load average", `${l1.toFixed(2)} (1 min), ${l5.toFixed(2)} (5 min), ${process.env.CI ? "CI" : "local"}`],
  ];
  console.log("\nUI at scale (packages/ui/bench/scale.mjs)");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(18)} ${v}`);
} finally {
  await browser?.close();
  if (ui && ui.exitCode === null) {
    ui.kill("SIGTERM");
    await new Promise((r) => ui.on("exit", r));
  }
  client.close();
  await server.stop();
}
