// `spec.dependsOn` of a HelmRelease (helm-controller's checkDependencies): every listed HelmRelease must exist
// (read from the API, not the cache), pass its `readyExpr` if it has one, and be Ready for its current
// generation.

import { HELM_API_VERSION, type HelmRelease, HelmReleaseReason } from "@sluice/api";
import { errorMessage, type KubeClient, StallingError, WaitingError } from "@sluice/runtime";

/** Stalled/Ready reason of a `readyExpr` that does not compile or evaluate to a bool. */
export const InvalidCELExpressionReason = "InvalidCELExpression";
/** Prefix helm-controller gives messages of configuration errors that stop reconciliation. */
export const TERMINAL_ERROR_MESSAGE = "Reconciliation failed terminally due to configuration error";

/** Options of {@link checkDependencies}. */
export interface DependencyCheckOptions {
  /** `--requeue-dependency` in ms. */
  requeueMs: number;
  /** The AdditiveCELDependencyCheck feature gate: `readyExpr` adds to the built-in check instead of replacing it. */
  additiveCEL: boolean;
}

/** The CEL library, loaded on the first `readyExpr` (most controllers never need it). */
let cel: Promise<typeof import("@marcbachmann/cel-js")> | undefined;

async function evalReadyExpr(expr: string, self: HelmRelease, dep: HelmRelease): Promise<boolean> {
  cel ??= import("@marcbachmann/cel-js");
  const { parse } = await cel;
  const fail = (err: unknown): never => {
    const message = `failed to evaluate dependency ${dep.metadata.name}: ${errorMessage(err)}`;
    throw new StallingError(InvalidCELExpressionReason, `${TERMINAL_ERROR_MESSAGE}: ${message}`, { cause: err });
  };
  let fn: ReturnType<typeof parse>;
  try {
    fn = parse(expr);
  } catch (err: unknown) {
    return fail(err);
  }
  let result: unknown;
  try {
    result = fn({ self, dep });
  } catch (err: unknown) {
    // A field not written yet (e.g. dep.status) reads as not ready.
    if (err instanceof Error && /no such key|not found/i.test(err.message)) return false;
    return fail(err);
  }
  if (typeof result !== "boolean") return fail(new Error(`readyExpr '${expr}' did not return a bool`));
  return result;
}

/**
 * Throws a {@link WaitingError} (DependencyNotReady, requeued after `--requeue-dependency`) naming the first
 * dependency that cannot be read (with the API's error), fails its `readyExpr`, or is not Ready for its
 * current generation; a `readyExpr` that cannot be evaluated stalls (InvalidCELExpression).
 */
export async function checkDependencies(
  client: KubeClient,
  obj: HelmRelease,
  options: DependencyCheckOptions,
): Promise<void> {
  // helm-controller announces each wait with a Normal event carrying the message.
  const notReady = (message: string, cause?: unknown) =>
    new WaitingError(HelmReleaseReason.DependencyNotReady, message, options.requeueMs, {
      notice: message,
      ...(cause ? { cause } : {}),
    });
  for (const ref of obj.spec.dependsOn ?? []) {
    const namespace = ref.namespace || obj.metadata.namespace || "";
    const name = `${namespace}/${ref.name}`;
    let dep: HelmRelease;
    try {
      dep = await client.get<HelmRelease>({
        apiVersion: HELM_API_VERSION,
        kind: "HelmRelease",
        namespace,
        name: ref.name,
      });
    } catch (err: unknown) {
      throw notReady(`unable to get '${name}' dependency: ${errorMessage(err)}`, err);
    }
    if (ref.readyExpr) {
      if (!(await evalReadyExpr(ref.readyExpr, obj, dep)))
        throw notReady(`dependency '${name}' is not ready according to readyExpr eval`);
      if (!options.additiveCEL) continue;
    }
    const ready = dep.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (dep.metadata.generation !== dep.status?.observedGeneration || !ready) {
      throw notReady(`dependency '${name}' is not ready`);
    }
  }
}
