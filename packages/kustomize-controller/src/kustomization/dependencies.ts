// `spec.dependsOn`: every listed Kustomization must be ready (and, when it applies the same source, at the
// revision this one is about to apply) before this one is reconciled (Flux's checkDependencies).

import { parse } from "@marcbachmann/cel-js";
import { type Artifact, KUSTOMIZE_API_VERSION, type Kustomization } from "@sluice/api";
import type { KubeClient } from "@sluice/runtime";
import { sameRevision, sourceNamespace } from "./source.js";

/** A dependency is not ready (requeue after `--requeue-dependency`). */
export class DependencyNotReadyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DependencyNotReadyError";
  }
}

/** A `readyExpr` does not compile or evaluate to a bool (terminal: the Kustomization stalls). */
export class InvalidReadyExprError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidReadyExprError";
  }
}

/**
 * Checks `spec.dependsOn` against the API (uncached): each dependency must exist; with `readyExpr` the CEL
 * expression over `self` and `dep` decides (it replaces the built-in check); otherwise the dependency needs
 * `generation == observedGeneration` and Ready=True, and when it uses the same source its
 * `lastAppliedRevision` must equal `artifact`'s revision. Throws {@link DependencyNotReadyError} naming the
 * dependency, or {@link InvalidReadyExprError}.
 */
export async function checkDependencies(client: KubeClient, obj: Kustomization, artifact: Artifact): Promise<void> {
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
      throw new DependencyNotReadyError(`dependency '${depName}' not found: ${(err as Error).message}`, { cause: err });
    }
    if (!dep) throw new DependencyNotReadyError(`dependency '${depName}' not found`);

    if (ref.readyExpr) {
      if (!evalReadyExpr(ref.readyExpr, obj, dep)) {
        throw new DependencyNotReadyError(`dependency '${depName}' is not ready according to readyExpr eval`);
      }
      continue;
    }
    const conditions = dep.status?.conditions ?? [];
    if (conditions.length === 0 || dep.metadata.generation !== dep.status?.observedGeneration) {
      throw new DependencyNotReadyError(`dependency '${depName}' is not ready`);
    }
    if (!conditions.some((c) => c.type === "Ready" && c.status === "True")) {
      throw new DependencyNotReadyError(`dependency '${depName}' is not ready`);
    }
    const sameSource =
      dep.spec.sourceRef.name === obj.spec.sourceRef.name &&
      dep.spec.sourceRef.kind === obj.spec.sourceRef.kind &&
      sourceNamespace(dep) === sourceNamespace(obj);
    if (sameSource && !sameRevision(artifact.revision, dep.status?.lastAppliedRevision)) {
      throw new DependencyNotReadyError(`dependency '${depName}' revision is not up to date`);
    }
  }
}

function evalReadyExpr(expr: string, self: Kustomization, dep: Kustomization): boolean {
  let fn: ReturnType<typeof parse>;
  try {
    fn = parse(expr);
  } catch (err: unknown) {
    throw new InvalidReadyExprError(`failed to evaluate dependency ${dep.metadata.name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let result: unknown;
  try {
    result = fn({ self, dep });
  } catch (err: unknown) {
    // A field not written yet (e.g. dep.status) reads as not ready.
    if (err instanceof Error && /no such key|not found/i.test(err.message)) return false;
    throw new InvalidReadyExprError(`failed to evaluate dependency ${dep.metadata.name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof result !== "boolean") {
    throw new InvalidReadyExprError(
      `failed to evaluate dependency ${dep.metadata.name}: readyExpr '${expr}' did not return a bool`,
    );
  }
  return result;
}
