// A real Prometheus (Debian's /usr/bin/prometheus) for the metrics e2e test: started on 127.0.0.1 and a free
// port with a generated configuration scraping the given targets every second, TSDB in a temp directory.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Prometheus binary (PROMETHEUS overrides). */
export const PROMETHEUS_BIN = process.env["PROMETHEUS"] ?? "/usr/bin/prometheus";

/** A scrape job: a name and `http://host:port/metrics` URLs, optionally with target labels (namespace, pod). */
export interface ScrapeJob {
  job: string;
  urls: string[];
  labels?: Record<string, string>;
}

/** A running Prometheus. */
export interface Prometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Runs an instant PromQL query and returns `data.result`. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The loaded alerting rules: group and rule names with their health. */
  rules(): Promise<Array<{ group: string; name: string; health: string; lastError?: string | undefined }>>;
  /** The active targets with their health (`up`, `down`, `unknown`). */
  targets(): Promise<Array<{ job: string; scrapeUrl: string; health: string; lastError: string }>>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || !address) throw new Error("no free port");
  return address.port;
}

function config(jobs: ScrapeJob[], ruleFiles: string[]): string {
  const lines = ["global:", "  scrape_interval: 1s", "  scrape_timeout: 1s", "  evaluation_interval: 1s"];
  if (ruleFiles.length > 0) lines.push("rule_files:", ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`));
  lines.push("scrape_configs:");
  for (const job of jobs) {
    const { urls } = job;
    const targets = urls.map((u) => new URL(u));
    const path = targets[0]?.pathname ?? "/metrics";
    lines.push(`  - job_name: ${JSON.stringify(job.job)}`, `    metrics_path: ${JSON.stringify(path)}`);
    lines.push("    static_configs:", `      - targets: [${targets.map((t) => JSON.stringify(t.host)).join(", ")}]`);
    const labels = Object.entries(job.labels ?? {});
    if (labels.length > 0) {
      lines.push("        labels:", ...labels.map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`));
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Starts Prometheus scraping `jobs` (and evaluating the rule files' contents given in `rules`) and resolves
 * once `/-/ready` answers 200 (within 60 s).
 */
export async function startPrometheus(jobs: ScrapeJob[], rules: string[] = []): Promise<Prometheus> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} not found: run scripts/setup.sh`);
  const dir = await mkdtemp(join(tmpdir(), "sluice-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  const ruleFiles = rules.map((_, i) => join(dir, `rules-${i}.yml`));
  for (const [i, text] of rules.entries()) await writeFile(ruleFiles[i]!, text);
  await writeFile(configFile, config(jobs, ruleFiles));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (c: Buffer) => {
    log += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    log += c.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited (${child.exitCode}): ${log.slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 60s: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result?: unknown } };
      if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error ?? res.status}`);
      return (body.data?.result ?? []) as Awaited<ReturnType<Prometheus["query"]>>;
    },
    async rules() {
      const res = await fetch(`${url}/api/v1/rules`);
      const body = (await res.json()) as {
        data?: { groups?: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> };
      };
      return (body.data?.groups ?? []).flatMap((g) =>
        g.rules.map((r) => ({ group: g.name, name: r.name, health: r.health, lastError: r.lastError })),
      );
    },
    async targets() {
      const res = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await res.json()) as {
        data?: {
          activeTargets?: Array<{ labels: { job: string }; scrapeUrl: string; health: string; lastError: string }>;
        };
      };
      return (body.data?.activeTargets ?? []).map((t) => ({
        job: t.labels.job,
        scrapeUrl: t.scrapeUrl,
        health: t.health,
        lastError: t.lastError,
      }));
    },
    stop,
  };
}
