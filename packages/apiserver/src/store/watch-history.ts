import type { KubeObject } from "../util/meta.js";
import { parseCached, serializeCached } from "../util/serialize.js";
import type { StoreEvent, WatchEventType } from "./watch-event.js";

/**
 * One event as the history keeps it. A version the collection no longer holds is kept as its JSON text (a parsed
 * object with managedFields takes several times the memory of its text, and the text is what watches send); the
 * collection's current state of a key stays the shared object until the next event of that key replaces it.
 */
interface HistoryEntry {
  readonly type: WatchEventType;
  readonly rv: number;
  readonly key: string;
  object: KubeObject | string;
  /** JSON text of the object before the change (MODIFIED and DELETED): the prior entry's text, same string. */
  readonly previous: string | undefined;
}

/**
 * The bounded history of a collection's recent events, for watches that start from an older resourceVersion:
 * the last `capacity` events, oldest trimmed first.
 */
export class WatchHistory {
  /** Slots before `start` are trimmed (undefined, so their text can be collected before the splice). */
  private readonly entries: (HistoryEntry | undefined)[] = [];
  private start = 0;
  /** The newest entry of each key whose object is still the collection's current state. */
  private readonly current = new Map<string, HistoryEntry>();
  /** resourceVersion of the newest event no longer in the history (watches from older versions get 410). */
  compactedRv: number;

  constructor(
    private readonly capacity: number,
    initialCompactedRv: number,
  ) {
    this.compactedRv = initialCompactedRv;
  }

  /** Records a committed event of the object at `key` and trims the oldest beyond the capacity. */
  append(event: StoreEvent, key: string): void {
    const replaced = this.current.get(key);
    if (replaced && typeof replaced.object !== "string") replaced.object = serializeCached(replaced.object);
    const previous = event.previous ? serializeCached(event.previous) : undefined;
    const entry: HistoryEntry = { type: event.type, rv: event.rv, key, object: event.object, previous };
    if (event.type === "DELETED") {
      // A deleted object's last state is held by nobody else; watchers serializing it find the text cached.
      entry.object = serializeCached(event.object);
      this.current.delete(key);
    } else {
      this.current.set(key, entry);
    }
    this.entries.push(entry);
    if (this.entries.length - this.start > this.capacity) this.trimOldest();
  }

  /**
   * Events with a resourceVersion greater than `rv`, oldest first, with objects equal to the committed ones (and
   * serializing to the same text); undefined when `rv` is too old. Which events is decided now; their objects are
   * parsed as the caller iterates, so a long backlog is never all parsed at once.
   */
  eventsSince(rv: number): Iterable<StoreEvent> | undefined {
    if (rv < this.compactedRv) return undefined;
    const newer: HistoryEntry[] = [];
    for (let i = this.entries.length - 1; i >= this.start; i--) {
      const e = this.entries[i]!;
      if (e.rv <= rv) break;
      newer.push(e);
    }
    return replay(newer.reverse());
  }

  /** Events held (at most the capacity). */
  get size(): number {
    return this.entries.length - this.start;
  }

  private trimOldest(): void {
    const dropped = this.entries[this.start]!;
    this.compactedRv = dropped.rv;
    if (this.current.get(dropped.key) === dropped) this.current.delete(dropped.key);
    // The array is spliced only when half of it is trimmed; until then a kept reference would hold up to
    // twice the capacity of texts.
    this.entries[this.start] = undefined;
    this.start++;
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries.splice(0, this.start);
      this.start = 0;
    }
  }
}

function* replay(entries: HistoryEntry[]): Generator<StoreEvent> {
  // An entry's previous is the text of the key's prior entry (the same string): parsed once, the same object.
  const lastParsed = new Map<string, { json: string; object: KubeObject }>();
  const parse = (key: string, json: string): KubeObject => {
    const last = lastParsed.get(key);
    if (last?.json === json) return last.object;
    const object = parseCached(json) as KubeObject;
    lastParsed.set(key, { json, object });
    return object;
  };
  for (const e of entries) {
    const previous = e.previous === undefined ? undefined : parse(e.key, e.previous);
    const object = typeof e.object === "string" ? parse(e.key, e.object) : e.object;
    const event: StoreEvent = { type: e.type, rv: e.rv, object };
    if (previous) event.previous = previous;
    yield event;
  }
}
