// `spec.dependsOn`: every listed Kustomization must be ready (and, when it applies the same source, at the
// revision this one is about to apply) before this one is reconciled (Flux's checkDependencies).

import { parse } from "@marcbachmann/cel-js";
import {
  type Artifact,
  formatDuration,
  KUSTOMIZE_API_VERSION,
  type Kustomization,
  KustomizationReason,
} from "@sluice/api";
import { errorMessage, type StallingError, WaitingError } from "@sluice/runtime/errors";
import type { KubeClient } from "@sluice/runtime/kube";
import { configurationError } from "./configuration-error.js";
import { sameRevision, sourceNamespace } from "./source.js";

/**
 * Checks `spec.dependsOn` against the API (uncached): each dependency must exist; with `readyExpr` the CEL
 * expression over `self` and `dep` decides (it replaces the built-in check); otherwise the dependency needs
 * `generation == observedGeneration` and Ready=True, and when it uses the same source its
 * `lastAppliedRevision` must equal `artifact`'s revision. Throws a WaitingError (DependencyNotReady, naming
 * the dependency; requeued after `requeueMs` and announced by an info event, as Flux does), or a
 * StallingError (InvalidCELExpression) when a `readyExpr` cannot be evaluated.
 */
export async function checkDependencies(
  client: KubeClient,
  obj: Kustomization,
  artifact: Artifact,
  requeueMs: number,
): Promise<void> {
  const notice = `Dependencies do not meet ready condition, retrying in ${formatDuration(requeueMs)}`;
  const notReady = (message: string, cause?: unknown) =>
    new WaitingError(KustomizationReason.DependencyNotReady, message, requeueMs, {
      notice,
      ...(cause ? { cause } : {}),
    });
  for (const ref of obj.spec.dependsOn ?? []) {
    const namespace = ref.namespace || obj.metadata.namespace || "";
    const depName = `${namespace}/${ref.name}`;
    let dep: Kustomization | undefined;
    try {
      dep = await client.getOptional<Kustomization>({
        apiVersion: KUSTOMIZE_API_VERSION,
        kind: "Kustomization",
        namespace,
        name: ref.name,
      });
    } catch (err: unknown) {
      throw notReady(`dependency '${depName}' not found: ${errorMessage(err)}`, err);
    }
    if (!dep) throw notReady(`dependency '${depName}' not found`);

    if (ref.readyExpr) {
      if (!evalReadyExpr(ref.readyExpr, obj, dep)) {
        throw notReady(`dependency '${depName}' is not ready according to readyExpr eval`);
      }
      continue;
    }
    const conditions = dep.status?.conditions ?? [];
    if (conditions.length === 0 || dep.metadata.generation !== dep.status?.observedGeneration) {
      throw notReady(`dependency '${depName}' is not ready`);
    }
    if (!conditions.some((c) => c.type === "Ready" && c.status === "True")) {
      throw notReady(`dependency '${depName}' is not ready`);
    }
    const sameSource =
      dep.spec.sourceRef.name === obj.spec.sourceRef.name &&
      dep.spec.sourceRef.kind === obj.spec.sourceRef.kind &&
      sourceNamespace(dep) === sourceNamespace(obj);
    if (sameSource && !sameRevision(artifact.revision, dep.status?.lastAppliedRevision)) {
      throw notReady(`dependency '${depName}' revision is not up to date`);
    }
  }
}

/** Evaluates a `readyExpr`; one that does not compile or return a bool stalls (InvalidCELExpression). */
function evalReadyExpr(expr: string, self: Kustomization, dep: Kustomization): boolean {
  const fail = (err: unknown): StallingError =>
    configurationError(
      KustomizationReason.InvalidCELExpression,
      new Error(`failed to evaluate dependency ${dep.metadata.name}: ${errorMessage(err)}`, { cause: err }),
    );
  let fn: ReturnType<typeof parse>;
  try {
    fn = parse(expr);
  } catch (err: unknown) {
    throw fail(err);
  }
  let result: unknown;
  try {
    result = fn({ self, dep });
  } catch (err: unknown) {
    // A field not written yet (e.g. dep.status) reads as not ready.
    if (err instanceof Error && /no such key|not found/i.test(err.message)) return false;
    throw fail(err);
  }
  if (typeof result !== "boolean") throw fail(new Error(`readyExpr '${expr}' did not return a bool`));
  return result;
}
