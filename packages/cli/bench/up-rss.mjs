// `pnpm bench` for the CLI: the resident memory of the built `sluice up` (embedded API server, CRDs, every
// controller in one process) once it is ready and idle, with and without `--demo` (for the demo, after both
// demo Deployments are reported ready). Figures print with the machine's load; nothing is asserted.
//
//   node packages/cli/bench/up-rss.mjs [--idle-seconds 15] [--samples 5] [--cli other/checkout/packages/cli/dist/main.js]
//
// `--cli` measures another build the same way in the same run (e.g. the main branch's, for a before/after).

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "idle-seconds": { type: "string", default: "15" },
    samples: { type: "string", default: "5" },
    cli: { type: "string", multiple: true, default: [] },
  },
});
const idleMs = Number(values["idle-seconds"]) * 1000;
const samples = Number(values.samples);
const builds = [join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js"), ...values.cli];
const READY_LINE = "sluice is up; press Ctrl-C to stop";

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `sluice up <args>` until `readyWhen(output)` holds, idles, samples RSS, stops it with SIGINT. */
async function measure(main, label, args, readyWhen) {
  const started = Date.now();
  const child = spawn(process.execPath, [main, "up", ...args, "--log-level", "error"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  child.stdout.on("data", (c) => {
    output += c.toString();
  });
  child.stderr.on("data", (c) => {
    output += c.toString();
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const deadline = Date.now() + 300_000;
  while (!readyWhen(output)) {
    if (child.exitCode !== null) throw new Error(`${label}: sluice up exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${label}: timed out waiting for readiness:\n${output}`);
    await sleep(100);
  }
  const readyMs = Date.now() - started;
  await sleep(idleMs);
  const figures = [];
  for (let i = 0; i < samples; i++) {
    figures.push(rssMiB(child.pid));
    await sleep(1000);
  }
  child.kill("SIGINT");
  await exited;
  figures.sort((a, b) => a - b);
  const median = figures[Math.floor(figures.length / 2)];
  console.log(
    `${label}: ready in ${(readyMs / 1000).toFixed(1)} s; RSS idle ${idleMs / 1000}s after: median ${median.toFixed(1)} MiB (min ${figures[0].toFixed(1)}, max ${figures.at(-1).toFixed(1)}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")})`,
  );
}

for (const main of builds) {
  console.log(main);
  await measure(main, "sluice up", [], (out) => out.includes(READY_LINE));
  await measure(
    main,
    "sluice up --demo",
    ["--demo"],
    (out) => out.includes(READY_LINE) && (out.match(/Deployment\/[^:]+\/hello: ready/g) ?? []).length >= 2,
  );
}
