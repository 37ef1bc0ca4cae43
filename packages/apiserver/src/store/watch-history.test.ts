import { describe, expect, it } from "vitest";
import type { KubeObject } from "../util/meta.js";
import { serializeCached } from "../util/serialize.js";
import type { StoreEvent } from "./watch-event.js";
import { WatchHistory } from "./watch-history.js";

function version(name: string, rv: number, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace: "default",
      resourceVersion: String(rv),
      labels,
      managedFields: [
        { manager: "m", operation: "Apply", fieldsV1: { "f:metadata": { "f:labels": { "f:team": {} } } } },
      ],
    },
    data: { text: 'quote " tab \t é 😀', n: String(rv) },
  };
}

/** Commits events the way a collection does (previous = the key's last object) and returns them with their texts. */
function commitAll(h: WatchHistory, steps: [name: string, type: StoreEvent["type"], team: string][], firstRv = 1) {
  const last = new Map<string, KubeObject>();
  const committed: { event: StoreEvent; object: string; previous: string | undefined }[] = [];
  let rv = firstRv;
  for (const [name, type, team] of steps) {
    const event: StoreEvent = { type, rv, object: version(name, rv, { team }) };
    const previous = last.get(name);
    if (previous) event.previous = previous;
    if (type === "DELETED") last.delete(name);
    else last.set(name, event.object);
    h.append(event, `default/${name}`);
    committed.push({ event, object: JSON.stringify(event.object), previous: previous && JSON.stringify(previous) });
    rv++;
  }
  return committed;
}

describe("WatchHistory", () => {
  const steps: [string, StoreEvent["type"], string][] = [
    ["a", "ADDED", "blue"],
    ["b", "ADDED", "red"],
    ["a", "MODIFIED", "red"],
    ["b", "MODIFIED", "blue"],
    ["a", "DELETED", "red"],
    ["a", "ADDED", "blue"],
    ["b", "MODIFIED", "blue"],
  ];

  it("gives a resumed watch the committed events: same types, versions, objects and texts, previous included", () => {
    const h = new WatchHistory(100, 0);
    const committed = commitAll(h, steps);
    for (let from = 0; from <= committed.length; from++) {
      const events = [...h.eventsSince(from)!];
      const expected = committed.slice(from);
      expect(events.map((e) => [e.type, e.rv])).toEqual(expected.map((c) => [c.event.type, c.event.rv]));
      events.forEach((e, i) => {
        const c = expected[i]!;
        expect(e.object).toEqual(c.event.object);
        expect(e.previous).toEqual(c.event.previous);
        expect(serializeCached(e.object)).toBe(c.object);
        expect(e.previous && serializeCached(e.previous)).toBe(c.previous);
      });
    }
  });

  it("keeps each key's current object as it is and older versions as text, parsed once per resume", () => {
    const h = new WatchHistory(100, 0);
    const committed = commitAll(h, steps);
    const events = [...h.eventsSince(0)!];
    // The current states (a re-added, b's last version) are the committed objects themselves.
    expect(events[5]!.object).toBe(committed[5]!.event.object);
    expect(events[6]!.object).toBe(committed[6]!.event.object);
    // Replaced versions are parsed back: equal, not the same objects.
    expect(events[1]!.object).not.toBe(committed[1]!.event.object);
    expect(events[1]!.object).toEqual(committed[1]!.event.object);
    // A version and the next event's previous are one parsed object.
    expect(events[3]!.previous).toBe(events[1]!.object);
    expect(events[4]!.previous).toBe(events[2]!.object);
    // The DELETED event carries the last state with the deletion's resourceVersion.
    expect(events[4]!.object).toEqual(version("a", 5, { team: "red" }));
  });

  it("decides the events when asked and parses them as they are read", () => {
    const h = new WatchHistory(100, 0);
    const committed = commitAll(h, steps.slice(0, 4));
    const events = h.eventsSince(1)!;
    // b's rv 4 object is replaced after the call: read later, it is the same version, parsed back.
    commitAll(h, [["b", "MODIFIED", "green"]], 5);
    expect([...events].map((e) => e.object)).toEqual(committed.slice(1).map((c) => c.event.object));
  });

  it("trims the oldest events beyond the capacity and answers undefined (410 Gone) from before them", () => {
    const h = new WatchHistory(3, 0);
    const committed = commitAll(h, steps);
    expect(h.size).toBe(3);
    expect(h.compactedRv).toBe(4);
    expect(h.eventsSince(3)).toBeUndefined();
    expect([...h.eventsSince(4)!].map((e) => e.rv)).toEqual([5, 6, 7]);
    // b's trimmed entry was its current state until rv 7: the resume still gets rv 7's previous (rv 4's object).
    expect([...h.eventsSince(4)!][2]!.previous).toEqual(committed[3]!.event.object);
    expect([...h.eventsSince(7)!]).toEqual([]);
  });

  it("holds no more than the capacity across many versions of one object", () => {
    const h = new WatchHistory(1000, 0);
    for (let rv = 1; rv <= 3000; rv++) {
      const object = version("a", rv, { team: "blue" });
      h.append({ type: rv === 1 ? "ADDED" : "MODIFIED", rv, object }, "default/a");
      expect(h.size).toBeLessThanOrEqual(1000);
    }
    const events = [...h.eventsSince(2000)!];
    expect(events.map((e) => e.rv)).toEqual(Array.from({ length: 1000 }, (_, i) => 2001 + i));
  });
});
