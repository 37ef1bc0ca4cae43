// `pnpm bench` for the UI end to end: `sluice up --demo` as a user runs it (built main.js, its defaults: the
// embedded API server, every controller, the UI, all in one process), 5,000 more Kustomizations created
// through its API server and reconciled by its kustomize-controller (their GitRepository does not exist,
// so each ends Ready=False after one reconcile), then Debian's Chromium:
//   - first paint: navigation start → the first overview row drawn, in a fresh browser context (5 times);
//   - the server's share of it: `GET /api/objects` (the first page the overview asks for), 5 times;
//   - live update: `spec.suspend: true` patched on a Kustomization shown → its row reads Suspended (median);
//   - the whole `sluice up` process's resident memory (API server, controllers and UI together).
// Figures print with `uptime` taken in the same run.
//
//   node packages/ui/bench/up-scale.mjs [--objects 5000] [--updates 7]

import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KubeClient, KubeConfig } from "@sluice/runtime/kube";
import { chromium } from "playwright-core";

const { values } = parseArgs({
  options: { objects: { type: "string", default: "5000" }, updates: { type: "string", default: "7" } },
});
const count = Number(values.objects);
const updates = Number(values.updates);
const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, "../../cli/dist/main.js");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const KS = "kustomize.toolkit.fluxcd.io/v1";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMiB = async (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const work = await mkdtemp(join(tmpdir(), "sluice-ui-up-bench-"));
const kubeconfigPath = join(work, "kubeconfig");
const up = spawn(
  process.execPath,
  [MAIN, "up", "--demo", "--ui-port", "0", "--write-kubeconfig", kubeconfigPath, "--data-dir", join(work, "data")],
  { stdio: ["ignore", "pipe", "pipe"] },
);
let out = "";
up.stdout.on("data", (c) => {
  out += c.toString();
});
up.stderr.on("data", (c) => {
  out += c.toString();
});
let browser;
let client;
try {
  let url;
  while (!url) {
    if (up.exitCode !== null) throw new Error(`sluice up exited:\n${out}`);
    url = /^\s*ui\s+(http:\/\/\S+)/m.exec(out)?.[1];
    await sleep(50);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  await client.apply(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } },
    { fieldManager: "bench", force: true },
  );
  const names = Array.from({ length: count }, (_, i) => `app-${String(i).padStart(5, "0")}`);
  const loadStarted = Date.now();
  await pool(names, 16, (name) =>
    client.create({
      apiVersion: KS,
      kind: "Kustomization",
      metadata: { name, namespace: "bench" },
      spec: { interval: "10m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "missing" } },
    }),
  );
  // Until kustomize-controller has reconciled every one (each gets a Ready condition).
  for (;;) {
    const list = await client.list(KS, "Kustomization", { namespace: "bench" });
    const done = list.items.filter((k) => (k.status?.conditions ?? []).some((c) => c.type === "Ready")).length;
    if (done === count) break;
    await sleep(1000);
  }
  const loadMs = Date.now() - loadStarted;
  const rssLoaded = await rssMiB(up.pid);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const uptimeBefore = execFileSync("uptime", { encoding: "utf8" }).trim();
  const paints = [];
  const sizes = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let bytes = 0;
    page.on("response", (r) => {
      if (!(r.headers()["content-type"] ?? "").includes("event-stream")) {
        r.body().then(
          (b) => {
            bytes += b.length;
          },
          () => undefined,
        );
      }
    });
    const t0 = Date.now();
    await page.goto(url, { waitUntil: "commit" });
    await page.locator("tr[data-id]").first().waitFor({ timeout: 60_000 });
    paints.push(Date.now() - t0);
    await sleep(500);
    sizes.push(bytes);
    await context.close();
  }

  const answers = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/objects?limit=100`, { headers: { "accept-encoding": "gzip" } });
    await res.arrayBuffer();
    answers.push(Math.round(performance.now() - t0));
  }

  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('tr[data-id^="Kustomization/bench/"]').first().waitFor({ timeout: 60_000 });
  const shown = await page
    .locator('tr[data-id^="Kustomization/bench/"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
  const latencies = [];
  for (let i = 0; i < Math.min(updates, shown.length); i++) {
    const name = shown[i].split("/")[2];
    const badge = page.locator(`tr[data-id="Kustomization/bench/${name}"] .badge`, { hasText: "Suspended" });
    const t0 = Date.now();
    await client.patch(
      { apiVersion: KS, kind: "Kustomization", namespace: "bench", name },
      { spec: { suspend: true } },
      { type: "application/merge-patch+json" },
    );
    await badge.waitFor({ timeout: 30_000 });
    latencies.push(Date.now() - t0);
  }
  const uptimeAfter = execFileSync("uptime", { encoding: "utf8" }).trim();
  const rssAfter = await rssMiB(up.pid);

  const rows = [
    [
      "objects",
      `${count} Kustomizations + the demo's objects (created and reconciled in ${(loadMs / 1000).toFixed(1)} s)`,
    ],
    ["first paint", `median ${median(paints)} ms of ${paints.join(", ")} ms (target < 1000 ms)`],
    ["first page answer", `median ${median(answers)} ms of ${answers.join(", ")} ms (GET /api/objects?limit=100)`],
    ["first load bytes", `${sizes.map((b) => `${(b / 1024).toFixed(0)} KiB`).join(", ")} (uncompressed bodies)`],
    [
      "live update",
      `median ${median(latencies)} ms, max ${Math.max(...latencies)} ms over ${latencies.length} (target < 1000 ms)`,
    ],
    [
      "sluice up RSS",
      `${rssLoaded.toFixed(0)} MiB loaded, ${rssAfter.toFixed(0)} MiB after (API server + controllers + UI)`,
    ],
    ["uptime before", uptimeBefore],
    ["uptime after", uptimeAfter],
  ];
  console.log("\nUI through sluice up at scale (packages/ui/bench/up-scale.mjs)");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(18)} ${v}`);
} finally {
  await browser?.close();
  client?.close();
  if (up.exitCode === null) {
    up.kill("SIGTERM");
    await new Promise((r) => up.on("exit", r));
  }
  await rm(work, { recursive: true, force: true });
}
