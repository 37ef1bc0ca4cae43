import type { Condition } from "@sluice/api";
import { compareConditions } from "../conditions/object-conditions.js";
import { jsonEqual } from "./merge-patch.js";

/**
 * Three-way merge of condition lists after a write conflict (Flux's patch helper): conditions this run
 * changed relative to `base` (or any `owned` type) take our version, everything else takes the server's
 * current version, so another writer's conditions survive.
 */
export function mergeConditions(
  base: readonly Condition[],
  ours: readonly Condition[],
  theirs: readonly Condition[],
  owned: readonly string[] = [],
): Condition[] {
  const byType = (list: readonly Condition[]) => new Map(list.map((c) => [c.type, c]));
  const b = byType(base);
  const o = byType(ours);
  const t = byType(theirs);
  const types = new Set([...b.keys(), ...o.keys(), ...t.keys()]);
  const merged: Condition[] = [];
  for (const type of types) {
    const changedByUs = owned.includes(type) || !jsonEqual(b.get(type), o.get(type));
    const pick = changedByUs ? o.get(type) : t.get(type);
    if (pick) merged.push(pick);
  }
  return merged.sort(compareConditions);
}
