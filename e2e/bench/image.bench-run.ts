// Image automation through `sluice up`'s controllers: for a few tags pushed one after another to Debian's
// docker-registry, the time from the tag push to the Deployment running it, with the stages on the way
// (ImagePolicy selected the tag, the automation pushed its commit). The registry and Git webhooks a cluster
// would have are played by reconcile requests (see e2e/support/image-scenario.ts). No timing is asserted.

import { execFileSync } from "node:child_process";
import { hasDockerRegistry, startOciRegistry } from "@sluice/testkit";
import { describe, it } from "vitest";
import { startGitOpsEnv } from "../support/gitops-env.js";
import { applyImageObjects, fleetFiles, pushPodinfo, tagToDeployment, waitSettled } from "../support/image-scenario.js";

const RUNS = Number(process.env["BENCH_IMAGE_RUNS"] ?? 5);

describe("image automation through sluice up", () => {
  it("prints tag pushed → Deployment updated", async () => {
    if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (apt-get install docker-registry)");
    const env = await startGitOpsEnv();
    const registry = await startOciRegistry();
    try {
      await pushPodinfo(registry, "1.0.0");
      const { repo, url } = await env.createRepo("fleet");
      await repo.commit(fleetFiles(`${registry.host}/team/podinfo:1.0.0`), "fleet");
      await repo.push();
      await applyImageObjects(env, registry, url);
      await waitSettled(env, `${registry.host}/team/podinfo:1.0.0`);
      const rows: string[] = [];
      const totals: number[] = [];
      for (let i = 1; i <= RUNS; i++) {
        const r = await tagToDeployment(env, registry, `1.${i}.0`);
        totals.push(r.ms);
        rows.push(
          `  1.${i}.0: policy ${r.policyMs.toFixed(0)} ms, commit pushed ${r.pushMs.toFixed(0)} ms, Deployment updated ${r.ms.toFixed(0)} ms`,
        );
      }
      const sorted = [...totals].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      const load = execFileSync("uptime").toString().trim();
      process.stdout.write(
        `\nimage automation: tag pushed → Deployment updated (${RUNS} tags, median ${median.toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted[sorted.length - 1]?.toFixed(0)} ms)\n${rows.join("\n")}\n  load: ${load}\n`,
      );
    } finally {
      await env.stop();
      await registry.stop();
    }
  });
});
