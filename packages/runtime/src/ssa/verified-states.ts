import { createHash } from "node:crypto";
import type { UnstructuredObject } from "../kube/object-ref.js";

/**
 * The SHA-256 of what an apply sends (the normalised desired object) together with everything else that
 * decides whether a dry-run finds drift (the drift-ignore rules).
 */
export function applyInputHash(desired: UnstructuredObject, context: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify([desired, context ?? null]))
    .digest("hex");
}

/**
 * A bounded, process-wide memory of live object states that are known to be the result of applying a given
 * input with a given field manager: either our own apply returned that state, or a dry-run against that state
 * found no drift. An object state is named by its `uid` and `resourceVersion`; any change to the object (by
 * anyone, including a delete and re-create) gives a new `resourceVersion`, so a remembered state whose
 * input is applied again would come out unchanged (server-side apply is idempotent), and the dry-run can
 * be skipped. Entries are evicted least recently used first beyond `max`.
 */
export class VerifiedStates {
  readonly #entries = new Map<string, string>();

  constructor(readonly max = 20_000) {}

  /** Whether `live` is a state remembered for `manager` applying the input with hash `input`. */
  matches(manager: string, live: UnstructuredObject, input: string): boolean {
    const key = stateKey(manager, live);
    if (!key) return false;
    const value = this.#entries.get(key);
    if (value === undefined) return false;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value === `${live.metadata.resourceVersion}|${input}`;
  }

  /** Remembers `live` as the state of applying the input with hash `input` by `manager`. */
  remember(manager: string, live: UnstructuredObject | undefined, input: string): void {
    const key = live ? stateKey(manager, live) : undefined;
    if (!key || !live?.metadata.resourceVersion) return;
    this.#entries.delete(key);
    this.#entries.set(key, `${live.metadata.resourceVersion}|${input}`);
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets what is remembered about `live` for `manager`. */
  forget(manager: string, live: UnstructuredObject | undefined): void {
    const key = live ? stateKey(manager, live) : undefined;
    if (key) this.#entries.delete(key);
  }

  /** How many states are remembered. */
  get size(): number {
    return this.#entries.size;
  }
}

function stateKey(manager: string, live: UnstructuredObject): string | undefined {
  const uid = live.metadata?.uid;
  return uid ? `${manager}|${uid}` : undefined;
}

/** The states shared by every ResourceManager of the process (controllers create one per reconcile). */
export const verifiedStates = new VerifiedStates();
