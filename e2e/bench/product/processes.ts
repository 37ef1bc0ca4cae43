// The product as users run it, each started through its real entry point: `sluice up` with its defaults
// (one process), or the API server and every controller as their own processes with the flags the Helm
// chart gives them (charts/sluice, `helm template`: --watch-all-namespaces --log-level=info
// --log-encoding=json --enable-leader-election --concurrent=N --kube-api-qps=50 --kube-api-burst=300;
// helm-controller --concurrent=4).

import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeClient, KubeConfig } from "@sluice/runtime";
import { applyChartCrds, ensureNamespace } from "@sluice/testkit";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const main = (pkg: string) => join(ROOT, "packages", pkg, "dist", "main.js");

/** One started process of the product. */
export interface ProductProcess {
  name: string;
  child: ChildProcess;
  /** The last 200 kB of its stdout and stderr. */
  output(): string;
}

/** A running product: where to reach its API server, its processes, how to stop it. */
export interface Product {
  mode: string;
  kubeconfig: string;
  /** A client of the benchmark itself (User-Agent `sluice-bench`, no rate limit). */
  client: KubeClient;
  processes: ProductProcess[];
  stop(): Promise<void>;
}

/**
 * With BENCH_CPU_PROF=<dir>, every process writes V8 CPU profiles into `<dir>/<process>/` when it exits, one
 * per thread (Node's default file names; a fixed name would let `sluice up`'s API server thread overwrite the
 * main thread's profile).
 */
const PROFILE = process.env["BENCH_CPU_PROF"];

function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ProductProcess & { output(): string } {
  const profile = PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${join(PROFILE, name.replace(/\W+/g, "-"))}`] : [];
  // BENCH_NODE_FLAGS: extra node/V8 flags for every product process (diagnosis, e.g. heap settings).
  const flags = (process.env["BENCH_NODE_FLAGS"] ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...profile, ...flags, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  let out = "";
  // BENCH_PRODUCT_LOG=<dir>: every product process's whole output also goes to <dir>/<process>.log (diagnosis).
  const logDir = process.env["BENCH_PRODUCT_LOG"];
  const log = logDir ? createWriteStream(join(logDir, `${name.replace(/\W+/g, "-")}.log`)) : undefined;
  const keep = (c: Buffer) => {
    log?.write(c);
    out = (out + c.toString("utf8")).slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, output: () => out };
}

async function waitForOutput(p: ProductProcess, pattern: RegExp, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(p.output())) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited (${p.child.exitCode}):\n${p.output().slice(-4000)}`);
    if (Date.now() > deadline)
      throw new Error(`${p.name}: timed out waiting for ${pattern}:\n${p.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopAll(processes: ProductProcess[]): Promise<void> {
  await Promise.all(
    processes.reverse().map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null) return resolve();
          // Writing CPU profiles at exit takes a while.
          const kill = setTimeout(() => p.child.kill("SIGKILL"), PROFILE ? 120_000 : 20_000);
          p.child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          p.child.kill("SIGTERM");
        }),
    ),
  );
}

function benchClient(kubeconfig: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return KubeClient.fromKubeConfig(kc, { rateLimit: false, userAgent: "sluice-bench/0" });
}

/** `sluice up --data-dir <dir>/state --write-kubeconfig <dir>/kubeconfig`, ready once it prints its ready line. */
export async function startSluiceUp(dir: string): Promise<Product> {
  const kubeconfig = join(dir, "kubeconfig");
  const up = start("sluice up", [
    main("cli"),
    "up",
    "--log-encoding",
    "json",
    "--log-level",
    "info",
    "--data-dir",
    join(dir, "state"),
    "--write-kubeconfig",
    kubeconfig,
  ]);
  try {
    await waitForOutput(up, /sluice is up; press Ctrl-C to stop/);
  } catch (err) {
    await stopAll([up]);
    throw err;
  }
  const client = benchClient(kubeconfig);
  return {
    mode: "sluice up",
    kubeconfig,
    client,
    processes: [up],
    stop: async () => {
      client.close();
      await stopAll([up]);
    },
  };
}

/** The flags the chart gives every controller (values.yaml defaults), with loopback probe ports. */
function chartFlags(concurrent: number, kubeconfig: string): string[] {
  return [
    "--watch-all-namespaces=true",
    "--log-level=info",
    "--log-encoding=json",
    "--enable-leader-election",
    `--concurrent=${concurrent}`,
    "--kube-api-qps=50",
    "--kube-api-burst=300",
    `--kubeconfig=${kubeconfig}`,
    "--metrics-addr=127.0.0.1:0",
    "--health-addr=127.0.0.1:0",
  ];
}

/**
 * `sluice-apiserver` (packages/apiserver/dist/main.js, durable data dir under `dir`) serving, with the chart's
 * CRDs applied and flux-system present; its process is added to `started`.
 */
async function startChartApiServer(dir: string, kubeconfig: string, started: ProductProcess[]): Promise<KubeClient> {
  const api = start("apiserver", [
    main("apiserver"),
    "--port",
    "0",
    "--kubeconfig",
    kubeconfig,
    "--data-dir",
    join(dir, "apiserver"),
  ]);
  started.push(api);
  await waitForOutput(api, /"msg":"serving"/);
  const client = benchClient(kubeconfig);
  await applyChartCrds(client);
  await ensureNamespace(client, "flux-system");
  return client;
}

/**
 * `sluice-apiserver` (packages/apiserver/dist/main.js, durable data dir) plus source-, kustomize- and
 * helm-controller processes with the chart's flags, after the chart's CRDs are applied.
 */
export async function startChartProcesses(dir: string): Promise<Product> {
  const kubeconfig = join(dir, "kubeconfig");
  const started: ProductProcess[] = [];
  try {
    const client = await startChartApiServer(dir, kubeconfig, started);
    const env = { RUNTIME_NAMESPACE: "flux-system" };
    const source = start(
      "source-controller",
      [
        main("source-controller"),
        ...chartFlags(2, kubeconfig),
        `--storage-path=${join(dir, "artifacts")}`,
        "--storage-addr=127.0.0.1:0",
      ],
      env,
    );
    started.push(source);
    const kustomize = start("kustomize-controller", [main("kustomize-controller"), ...chartFlags(4, kubeconfig)], env);
    started.push(kustomize);
    const helm = start("helm-controller", [main("helm-controller"), ...chartFlags(4, kubeconfig)], env);
    started.push(helm);
    // Leader election: each has started reconciling once its lease is held.
    await waitForLease(client, "source-controller-leader-election");
    await waitForLease(client, "kustomize-controller-leader-election");
    await waitForLease(client, "helm-controller-leader-election");
    return {
      mode: "chart flags",
      kubeconfig,
      client,
      processes: started,
      stop: async () => {
        client.close();
        await stopAll(started);
      },
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

/**
 * `sluice-apiserver` plus notification-controller (packages/notification-controller/dist/main.js) with the
 * chart's flags and loopback ports for its event and webhook servers; their URLs come from its log.
 */
export async function startNotificationChart(dir: string): Promise<Product & { events: string; receiver: string }> {
  const kubeconfig = join(dir, "kubeconfig");
  const started: ProductProcess[] = [];
  try {
    const client = await startChartApiServer(dir, kubeconfig, started);
    const nc = start(
      "notification-controller",
      [
        main("notification-controller"),
        ...chartFlags(4, kubeconfig),
        "--events-addr=127.0.0.1:0",
        "--receiverAddr=127.0.0.1:0",
      ],
      { RUNTIME_NAMESPACE: "flux-system" },
    );
    started.push(nc);
    await waitForLease(client, "notification-controller-leader-election");
    await waitForOutput(nc, /"msg":"starting webhook receiver server"/);
    const url = (msg: string) => {
      const line = nc
        .output()
        .split("\n")
        .find((l) => l.includes(`"msg":"${msg}"`));
      const found = line ? (JSON.parse(line) as { url?: string }).url : undefined;
      if (!found) throw new Error(`notification-controller did not log the URL of "${msg}"`);
      return found;
    };
    return {
      mode: "chart flags",
      kubeconfig,
      client,
      processes: started,
      events: url("starting event server"),
      receiver: url("starting webhook receiver server"),
      stop: async () => {
        client.close();
        await stopAll(started);
      },
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

async function waitForLease(client: KubeClient, name: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lease = await client.getOptional({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: "flux-system",
      name,
    });
    if ((lease?.["spec"] as { holderIdentity?: string } | undefined)?.holderIdentity) return;
    if (Date.now() > deadline) throw new Error(`no holder of lease flux-system/${name}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** CPU seconds a process used so far: its own, and its finished children's (helm, plugins, git). */
export async function processCpuSeconds(pid: number | undefined): Promise<{ self: number; children: number }> {
  if (pid === undefined) return { self: 0, children: 0 };
  try {
    // Fields after the command name: utime stime cutime cstime are 14–17 (1-based), in clock ticks (100/s).
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    return { self: ((f[11] ?? 0) + (f[12] ?? 0)) / 100, children: ((f[13] ?? 0) + (f[14] ?? 0)) / 100 };
  } catch {
    return { self: 0, children: 0 };
  }
}

/** Peak resident memory (VmHWM) and current (VmRSS) of a process, MiB. */
export async function memoryMiB(pid: number | undefined): Promise<{ peak: number; now: number }> {
  if (pid === undefined) return { peak: Number.NaN, now: Number.NaN };
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
    return { peak: kb("VmHWM") / 1024, now: kb("VmRSS") / 1024 };
  } catch {
    return { peak: Number.NaN, now: Number.NaN };
  }
}

/** CPU seconds of the product, split by where they were spent. */
export interface CpuSeconds {
  total: number;
  /** The main thread of each product process. */
  main: number;
  /** Every other thread of the product processes (sluice up's API server thread, GC and I/O threads). */
  threads: number;
  /** Descendant processes, running or reaped (kubectl kustomize, helm, git). */
  children: number;
}

/**
 * CPU seconds (user + system) the product's processes and their descendants have used so far, including
 * children already reaped (cutime/cstime): kubectl kustomize runs are children of the kustomize spawn helper,
 * itself a child of the product. A figure the machine's load does not inflate as it does wall time.
 */
export async function productCpuSeconds(pids: readonly (number | undefined)[]): Promise<CpuSeconds> {
  const out = { main: 0, threads: 0, children: 0 };
  const seen = new Set<number>();
  // Fields after the command name: utime(14) stime(15) cutime(16) cstime(17), 1-based in proc(5).
  const fieldsOf = (stat: string) =>
    stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
  const visit = async (pid: number, child: boolean): Promise<void> => {
    if (seen.has(pid)) return;
    seen.add(pid);
    try {
      const f = fieldsOf(await readFile(`/proc/${pid}/stat`, "utf8"));
      out.children += (f[13] ?? 0) + (f[14] ?? 0);
      if (child) out.children += (f[11] ?? 0) + (f[12] ?? 0);
      for (const tid of await readdir(`/proc/${pid}/task`)) {
        if (!child) {
          const t = fieldsOf(await readFile(`/proc/${pid}/task/${tid}/stat`, "utf8").catch(() => ""));
          const ticks = (t[11] ?? 0) + (t[12] ?? 0);
          if (Number(tid) === pid) out.main += ticks;
          else out.threads += ticks;
        }
        const children = await readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "");
        for (const c of children.split(" ").filter(Boolean)) await visit(Number(c), true);
      }
    } catch {
      // exited
    }
  };
  for (const pid of pids) if (pid !== undefined) await visit(pid, false);
  // USER_HZ is 100 on Linux
  const sec = (ticks: number) => ticks / 100;
  return {
    total: sec(out.main + out.threads + out.children),
    main: sec(out.main),
    threads: sec(out.threads),
    children: sec(out.children),
  };
}
