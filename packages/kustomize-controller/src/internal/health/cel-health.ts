// `spec.healthCheckExprs`: CEL expressions computing the health of custom resources (Flux's
// fluxcd/pkg runtime/cel status reader), evaluated with `self` bound to the object.

import { parse } from "@marcbachmann/cel-js";
import type { CustomHealthCheck } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { computeStatus, ObjectStatus, type StatusReader } from "@sluice/runtime/ssa";

type Compiled = ReturnType<typeof parse>;

interface CompiledCheck {
  apiVersion: string;
  kind: string | undefined;
  current: Compiled;
  inProgress: Compiled | undefined;
  failed: Compiled | undefined;
}

/** A `healthCheckExprs` entry whose expression does not compile (the Kustomization stalls with `InvalidCELExpression`). */
export class InvalidHealthCheckExprError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidHealthCheckExprError";
  }
}

function compile(expr: string, field: string): Compiled {
  try {
    const fn = parse(expr);
    return fn;
  } catch (err: unknown) {
    throw new InvalidHealthCheckExprError(
      `failed to parse the CEL expression '${expr}' (${field}): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/**
 * Compiles `healthCheckExprs` into a status reader: objects matching an entry's apiVersion (and kind) are
 * InProgress while their `observedGeneration` lags, then the expressions decide in Flux's order —
 * `inProgress` true → InProgress, `failed` true → Failed, `current` true → Current, otherwise InProgress.
 * Other objects use kstatus. Throws {@link InvalidHealthCheckExprError} for an expression that does not parse.
 */
export function celStatusReader(checks: readonly CustomHealthCheck[] | undefined): StatusReader {
  const compiled: CompiledCheck[] = (checks ?? []).map((c, i) => ({
    apiVersion: c.apiVersion,
    kind: c.kind,
    current: compile(c.current, `healthCheckExprs[${i}].current`),
    inProgress: c.inProgress ? compile(c.inProgress, `healthCheckExprs[${i}].inProgress`) : undefined,
    failed: c.failed ? compile(c.failed, `healthCheckExprs[${i}].failed`) : undefined,
  }));
  if (compiled.length === 0) return computeStatus;
  return (obj: UnstructuredObject) => {
    const check = compiled.find((c) => c.apiVersion === obj.apiVersion && (!c.kind || c.kind === obj.kind));
    if (!check) return computeStatus(obj);
    if (obj.metadata.deletionTimestamp) {
      return { status: ObjectStatus.Terminating, message: "Resource scheduled for deletion" };
    }
    const generation = obj.metadata.generation;
    const observed = (obj["status"] as { observedGeneration?: unknown } | undefined)?.observedGeneration;
    if (typeof generation === "number" && typeof observed === "number" && observed !== generation) {
      return {
        status: ObjectStatus.InProgress,
        message: `${obj.kind} generation is ${generation}, but latest observed generation is ${observed}`,
      };
    }
    const context = { self: obj };
    const holds = (fn: Compiled | undefined, name: string): boolean => {
      if (!fn) return false;
      try {
        return fn(context) === true;
      } catch (err: unknown) {
        // A field the expression reads may not exist yet (status not written): not true.
        if (err instanceof Error && /no such key|Unknown variable|not found/i.test(err.message)) return false;
        throw new Error(`failed to evaluate the CEL expression for '${name}': ${(err as Error).message}`);
      }
    };
    if (holds(check.inProgress, "inProgress")) return { status: ObjectStatus.InProgress, message: "inProgress" };
    if (holds(check.failed, "failed")) return { status: ObjectStatus.Failed, message: "failed" };
    if (holds(check.current, "current")) return { status: ObjectStatus.Current, message: "current" };
    return { status: ObjectStatus.InProgress, message: "none of the health check expressions evaluated to true" };
  };
}
