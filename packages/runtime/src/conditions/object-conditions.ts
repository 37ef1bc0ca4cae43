import { type Condition, ConditionType } from "@sluice/api";

/** A condition status value. */
export type ConditionStatus = Condition["status"];

/** Any object whose status carries kstatus conditions (every Flux kind). */
export interface ObjectWithConditions {
  metadata: { generation?: number | undefined };
  status?: { conditions?: Condition[] | undefined } | undefined;
}

/** A condition to set: lastTransitionTime and observedGeneration are filled in by {@link setCondition}. */
export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Longest condition message the CRD schema accepts (metav1.Condition). */
export const MAX_CONDITION_MESSAGE_LENGTH = 32768;
const TRIM_SUFFIX = "...";

/** Kubernetes timestamp format: RFC 3339, UTC, whole seconds (`2024-05-01T10:20:30Z`). */
export function formatTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The conditions of an object (an empty list when it has none). */
export function getConditions(obj: ObjectWithConditions): Condition[] {
  return obj.status?.conditions ?? [];
}

/** The condition of `type`, or undefined. */
export function getCondition(obj: ObjectWithConditions, type: string): Condition | undefined {
  return getConditions(obj).find((c) => c.type === type);
}

/** True when the object has a condition of `type`. */
export function hasCondition(obj: ObjectWithConditions, type: string): boolean {
  return getCondition(obj, type) !== undefined;
}

/** True when condition `type` is present with status True. */
export function isTrue(obj: ObjectWithConditions, type: string): boolean {
  return getCondition(obj, type)?.status === "True";
}

/** True when condition `type` is present with status False. */
export function isFalse(obj: ObjectWithConditions, type: string): boolean {
  return getCondition(obj, type)?.status === "False";
}

/** True when condition `type` is absent or Unknown. */
export function isUnknown(obj: ObjectWithConditions, type: string): boolean {
  const c = getCondition(obj, type);
  return c === undefined || c.status === "Unknown";
}

/** True when Ready=True. */
export function isReady(obj: ObjectWithConditions): boolean {
  return isTrue(obj, ConditionType.Ready);
}

/** True when Stalled=True. */
export function isStalled(obj: ObjectWithConditions): boolean {
  return isTrue(obj, ConditionType.Stalled);
}

/** True when Reconciling=True. */
export function isReconciling(obj: ObjectWithConditions): boolean {
  return isTrue(obj, ConditionType.Reconciling);
}

/** Trims a message to what the CRD accepts, ending it with `...` when cut. */
export function trimConditionMessage(message: string, max = MAX_CONDITION_MESSAGE_LENGTH): string {
  if (message.length <= max) return message;
  return message.slice(0, Math.max(0, max - TRIM_SUFFIX.length)) + TRIM_SUFFIX;
}

const TYPE_WEIGHT: Record<string, number> = {
  [ConditionType.Stalled]: 0,
  [ConditionType.Reconciling]: 1,
  [ConditionType.Ready]: 2,
};

/** Flux's condition order: Stalled, Reconciling, Ready, then newest observedGeneration, then type name. */
export function compareConditions(a: Condition, b: Condition): number {
  const wa = TYPE_WEIGHT[a.type];
  const wb = TYPE_WEIGHT[b.type];
  if (wa !== undefined && wb !== undefined) return wa - wb;
  if (wa !== undefined) return -1;
  if (wb !== undefined) return 1;
  const ga = a.observedGeneration ?? 0;
  const gb = b.observedGeneration ?? 0;
  if (ga !== gb) return gb - ga;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

function writeConditions(obj: ObjectWithConditions, conditions: Condition[]): void {
  if (!obj.status) obj.status = {};
  obj.status.conditions = conditions;
}

/**
 * Sets a condition on the object (kstatus / metav1 semantics): `observedGeneration` is stamped with
 * `metadata.generation`; `lastTransitionTime` is now when the condition is new or its status changed, and
 * kept otherwise (reason and message updates do not move it); the message is trimmed to the CRD limit;
 * the list stays in Flux's order (Stalled, Reconciling, Ready first).
 */
export function setCondition(obj: ObjectWithConditions, input: ConditionInput, now: Date = new Date()): Condition {
  const existing = getCondition(obj, input.type);
  const condition: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: trimConditionMessage(input.message),
    lastTransitionTime:
      existing && existing.status === input.status ? existing.lastTransitionTime : formatTimestamp(now),
  };
  const generation = obj.metadata.generation;
  if (generation !== undefined) condition.observedGeneration = generation;
  const others = getConditions(obj).filter((c) => c.type !== input.type);
  writeConditions(obj, [...others, condition].sort(compareConditions));
  return condition;
}

/** Sets condition `type` to True with a reason and message. */
export function markTrue(obj: ObjectWithConditions, type: string, reason: string, message: string): void {
  setCondition(obj, { type, status: "True", reason, message });
}

/** Sets condition `type` to False with a reason and message. */
export function markFalse(obj: ObjectWithConditions, type: string, reason: string, message: string): void {
  setCondition(obj, { type, status: "False", reason, message });
}

/** Sets condition `type` to Unknown with a reason and message. */
export function markUnknown(obj: ObjectWithConditions, type: string, reason: string, message: string): void {
  setCondition(obj, { type, status: "Unknown", reason, message });
}

/** Removes condition `type` (a no-op when absent). */
export function deleteCondition(obj: ObjectWithConditions, type: string): void {
  const conditions = getConditions(obj);
  if (!conditions.some((c) => c.type === type)) return;
  writeConditions(
    obj,
    conditions.filter((c) => c.type !== type),
  );
}

/**
 * Marks the object as being reconciled: Reconciling=True (reason usually `Progressing`) and Stalled removed.
 * Called at the start of the work a generation needs.
 */
export function markReconciling(obj: ObjectWithConditions, reason: string, message: string): void {
  deleteCondition(obj, ConditionType.Stalled);
  markTrue(obj, ConditionType.Reconciling, reason, message);
}

/**
 * Marks the object as stalled: Stalled=True with the reason and message of what is wrong, and Reconciling
 * removed. The controller stops retrying until the spec changes.
 */
export function markStalled(obj: ObjectWithConditions, reason: string, message: string): void {
  deleteCondition(obj, ConditionType.Reconciling);
  markTrue(obj, ConditionType.Stalled, reason, message);
}
