import type { ObjectRef } from "../kube/object-ref.js";
import { formatObjectId, type ObjMetadata, refFor } from "./object-id.js";

/** What applying or deleting did to one object. */
export const Action = {
  Created: "created",
  Configured: "configured",
  Unchanged: "unchanged",
  Deleted: "deleted",
  Skipped: "skipped",
  Unknown: "unknown",
} as const;
/** One of the {@link Action} values. */
export type ActionName = (typeof Action)[keyof typeof Action];

/** One object of a change set. */
export interface ChangeSetEntry {
  /** Inventory id `<namespace>_<name>_<group>_<kind>`. */
  id: string;
  objMetadata: ObjMetadata;
  /** The API version of the object's group (the inventory `v`). */
  version: string;
  /** `Kind/namespace/name`. */
  subject: string;
  action: ActionName;
}

/** True for actions that wrote to the cluster (created, configured, deleted). */
export function isChange(action: ActionName): boolean {
  return action === Action.Created || action === Action.Configured || action === Action.Deleted;
}

/** The ordered result of an apply or delete: one entry per object. */
export class ChangeSet {
  readonly entries: ChangeSetEntry[] = [];

  constructor(entries: readonly ChangeSetEntry[] = []) {
    this.entries.push(...entries);
  }

  /** Adds entries at the end. */
  add(...entries: ChangeSetEntry[]): void {
    this.entries.push(...entries);
  }

  /** `subject → action`. */
  toMap(): Record<string, ActionName> {
    return Object.fromEntries(this.entries.map((e) => [e.subject, e.action]));
  }

  /** `action → subjects`, for compact logs. */
  toGroupedMap(): Partial<Record<ActionName, string[]>> {
    const out: Partial<Record<ActionName, string[]>> = {};
    for (const e of this.entries) {
      const list = out[e.action] ?? [];
      list.push(e.subject);
      out[e.action] = list;
    }
    return out;
  }

  /** The refs of the entries (only those with `action` when given), to wait for or read back. */
  toRefs(action?: ActionName): ObjectRef[] {
    return this.entries
      .filter((e) => action === undefined || e.action === action)
      .map((e) => refFor(e.objMetadata, e.version));
  }

  /** Inventory entries `{id, v}` of the objects. */
  toInventory(): { id: string; v: string }[] {
    return this.entries.map((e) => ({ id: formatObjectId(e.objMetadata), v: e.version }));
  }

  /** True when some entry wrote to the cluster. */
  hasChanges(): boolean {
    return this.entries.some((e) => isChange(e.action));
  }

  /** `Kind/ns/name action` lines, only for entries that changed something (the Flux apply log/event message). */
  changesString(): string {
    return this.entries
      .filter((e) => isChange(e.action))
      .map((e) => `${e.subject} ${e.action}`)
      .join("\n");
  }

  /** `Kind/ns/name action` lines for every entry. */
  toString(): string {
    return this.entries.map((e) => `${e.subject} ${e.action}`).join("\n");
  }
}
