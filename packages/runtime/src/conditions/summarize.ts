import { type Condition, ConditionType } from "@sluice/api";
import {
  type ConditionInput,
  getCondition,
  getConditions,
  markFalse,
  type ObjectWithConditions,
  setCondition,
} from "./object-conditions.js";

/** Which conditions make up a summary condition, as Flux's summarize.Conditions declares them. */
export interface SummaryOptions {
  /**
   * Conditions considered, in priority order (the first one in the winning group gives reason and message).
   * Absent, every condition except the target is considered.
   */
  conditions?: readonly string[];
  /** "Abnormal-true" types among them (e.g. `Stalled`, `Reconciling`, `FetchFailed`): True is bad news. */
  negativePolarity?: readonly string[];
}

interface Group {
  status: Condition["status"];
  negative: boolean;
  conditions: Condition[];
}

function groupPriority(g: Group): number {
  if (g.status === "True" && g.negative) return 0;
  if (g.status === "False" && !g.negative) return 1;
  if (g.status === "True" && !g.negative) return 2;
  if (g.status === "False" && g.negative) return 3;
  return 4;
}

/**
 * Merges conditions into one target condition (fluxcd/pkg runtime/conditions `summary`). Conditions are
 * grouped by status and polarity and the groups ranked: abnormal True, normal False, normal True, abnormal
 * False, Unknown. The top group decides the status (inverted when its polarity differs from the target's)
 * and its first condition, in `conditions` order, gives reason and message. Undefined when nothing is in scope.
 */
export function summarize(
  obj: ObjectWithConditions,
  target: string,
  options: SummaryOptions = {},
): ConditionInput | undefined {
  const negative = new Set(options.negativePolarity ?? []);
  const order = options.conditions;
  const inScope = getConditions(obj).filter((c) => c.type !== target && (!order || order.includes(c.type)));
  if (inScope.length === 0) return undefined;

  const groups: Group[] = [];
  for (const c of inScope) {
    const isNegative = negative.has(c.type);
    const group = groups.find((g) => g.status === c.status && g.negative === isNegative);
    if (group) group.conditions.push(c);
    else groups.push({ status: c.status, negative: isNegative, conditions: [c] });
  }
  groups.sort((a, b) => groupPriority(a) - groupPriority(b));
  const top = groups[0] as Group;
  let first = top.conditions[0] as Condition;
  if (order && top.conditions.length > 1) {
    for (const type of order) {
      const found = top.conditions.find((c) => c.type === type);
      if (found) {
        first = found;
        break;
      }
    }
  }

  const targetNegative = negative.has(target);
  let status: Condition["status"] = top.status;
  if (top.status !== "Unknown" && top.negative !== targetNegative) {
    status = top.status === "True" ? "False" : "True";
  }
  return { type: target, status, reason: first.reason, message: first.message };
}

/** Sets `target` to the {@link summarize summary} of the object's conditions (a no-op when none are in scope). */
export function setSummary(obj: ObjectWithConditions, target: string, options: SummaryOptions = {}): void {
  const summary = summarize(obj, target, options);
  if (summary) setCondition(obj, summary);
}

/** How a kind derives its Ready condition (source-controller's `summarize.Conditions` for Ready). */
export interface ReadySummary {
  /** Conditions Ready is summarized from, in priority order; include `Stalled` and `Reconciling`. */
  summarize: readonly string[];
  /** Abnormal-true conditions among them; include `Stalled` and `Reconciling`. */
  negativePolarity: readonly string[];
  /**
   * Conditions that are normally True but whose False means failure (e.g. `SourceVerified`): the first False
   * one overrides Ready with its reason and message.
   */
  biPolarity?: readonly string[];
}

/**
 * Derives Ready from the owned conditions as Flux controllers do: summarize (Stalled, Reconciling and other
 * abnormal-true conditions first, then the owned positive ones), then let a failed bi-polarity condition
 * override Ready=False.
 */
export function summarizeReady(obj: ObjectWithConditions, spec: ReadySummary): void {
  setSummary(obj, ConditionType.Ready, { conditions: spec.summarize, negativePolarity: spec.negativePolarity });
  for (const type of spec.biPolarity ?? []) {
    const c = getCondition(obj, type);
    if (c?.status === "False") {
      markFalse(obj, ConditionType.Ready, c.reason, c.message);
      break;
    }
  }
}
