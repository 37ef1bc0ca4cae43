// notification-controller end to end as users run it (issues 15 and 17); figures printed, nothing asserted.
// (a) `sluice up` with its defaults (packages/cli/dist/main.js, one process; the event and receiver URLs from
//     its banner): a GitRepository (interval 10m) and a Kustomization of 10 ConfigMaps, a GitHub Receiver
//     for the GitRepository. Each round: commit, `git push` to the local Git server, then the GitHub-signed
//     push webhook to the real Receiver; timed from the start of the push until all 10 ConfigMaps in the API
//     server carry the new value (the benchmark's own client polls every 10 ms). The breakdown says when the
//     push returned, when the webhook was answered (the requestedAt annotation written), when the
//     GitRepository's artifact had the new commit. Median over BENCH_PUSHES rounds (default 7), then 3 rounds
//     while an event burst runs in the same process.
// (b) events/s accepted (answered 202) and dispatched (received by a local HTTP sink through a `generic`
//     Provider) for BENCH_EVENTS distinct events POSTed with 32 in flight: through sluice up, and through
//     notification-controller's main.js with the chart's flags on its own API server process.

import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { createFixtureRepo, ensureNamespace, type FixtureRepo, startGitHttpServer } from "@sluice/testkit";
import { it } from "vitest";
import { startNotificationChart, startSluiceUp } from "./product/processes.js";

const NS = "bench-notify";
const EVENTS = Number(process.env["BENCH_EVENTS"] ?? 3000);
const PUSHES = Math.max(5, Number(process.env["BENCH_PUSHES"] ?? 7));
const TOKEN = "bench-webhook-token";
const NC = "notification.toolkit.fluxcd.io";
/** BENCH_MODES=up or =chart runs one of the two (as product.bench-run.ts). */
const MODES = (process.env["BENCH_MODES"] ?? "up,chart").split(",");

const uptime = () => execFileSync("uptime").toString().trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

const manifests = (value: number) =>
  Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [
      `deploy/cm-${i}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${NS}\ndata:\n  value: "${value}"\n`,
    ]),
  );

async function until(what: string, check: () => Promise<boolean>, ms = 180_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A local HTTP endpoint counting what a generic Provider delivers. */
async function startSink() {
  const received = { n: 0, last: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.n++;
      received.last = performance.now();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

type Sink = Awaited<ReturnType<typeof startSink>>;

/** A generic Provider to the sink and an Alert for every HelmRelease event in the namespace. */
async function alertToSink(c: KubeClient, eventsUrl: string, sink: Sink): Promise<void> {
  await ensureNamespace(c, NS);
  await c.create({
    apiVersion: `${NC}/v1beta3`,
    kind: "Provider",
    metadata: { namespace: NS, name: "sink" },
    spec: { type: "generic", address: sink.url },
  } as UnstructuredObject);
  await c.create({
    apiVersion: `${NC}/v1beta3`,
    kind: "Alert",
    metadata: { namespace: NS, name: "all" },
    spec: { providerRef: { name: "sink" }, eventSources: [{ kind: "HelmRelease", name: "*" }] },
  } as UnstructuredObject);
  // Until the Alert is in the controller's cache: a probe event reaches the sink.
  let probe = 0;
  await until(
    "the Alert to take effect",
    async () => {
      const before = sink.received.n;
      await postEvent(eventsUrl, `probe ${probe++}`, 0);
      await sleep(100);
      return sink.received.n > before;
    },
    60_000,
    200,
  );
}

async function postEvent(url: string, message: string, i: number): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      involvedObject: {
        kind: "HelmRelease",
        namespace: NS,
        name: `app-${i % 50}`,
        apiVersion: "helm.toolkit.fluxcd.io/v2",
      },
      severity: "info",
      timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      message,
      reason: "UpgradeSucceeded",
      reportingController: "helm-controller",
    }),
  });
  await res.body?.cancel();
  return res.status;
}

/** `count` distinct events, 32 in flight; waits (up to 2 min) until the sink has them all. */
async function burst(url: string, sink: Sink, count: number, tag: string) {
  const before = sink.received.n;
  const start = performance.now();
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      if ((await postEvent(url, `${tag} upgrade ${i}`, i)) === 202) accepted++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const answered = performance.now();
  const deadline = Date.now() + 120_000;
  while (sink.received.n - before < count && Date.now() < deadline) await sleep(20);
  const delivered = sink.received.n - before;
  return {
    line: `accepted ${(accepted / ((answered - start) / 1000)).toFixed(0)} events/s (${accepted}/${count} answered 202), dispatched ${(delivered / ((sink.received.last - start) / 1000)).toFixed(0)} events/s (${delivered}/${count} delivered)`,
  };
}

async function eventFigures(mode: string, c: KubeClient, eventsUrl: string, sink: Sink): Promise<void> {
  await alertToSink(c, eventsUrl, sink);
  await burst(eventsUrl, sink, 200, "warm");
  const b = await burst(eventsUrl, sink, EVENTS, "run");
  console.log(`[bench] ${mode}: ${EVENTS} distinct events, 32 in flight: ${b.line} — load: ${uptime()}`);
}

interface Round {
  total: number;
  pushed: number;
  answered: number;
  artifact: number;
}

async function pushFigures(
  c: KubeClient,
  receiverUrl: string,
  repo: FixtureRepo,
  gitUrl: string,
  eventsUrl: string,
  sink: Sink,
) {
  await c.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: NS, name: "hook" },
    stringData: { token: TOKEN },
  } as UnstructuredObject);
  await c.create({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { namespace: NS, name: "app" },
    spec: { url: gitUrl, interval: "10m", ref: { branch: "master" } },
  } as UnstructuredObject);
  await c.create({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { namespace: NS, name: "app" },
    spec: { interval: "10m", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "app" } },
  } as UnstructuredObject);
  await c.create({
    apiVersion: `${NC}/v1`,
    kind: "Receiver",
    metadata: { namespace: NS, name: "gh" },
    spec: {
      type: "github",
      events: ["push"],
      secretRef: { name: "hook" },
      resources: [{ kind: "GitRepository", name: "app" }],
    },
  } as UnstructuredObject);
  const applied = async (value: number) => {
    const list = await c.list<UnstructuredObject & { data?: Record<string, string> }>("v1", "ConfigMap", {
      namespace: NS,
    });
    return (
      list.items.filter((cm) => cm.metadata.name?.startsWith("cm-") && cm.data?.["value"] === String(value)).length ===
      10
    );
  };
  const artifactAt = async (sha: string) => {
    const repoObj = await c.get<UnstructuredObject & { status?: { artifact?: { revision?: string } } }>({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      namespace: NS,
      name: "app",
    });
    return repoObj.status?.artifact?.revision?.endsWith(sha) ?? false;
  };
  await until("the first revision applied", () => applied(0));
  let path = "";
  await until("the Receiver's webhook path", async () => {
    const r = await c.get<UnstructuredObject & { status?: { webhookPath?: string } }>({
      apiVersion: `${NC}/v1`,
      kind: "Receiver",
      namespace: NS,
      name: "gh",
    });
    path = r.status?.webhookPath ?? "";
    return path !== "";
  });
  const round = async (value: number): Promise<Round> => {
    const sha = await repo.commit(manifests(value), `v${value}`);
    const t0 = performance.now();
    await repo.push();
    const pushed = performance.now() - t0;
    const body = JSON.stringify({ ref: "refs/heads/master", after: sha });
    const res = await fetch(`${receiverUrl}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "X-GitHub-Event": "push",
        "X-Hub-Signature-256": `sha256=${createHmac("sha256", TOKEN).update(body).digest("hex")}`,
      },
      body,
    });
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    const answered = performance.now() - t0;
    let artifact = 0;
    await until(`revision ${value} applied`, async () => {
      if (!artifact && (await artifactAt(sha))) artifact = performance.now() - t0;
      return applied(value);
    });
    const total = performance.now() - t0;
    return { total, pushed, answered, artifact: artifact || total };
  };
  const report = (label: string, rounds: Round[]) =>
    console.log(
      `[bench] sluice up: git push → GitHub-signed webhook → 10 ConfigMaps applied, ${label}: median ${secs(median(rounds.map((r) => r.total)))} over ${rounds.length} pushes (${rounds.map((r) => secs(r.total)).join(", ")}); medians from the push's start: push returned ${secs(median(rounds.map((r) => r.pushed)))}, webhook answered ${secs(median(rounds.map((r) => r.answered)))}, artifact ${secs(median(rounds.map((r) => r.artifact)))} — load: ${uptime()}`,
    );
  let value = 1;
  const idle: Round[] = [];
  for (let i = 0; i < PUSHES; i++) idle.push(await round(value++));
  report("idle", idle);
  const loaded: Round[] = [];
  for (let i = 0; i < 3; i++) {
    const load = burst(eventsUrl, sink, EVENTS, `load${value}`);
    loaded.push(await round(value++));
    await load;
  }
  report(`while ${EVENTS} events are POSTed to the same process`, loaded);
}

it("prints push → webhook → applied through sluice up and event server throughput", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nc-bench-"));
  const git = await startGitHttpServer({ root: join(dir, "git") });
  const sink = await startSink();
  try {
    const repo = await createFixtureRepo(join(dir, "git"), "app");
    await repo.commit(manifests(0), "v0");
    await repo.push();

    if (MODES.includes("up")) {
      const up = await startSluiceUp(join(dir, "up"));
      try {
        const banner = up.processes[0]?.output() ?? "";
        const events = /^\s+events\s+(http\S+)/m.exec(banner)?.[1];
        const receiver = /^\s+receiver\s+(http\S+)/m.exec(banner)?.[1];
        if (!events || !receiver) throw new Error(`sluice up printed no events/receiver URLs:\n${banner.slice(-3000)}`);
        await eventFigures("sluice up event server", up.client, `${events}/`, sink);
        await pushFigures(up.client, receiver, repo, git.url("app.git"), `${events}/`, sink);
      } finally {
        await up.stop();
      }
    }
    if (MODES.includes("chart")) {
      const chart = await startNotificationChart(join(dir, "chart"));
      try {
        const mode = "notification-controller main.js, chart flags, event server";
        await eventFigures(mode, chart.client, `${chart.events}/`, sink);
      } finally {
        await chart.stop();
      }
    }
  } finally {
    await sink.stop();
    await git.stop();
    if (process.env["BENCH_KEEP_DIR"]) console.log(`[bench] kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
});
