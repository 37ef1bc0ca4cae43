// The build cache end to end: a reconcile with unchanged inputs reuses the build, and each kind of input
// change (a substituteFrom ConfigMap, a spec field, a new commit) builds again; drift is still corrected on a
// reconcile that reuses the build.

import type { UnstructuredObject } from "@sluice/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appliedRevision,
  commitAndPush,
  createGitRepository,
  createKustomization,
  getKustomization,
  type KustomizeEnv,
  patchKustomization,
  requestReconcile,
  startKustomizeEnv,
  waitForKustomization,
  waitForObject,
} from "./support/env.js";

const NS = "cache";
const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name });
const dataOf = (o: UnstructuredObject | undefined) => o?.["data"] as Record<string, string> | undefined;
const file = (extra: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  value: "\${value}"\n  extra: "${extra}"\n`;

describe("Kustomization build cache", () => {
  let env: KustomizeEnv;
  let sha: string;

  beforeAll(async () => {
    env = await startKustomizeEnv(NS);
    sha = await commitAndPush(env, { "app/cm.yaml": file("one") });
    await env.client.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: NS, name: "vars" },
      data: { value: "v1" },
    } as UnstructuredObject);
    await createGitRepository(env);
    await createKustomization(env, "app", {
      path: "./app",
      targetNamespace: NS,
      postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "vars" }] },
    });
    await waitForKustomization(env, "app", appliedRevision(sha), "applied");
  }, 120_000);
  afterAll(async () => env?.stop(), 30_000);

  const reconciled = async (name: string) => {
    const at = await requestReconcile(env, name);
    return waitForKustomization(
      env,
      name,
      (k) => k.status?.lastHandledReconcileAt === at && appliedRevision(sha)(k),
      `reconcile ${at} handled`,
    );
  };

  it("a reconcile with nothing changed stays Ready with the same objects and history digest", async () => {
    const before = await getKustomization(env, "app");
    const k = await reconciled("app");
    expect(k.status?.history?.[0]?.digest).toBe(before?.status?.history?.[0]?.digest);
    expect(k.status?.history?.[0]?.totalReconciliations).toBe(
      (before?.status?.history?.[0]?.totalReconciliations ?? 0) + 1,
    );
    expect(dataOf(await env.client.get<UnstructuredObject>(cm("app")))).toEqual({ value: "v1", extra: "one" });
  });

  it("corrects drift on a reconcile that reuses the build", async () => {
    await env.client.patch(cm("app"), { data: { value: "edited" } }, { type: "application/merge-patch+json" });
    await reconciled("app");
    expect(dataOf(await env.client.get<UnstructuredObject>(cm("app")))).toEqual({ value: "v1", extra: "one" });
  });

  it("builds again when a substituteFrom ConfigMap changes", async () => {
    await env.client.patch(cm("vars"), { data: { value: "v2" } }, { type: "application/merge-patch+json" });
    await reconciled("app");
    expect(dataOf(await env.client.get<UnstructuredObject>(cm("app")))).toEqual({ value: "v2", extra: "one" });
  });

  it("builds again when a build-affecting spec field changes", async () => {
    await patchKustomization(env, "app", { namePrefix: "p-" });
    await waitForKustomization(
      env,
      "app",
      (k) => k.status?.observedGeneration === k.metadata.generation && appliedRevision(sha)(k),
      "namePrefix applied",
    );
    expect(dataOf(await env.client.get<UnstructuredObject>(cm("p-app")))).toEqual({ value: "v2", extra: "one" });
    // The object of the old name was pruned.
    await waitForObject(env, cm("app"), (o) => o === undefined, "app pruned");
  });

  it("builds again for a new artifact", async () => {
    sha = await commitAndPush(env, { "app/cm.yaml": file("two") });
    await waitForKustomization(env, "app", appliedRevision(sha), "new commit applied");
    expect(dataOf(await env.client.get<UnstructuredObject>(cm("p-app")))).toEqual({ value: "v2", extra: "two" });
  });
});
