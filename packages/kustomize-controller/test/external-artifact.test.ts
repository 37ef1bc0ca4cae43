// Kustomizations whose sourceRef is an ExternalArtifact (Flux 2.7+, behind the ExternalArtifact feature gate):
// applied from the artifact its producer wrote, re-applied when the producer writes a new one, refused with
// AccessDenied when the gate is off.

import { StallingError, type UnstructuredObject } from "@sluice/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSource } from "../src/kustomization/source.js";
import {
  appliedRevision,
  commitAndPush,
  createGitRepository,
  createKustomization,
  type KustomizeEnv,
  SOURCE_API,
  startKustomizeEnv,
  waitForKustomization,
  waitForObject,
} from "./support/env.js";

const NS = "apps";
type WithArtifact = UnstructuredObject & { status?: { artifact?: { revision: string } & Record<string, unknown> } };

describe("Kustomization from an ExternalArtifact", () => {
  let env: KustomizeEnv;

  /** The GitRepository's artifact, once it has one (the ExternalArtifact points its producer's at it). */
  const gitArtifact = async () =>
    (
      (await waitForObject(
        env,
        { apiVersion: SOURCE_API, kind: "GitRepository", namespace: NS, name: "app" },
        (o) => (o as WithArtifact | undefined)?.status?.artifact !== undefined,
        "artifact",
      )) as WithArtifact
    ).status?.artifact as Record<string, unknown>;

  beforeAll(async () => {
    env = await startKustomizeEnv(NS, { allowExternalArtifact: true });
    await commitAndPush(env, {
      "deploy/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-ea\ndata:\n  v: '1'\n",
    });
    await createGitRepository(env);
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  }, 30_000);

  it("applies the artifact an ExternalArtifact's producer wrote, and again when it writes a new one", async () => {
    const artifact = await gitArtifact();
    const ea = { apiVersion: SOURCE_API, kind: "ExternalArtifact", namespace: NS, name: "bundle" };
    await env.client.create({
      apiVersion: ea.apiVersion,
      kind: ea.kind,
      metadata: { namespace: NS, name: "bundle" },
      spec: {},
    } as UnstructuredObject);
    await env.client.patchStatus(ea, {
      status: { artifact: { ...artifact, revision: "latest@sha256:1111" } },
    });
    await createKustomization(env, "from-ea", {
      path: "./deploy",
      targetNamespace: NS,
      sourceRef: { kind: "ExternalArtifact", name: "bundle" },
    });
    await waitForKustomization(env, "from-ea", appliedRevision("latest@sha256:1111"), "applied from the EA");
    const cm = await env.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "from-ea" });
    expect(cm["data"]).toEqual({ v: "1" });

    // The producer writes a new artifact: the ExternalArtifact watch runs the Kustomization (interval is 10m).
    await env.client.patchStatus(ea, {
      status: { artifact: { ...artifact, revision: "latest@sha256:2222" } },
    });
    await waitForKustomization(env, "from-ea", appliedRevision("latest@sha256:2222"), "re-applied on a new artifact");
  }, 90_000);

  it("refuses an ExternalArtifact sourceRef with AccessDenied while the feature gate is off", async () => {
    const kustomization = {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { namespace: NS, name: "gated" },
      spec: { interval: "1m", prune: true, path: "./", sourceRef: { kind: "ExternalArtifact", name: "bundle" } },
    } as Parameters<typeof getSource>[1];
    const err = await getSource(env.client, kustomization, {
      noCrossNamespaceRefs: false,
      notFoundRetryMs: 1000,
      allowExternalArtifact: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StallingError);
    expect((err as StallingError).reason).toBe("AccessDenied");
    expect((err as Error).message).toBe(
      "can't access 'ExternalArtifact/apps/bundle', ExternalArtifact feature gate is disabled",
    );
    const allowed = await getSource(env.client, kustomization, {
      noCrossNamespaceRefs: false,
      notFoundRetryMs: 1000,
      allowExternalArtifact: true,
    });
    expect(allowed.kind).toBe("ExternalArtifact");
  });
});
