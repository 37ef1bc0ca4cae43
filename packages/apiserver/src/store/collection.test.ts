import { describe, expect, it } from "vitest";
import { Collection } from "./collection.js";
import type { StoreEvent } from "./watch-event.js";

function event(rv: number): StoreEvent {
  return { type: "MODIFIED", rv, object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } } };
}

const all = (events: Iterable<StoreEvent> | undefined) => events && [...events];

describe("Collection history", () => {
  it("keeps the last `capacity` events for watches and answers 410 (undefined) from older versions", () => {
    const c = new Collection("configmaps", 3, 0);
    for (let rv = 1; rv <= 5000; rv++) c.commit(event(rv), "ns/a");
    expect(c.compactedRv).toBe(4997);
    expect(c.eventsSince(4996)).toBeUndefined();
    expect(all(c.eventsSince(4997))?.map((e) => e.rv)).toEqual([4998, 4999, 5000]);
    expect(all(c.eventsSince(4999))?.map((e) => e.rv)).toEqual([5000]);
    expect(all(c.eventsSince(5000))).toEqual([]);
  });

  it("holds no more than `capacity` events between splices", () => {
    const c = new Collection("configmaps", 1000, 0);
    // 2000 commits: 1000 trimmed, fewer than the 1024 the array is spliced after.
    for (let rv = 1; rv <= 2000; rv++) {
      c.commit(event(rv), "ns/a");
      expect(c.historySize).toBeLessThanOrEqual(1000);
    }
    expect(all(c.eventsSince(1000))?.length).toBe(1000);
  });
});
