// Source objects of any kind in a test environment's namespace: create (interval 10m unless given), read,
// wait for, request a reconcile; and the Ready checks the source tests share.

import type { Condition } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import type { ApiObject } from "@sluice/runtime/kube";
import { waitForObject } from "@sluice/testkit";
import type { ControllerEnv } from "./controller-env.js";

/** apiVersion of the source kinds. */
export const SOURCE_API = "source.toolkit.fluxcd.io/v1";

/** What the checks read of an object. */
export interface ObjectWithStatus {
  metadata: { generation?: number | undefined };
  status?: { conditions?: Condition[] | undefined; observedGeneration?: number | undefined } | undefined;
}

/** The condition of `type`, if any. */
export function conditionOf(obj: ObjectWithStatus, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Ready=True for the current generation. */
export function readyNow(obj: ObjectWithStatus): boolean {
  return conditionOf(obj, "Ready")?.status === "True" && obj.status?.observedGeneration === obj.metadata.generation;
}

/** Ready=False with `reason`. */
export function failedWith(reason: string): (obj: ObjectWithStatus) => boolean {
  return (obj) => conditionOf(obj, "Ready")?.status === "False" && conditionOf(obj, "Ready")?.reason === reason;
}

/** Source objects of any kind in the namespace of `env()` (a getter: the environment starts in beforeAll). */
export function sourceObjects(env: () => ControllerEnv) {
  const ref = (kind: string, name: string) => ({ apiVersion: SOURCE_API, kind, namespace: env().namespace, name });
  return {
    ref,
    get: <T extends ApiObject>(kind: string, name: string) => env().cluster.client.get<T>(ref(kind, name)),
    create: async (
      kind: string,
      name: string,
      spec: Record<string, unknown>,
      labels?: Record<string, string>,
    ): Promise<void> => {
      await env().cluster.client.create({
        apiVersion: SOURCE_API,
        kind,
        metadata: { namespace: env().namespace, name, ...(labels ? { labels } : {}) },
        spec: { interval: "10m", ...spec },
      } as UnstructuredObject);
    },
    /** Polls the object until `check` holds; fails naming `what` and showing the last status. */
    waitFor: <T extends ApiObject>(kind: string, name: string, check: (obj: T) => boolean, what: string, ms = 60_000) =>
      waitForObject<T>(env().cluster.client, ref(kind, name), check, what, ms),
    /** Sets the `reconcile.fluxcd.io/requestedAt` annotation (as `flux reconcile` does); returns its value. */
    requestReconcile: async (kind: string, name: string): Promise<string> => {
      const at = new Date().toISOString();
      await env().cluster.client.patch(
        ref(kind, name),
        { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } },
        { type: "application/merge-patch+json" },
      );
      return at;
    },
  };
}

/** {@link sourceObjects} of one kind `T`; `defaults()` go under every created spec (an endpoint, `insecure`). */
export function sourceKind<T extends ApiObject>(
  env: () => ControllerEnv,
  kind: string,
  defaults: () => Record<string, unknown> = () => ({}),
) {
  const objects = sourceObjects(env);
  return {
    ref: (name: string) => objects.ref(kind, name),
    get: (name: string) => objects.get<T>(kind, name),
    create: (name: string, spec: Record<string, unknown>) => objects.create(kind, name, { ...defaults(), ...spec }),
    waitFor: (name: string, check: (obj: T) => boolean, what: string, ms?: number) =>
      objects.waitFor<T>(kind, name, check, what, ms),
    requestReconcile: (name: string) => objects.requestReconcile(kind, name),
  };
}
