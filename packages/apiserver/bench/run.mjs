#!/usr/bin/env node
// Benchmarks the API server as a separate process over HTTPS: creates/s, server-side applies/s, watch event
// latency with 50 watchers, and resident memory once N ConfigMaps are stored.
// N defaults to 10 000; BENCH_OBJECTS=100000 for the 100k figure; BENCH_DATA_DIR=<dir> measures with durable storage.
// BENCH_AUTHZ=AlwaysAllow turns authorization off (default RBAC); BENCH_IDENTITY=serviceaccount sends every request
// with a ServiceAccount token bound to the `edit` ClusterRole (RBAC rules evaluated, 200 other bindings present)
// instead of the admin's (system:masters).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_OBJECTS ?? 10_000);
const APPLIES = Number(process.env.BENCH_APPLIES ?? 2_000);
const WATCHERS = 50;
const WATCH_EVENTS = Number(process.env.BENCH_WATCH_EVENTS ?? 500);
const CONCURRENCY = 16;
const TOKEN = "bench-token";
const AUTHZ = process.env.BENCH_AUTHZ ?? "RBAC";
const IDENTITY = process.env.BENCH_IDENTITY ?? "admin";
/** The bearer token of the measured requests (the admin's until a ServiceAccount token replaces it). */
let authToken = TOKEN;

function startServer() {
  const child = spawn(
    process.execPath,
    [
      join(here, "../dist/main.js"),
      "--port",
      "0",
      "--token",
      TOKEN,
      "--no-simulate-workloads",
      "--authorization-mode",
      AUTHZ,
      ...(process.env.BENCH_DATA_DIR ? ["--data-dir", process.env.BENCH_DATA_DIR] : []),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.includes('"serving"'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
}

/** CPU time (user + system) the server process has used, in ms: a cost figure that a busy machine does not skew. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2, rejectUnauthorized: false });

function call(base, method, path, body, contentType = "application/json") {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        method,
        agent,
        headers: { Authorization: `Bearer ${authToken}`, "Content-Type": contentType, Accept: "application/json" },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
          else resolve(Buffer.concat(chunks));
        });
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function pool(count, worker) {
  let next = 0;
  const runners = Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const i = next++;
      await worker(i);
    }
  });
  await Promise.all(runners);
}

/** Creates ServiceAccount bench/writer bound to `edit` among 200 unrelated bindings; returns its token. */
async function serviceAccountToken(url) {
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await call(url, "POST", "/api/v1/namespaces/bench/serviceaccounts", JSON.stringify({ metadata: { name: "writer" } }));
  const binding = (name, subject) =>
    JSON.stringify({
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [subject],
    });
  for (let i = 0; i < 200; i++) {
    await call(
      url,
      "POST",
      `${rbac}/namespaces/bench/rolebindings`,
      binding(`other-${i}`, { kind: "User", name: `user-${i}` }),
    );
  }
  await call(
    url,
    "POST",
    `${rbac}/namespaces/bench/rolebindings`,
    binding("writer", { kind: "ServiceAccount", name: "writer", namespace: "bench" }),
  );
  const body = await call(
    url,
    "POST",
    "/api/v1/namespaces/bench/serviceaccounts/writer/token",
    JSON.stringify({ spec: {} }),
  );
  return JSON.parse(body.toString()).status.token;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const { child, url } = await startServer();
  const results = {};
  try {
    await call(url, "POST", "/api/v1/namespaces", JSON.stringify({ metadata: { name: "bench" } }));
    if (IDENTITY === "serviceaccount") authToken = await serviceAccountToken(url);
    const cm = "/api/v1/namespaces/bench/configmaps";

    // 1. creates/s
    let c0 = cpuMs(child.pid);
    let t0 = performance.now();
    await pool(N, (i) =>
      call(
        url,
        "POST",
        cm,
        JSON.stringify({
          metadata: { name: `cm-${i}`, labels: { bench: "yes" } },
          data: { value: `v${i}`, payload: "x".repeat(64) },
        }),
      ),
    );
    let secs = (performance.now() - t0) / 1000;
    results.creates = {
      count: N,
      perSecond: Math.round(N / secs),
      cpuUsPerOp: Math.round(((cpuMs(child.pid) - c0) * 1000) / N),
    };
    results.rssAfterCreates = { objects: N, rssMiB: Math.round(rssMiB(child.pid)) };

    // 2. server-side applies/s (each apply changes a value, so it is a real update)
    c0 = cpuMs(child.pid);
    t0 = performance.now();
    await pool(APPLIES, (i) =>
      call(
        url,
        "PATCH",
        `${cm}/cm-${i % N}?fieldManager=bench&force=true`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i % N}\ndata:\n  applied: "${i}"\n`,
        "application/apply-patch+yaml",
      ),
    );
    secs = (performance.now() - t0) / 1000;
    results.ssaApplies = {
      count: APPLIES,
      perSecond: Math.round(APPLIES / secs),
      cpuUsPerOp: Math.round(((cpuMs(child.pid) - c0) * 1000) / APPLIES),
    };

    // 2b. the same for Deployments, where schema and kind-specific validation have the most to check
    const deps = "/apis/apps/v1/namespaces/bench/deployments";
    const DEPLOYMENTS = Math.min(N, 2_000);
    const deployment = (i, image) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d-${i}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: d-${i}\n  template:\n    metadata:\n      labels:\n        app: d-${i}\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n        ports:\n        - containerPort: 8080\n          name: http\n        resources:\n          requests:\n            cpu: 100m\n            memory: 64Mi\n          limits:\n            memory: 128Mi\n        env:\n        - name: MODE\n          value: bench\n`;
    c0 = cpuMs(child.pid);
    t0 = performance.now();
    await pool(DEPLOYMENTS, (i) => call(url, "POST", deps, deployment(i, "nginx:1"), "application/yaml"));
    secs = (performance.now() - t0) / 1000;
    results.deploymentCreates = {
      count: DEPLOYMENTS,
      perSecond: Math.round(DEPLOYMENTS / secs),
      cpuUsPerOp: Math.round(((cpuMs(child.pid) - c0) * 1000) / DEPLOYMENTS),
    };
    c0 = cpuMs(child.pid);
    t0 = performance.now();
    await pool(DEPLOYMENTS, (i) =>
      call(
        url,
        "PATCH",
        `${deps}/d-${i}?fieldManager=bench&force=true`,
        deployment(i, "nginx:2"),
        "application/apply-patch+yaml",
      ),
    );
    secs = (performance.now() - t0) / 1000;
    results.deploymentApplies = {
      count: DEPLOYMENTS,
      perSecond: Math.round(DEPLOYMENTS / secs),
      cpuUsPerOp: Math.round(((cpuMs(child.pid) - c0) * 1000) / DEPLOYMENTS),
    };

    // 3. watch latency with 50 watchers: time from issuing a write to each watcher receiving its event
    const target = "/api/v1/namespaces/bench/configmaps?watch=1&fieldSelector=metadata.name%3Dwatched";
    await call(url, "POST", cm, JSON.stringify({ metadata: { name: "watched" }, data: { seq: "-1" } }));
    const sent = new Map();
    const latencies = [];
    const streams = [];
    for (let w = 0; w < WATCHERS; w++) {
      await new Promise((resolve) => {
        const req = request(
          new URL(target, url),
          { agent: false, rejectUnauthorized: false, headers: { Authorization: `Bearer ${authToken}` } },
          (res) => {
            let buf = "";
            res.on("data", (c) => {
              buf += c.toString();
              let i = buf.indexOf("\n");
              while (i >= 0) {
                const line = buf.slice(0, i);
                buf = buf.slice(i + 1);
                const ev = JSON.parse(line);
                const seq = ev.object?.data?.seq;
                if (ev.type === "MODIFIED" && sent.has(seq)) latencies.push(performance.now() - sent.get(seq));
                i = buf.indexOf("\n");
              }
            });
            resolve();
          },
        );
        req.end();
        streams.push(req);
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < WATCH_EVENTS; i++) {
      const seq = String(i);
      sent.set(seq, performance.now());
      await call(url, "PATCH", `${cm}/watched`, JSON.stringify({ data: { seq } }), "application/merge-patch+json");
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < WATCHERS * WATCH_EVENTS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    for (const s of streams) s.destroy();
    latencies.sort((a, b) => a - b);
    results.watchLatency = {
      watchers: WATCHERS,
      events: WATCH_EVENTS,
      delivered: latencies.length,
      p50ms: Number(percentile(latencies, 50).toFixed(2)),
      p99ms: Number(percentile(latencies, 99).toFixed(2)),
    };

    // 4. list of everything (for reference)
    t0 = performance.now();
    const list = await call(url, "GET", cm);
    results.listAll = { objects: N + 1, ms: Math.round(performance.now() - t0), bytes: list.length };
    results.rssFinal = { rssMiB: Math.round(rssMiB(child.pid)) };
  } finally {
    child.kill("SIGTERM");
    agent.destroy();
  }
  console.log(
    `authorization ${AUTHZ}, requests as ${IDENTITY === "serviceaccount" ? "a ServiceAccount (edit)" : "the admin"}`,
  );
  console.log(
    `Deployments: creates/s ${results.deploymentCreates.perSecond}, server-side applies/s ${results.deploymentApplies.perSecond} (${results.deploymentCreates.count} each)`,
  );
  console.log(
    `server CPU per request (µs): ConfigMap create ${results.creates.cpuUsPerOp}, apply ${results.ssaApplies.cpuUsPerOp}; Deployment create ${results.deploymentCreates.cpuUsPerOp}, apply ${results.deploymentApplies.cpuUsPerOp}`,
  );
  console.log(
    `creates/s: ${results.creates.perSecond} (${results.creates.count} ConfigMaps, ${CONCURRENCY} concurrent clients, HTTPS, ${process.env.BENCH_DATA_DIR ? "durable data dir" : "in memory"})`,
  );
  console.log(`SSA applies/s: ${results.ssaApplies.perSecond} (${results.ssaApplies.count} applies)`);
  console.log(
    `watch event latency with ${WATCHERS} watchers: p50 ${results.watchLatency.p50ms} ms, p99 ${results.watchLatency.p99ms} ms (${results.watchLatency.delivered}/${WATCHERS * WATCH_EVENTS} events)`,
  );
  console.log(
    `RSS at ${N} ConfigMaps: ${results.rssAfterCreates.rssMiB} MiB (after applies and watches: ${results.rssFinal.rssMiB} MiB)`,
  );
  console.log(
    `list of ${results.listAll.objects} ConfigMaps: ${results.listAll.ms} ms, ${(results.listAll.bytes / 1048576).toFixed(1)} MiB`,
  );
  console.log(JSON.stringify(results));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
