// Figures for the source-controller internals: first fetch vs a plain `git clone --depth 1` of the same
// repository in the same run, an unchanged re-check (time and git operations), reproducible archive build
// throughput, and artifact download throughput from the file server.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkout } from "@sluice/git";
import { createFixtureRepo, FIXTURE_GIT_ENV, startGitHttpServer, tempDir } from "@sluice/testkit";
import { expect, it } from "vitest";
import { loadSourceIgnore } from "../src/internal/ignore/source-ignore.js";
import { ArtifactFileServer } from "../src/internal/storage/file-server.js";
import { ArtifactStorage } from "../src/internal/storage/storage.js";

const run = promisify(execFile);
const RUNS = 11;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** A realistic manifest (~1.3 KB): a Deployment with per-file names, labels and a random config hash. */
function yamlDoc(i: number): string {
  return [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    `  name: app-${i}`,
    `  namespace: team-${i % 17}`,
    "  labels:",
    `    app.kubernetes.io/name: app-${i}`,
    "    app.kubernetes.io/part-of: bench",
    "  annotations:",
    `    checksum/config: ${randomBytes(32).toString("hex")}`,
    "spec:",
    `  replicas: ${1 + (i % 5)}`,
    "  selector:",
    "    matchLabels:",
    `      app.kubernetes.io/name: app-${i}`,
    "  template:",
    "    metadata:",
    "      labels:",
    `        app.kubernetes.io/name: app-${i}`,
    "    spec:",
    "      containers:",
    "        - name: app",
    `          image: ghcr.io/example/app-${i}:v${i % 9}.${i % 13}.${i % 7}`,
    "          ports:",
    "            - containerPort: 8080",
    "              name: http",
    "          resources:",
    "            requests: { cpu: 100m, memory: 128Mi }",
    "            limits: { memory: 256Mi }",
    "          readinessProbe:",
    "            httpGet: { path: /readyz, port: http }",
    "          livenessProbe:",
    "            httpGet: { path: /healthz, port: http }",
    "          env:",
    ...Array.from({ length: 12 }, (_, k) => `            - { name: VAR_${k}, value: "value-${(i * 31 + k) % 1000}" }`),
    "",
  ].join("\n");
}

it("prints source-controller figures", async () => {
  const work = await tempDir("sc-bench-");
  const figures: string[] = [];
  try {
    // A repository of 1500 manifests (~2 MB) with 10 commits of history.
    const repo = await createFixtureRepo(join(work.path, "repos"), "bench");
    for (let c = 0; c < 10; c++) {
      const files: Record<string, string> = {};
      for (let i = 0; i < 150; i++) files[`apps/app-${c}/cm-${i}.yaml`] = yamlDoc(c * 1000 + i);
      await repo.commit(files, `commit ${c}`);
    }
    await repo.push();
    const server = await startGitHttpServer({ root: join(work.path, "repos") });
    const url = server.url("bench.git");
    let n = 0;
    const clones: number[] = [];
    const fetches: number[] = [];
    let revision = "";
    // Interleave to share any warm-up or cache effects fairly.
    for (let i = 0; i < RUNS; i++) {
      const plainDir = join(work.path, "plain", String(n++));
      clones.push(
        await time(() =>
          run("git", ["clone", "--quiet", "--depth", "1", "--single-branch", "--branch", "master", url, plainDir], {
            env: FIXTURE_GIT_ENV,
          }),
        ),
      );
      const dir = join(work.path, "co", String(n++));
      fetches.push(
        await time(async () => {
          revision = (await checkout({ url, dir })).revision;
        }),
      );
    }
    const clone = median(clones);
    const fetch = median(fetches);
    figures.push(`git first fetch (1500 files, depth 1): ${fetch.toFixed(1)} ms median of ${RUNS}`);
    figures.push(`plain git clone --depth 1 (same repo, same run): ${clone.toFixed(1)} ms median`);
    figures.push(`first fetch / plain clone: ${(fetch / clone).toFixed(2)}x (goal <= 1.1x)`);

    const unchanged: number[] = [];
    let ops: string[] = [];
    server.reset();
    for (let i = 0; i < RUNS; i++) {
      const dir = join(work.path, "co", String(n++));
      unchanged.push(
        await time(async () => {
          const r = await checkout({ url, dir, lastObservedRevision: revision });
          expect(r.skipped).toBe(true);
          ops = r.operations;
        }),
      );
    }
    figures.push(
      `unchanged re-check: ${median(unchanged).toFixed(1)} ms median; git operations: [${ops.join(", ")}]; ` +
        `server commands per check: [${server
          .commands()
          .slice(0, server.commands().length / RUNS)
          .join(", ")}]`,
    );
    await server.stop();

    // Archive build throughput on the checkout and on a larger synthetic tree.
    const storage = new ArtifactStorage({ basePath: join(work.path, "data"), hostname: "localhost:9090" });
    await storage.init();
    const checkoutDir = join(work.path, "co", "1");
    const matcher = await loadSourceIgnore(checkoutDir);
    const target = storage.newArtifactFor("GitRepository", { namespace: "ns", name: "bench" }, revision, "a.tar.gz");
    const archiveTimes: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      archiveTimes.push(
        await time(async () => {
          size = (await storage.archive(target, checkoutDir, { filter: matcher })).size ?? 0;
        }),
      );
    }
    const srcBytes = 1500 * yamlDoc(0).length;
    figures.push(
      `archive of the checkout (${(srcBytes / 1e6).toFixed(1)} MB, 1500 files → ${(size / 1e6).toFixed(2)} MB tar.gz): ` +
        `${median(archiveTimes).toFixed(1)} ms, ${(srcBytes / 1e6 / (median(archiveTimes) / 1000)).toFixed(1)} MB/s`,
    );

    const big = join(work.path, "big");
    let bigBytes = 0;
    for (let d = 0; d < 8; d++) {
      await mkdir(join(big, `d${d}`), { recursive: true });
      for (let f = 0; f < 8; f++) {
        // Half random (incompressible), half text: a mix of binary-ish and manifest content.
        const content = Buffer.concat([randomBytes(512 * 1024), Buffer.from(yamlDoc(f).repeat(280))]);
        bigBytes += content.length;
        await writeFile(join(big, `d${d}`, `f${f}.bin`), content);
      }
    }
    const bigTarget = storage.newArtifactFor("GitRepository", { namespace: "ns", name: "big" }, "r", "big.tar.gz");
    let bigArtifactSize = 0;
    const bigTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      bigTimes.push(
        await time(async () => {
          bigArtifactSize = (await storage.archive(bigTarget, big)).size ?? 0;
        }),
      );
    }
    figures.push(
      `archive of ${(bigBytes / 1e6).toFixed(0)} MB mixed content: ${median(bigTimes).toFixed(0)} ms, ` +
        `${(bigBytes / 1e6 / (median(bigTimes) / 1000)).toFixed(1)} MB/s`,
    );

    const fileServer = new ArtifactFileServer({ root: join(work.path, "data") });
    const { port } = await fileServer.listen("127.0.0.1:0");
    const download = () =>
      new Promise<number>((resolve, reject) => {
        request({ host: "127.0.0.1", port, path: `/${bigTarget.path}` }, (res) => {
          let bytes = 0;
          res.on("data", (c: Buffer) => {
            bytes += c.length;
          });
          res.on("end", () => resolve(bytes));
          res.on("error", reject);
        })
          .on("error", reject)
          .end();
      });
    const downloads: number[] = [];
    for (let i = 0; i < 5; i++) {
      downloads.push(
        await time(async () => {
          expect(await download()).toBe(bigArtifactSize);
        }),
      );
    }
    figures.push(
      `file server download of ${(bigArtifactSize / 1e6).toFixed(1)} MB: ${median(downloads).toFixed(1)} ms, ` +
        `${(bigArtifactSize / 1e6 / (median(downloads) / 1000)).toFixed(0)} MB/s`,
    );
    await fileServer.close();
  } finally {
    await rm(work.path, { recursive: true, force: true });
  }
  console.log(`\nsource-controller figures\n  ${figures.join("\n  ")}\n`);
});
