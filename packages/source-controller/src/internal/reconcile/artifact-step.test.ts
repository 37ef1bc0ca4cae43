import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SourceCondition, SourceReason } from "@sluice/api";
import { getCondition } from "@sluice/runtime/conditions";
import type { ReconcileRun } from "@sluice/runtime/reconcile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workDirectory } from "./artifact-step.js";
import type { SourceObject } from "./source-steps.js";

function fakeRun(): { run: ReconcileRun<SourceObject, unknown>; deferred: (() => unknown)[] } {
  const deferred: (() => unknown)[] = [];
  const obj = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmChart", metadata: { name: "c", namespace: "n" } };
  const run = { obj, defer: (f: () => unknown) => deferred.push(f) } as unknown as ReconcileRun<SourceObject, unknown>;
  return { run, deferred };
}

describe("workDirectory", () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "sluice-workdir-"));
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it("makes the directory and removes it when the run's deferred steps run", async () => {
    const { run, deferred } = fakeRun();
    const dir = await workDirectory(run, parent, "helmchart-n-c-");
    expect((await stat(dir)).isDirectory()).toBe(true);
    for (const f of deferred) await f();
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it("marks StorageOperationFailed DirCreationFailed as Flux when the directory can't be made", async () => {
    const file = join(parent, "not-a-dir");
    await writeFile(file, "x");
    const { run } = fakeRun();
    await expect(workDirectory(run, file, "helmchart-n-c-")).rejects.toMatchObject({
      reason: SourceReason.DirCreationFailed,
    });
    const cond = getCondition(run.obj, SourceCondition.StorageOperationFailed);
    expect(cond?.status).toBe("True");
    expect(cond?.reason).toBe(SourceReason.DirCreationFailed);
    expect(cond?.message).toMatch(/^failed to create temporary working directory: /);
  });
});
