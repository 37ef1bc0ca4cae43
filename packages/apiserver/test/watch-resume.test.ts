import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../src/index.js";
import { apiRequest, openWatch } from "./helpers/http.js";

const CM = "/api/v1/namespaces/default/configmaps";
const CORE_EVENTS = "/api/v1/namespaces/default/events";
const EVENTS = "/apis/events.k8s.io/v1/namespaces/default/events";
const TABLE = { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };
const MERGE = { "Content-Type": "application/merge-patch+json" };

/** Watches that see every kind of change differently: selector transitions, version conversion, tables. */
const WATCHES: [path: string, headers: Record<string, string>][] = [
  [CM, {}],
  [`${CM}?labelSelector=team%3Dblue`, {}],
  [`${CM}?fieldSelector=metadata.name%3Da`, {}],
  [CM, TABLE],
  [CORE_EVENTS, {}],
  [EVENTS, {}],
];

function rvOf(body: string): string {
  return (JSON.parse(body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("watch did not end");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a watch resumed from an older resourceVersion", () => {
  let s: ApiServer;
  beforeAll(async () => {
    s = await startApiServer({ simulateWorkloads: false, watchHistory: 40 });
  });
  afterAll(async () => {
    await s.stop();
  });

  async function changeEverything(): Promise<void> {
    const cm = (name: string, team: string) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, labels: { team } },
        data: { t: 'q"\t' },
      });
    await apiRequest(s, "POST", CM, { body: cm("a", "blue") });
    await apiRequest(s, "POST", CM, { body: cm("b", "red") });
    await apiRequest(s, "PATCH", `${CM}/a`, { body: '{"metadata":{"labels":{"team":"red"}}}', headers: MERGE });
    await apiRequest(s, "PATCH", `${CM}/b`, { body: '{"metadata":{"labels":{"team":"blue"}}}', headers: MERGE });
    await apiRequest(s, "PATCH", `${CM}/b?fieldManager=tester`, {
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" }, data: { applied: "yes" } }),
      headers: { "Content-Type": "application/apply-patch+yaml" },
    });
    await apiRequest(s, "DELETE", `${CM}/a`);
    await apiRequest(s, "POST", CM, { body: cm("a", "blue") });
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "e1" },
      type: "Normal",
      reason: "Tested",
      message: "first",
      involvedObject: { kind: "ConfigMap", name: "a", namespace: "default" },
      reportingComponent: "sluice.dev/test",
    };
    await apiRequest(s, "POST", CORE_EVENTS, { body: JSON.stringify(event) });
    await apiRequest(s, "PATCH", `${CORE_EVENTS}/e1`, { body: '{"message":"second","count":2}', headers: MERGE });
    await apiRequest(s, "DELETE", `${EVENTS}/e1`);
  }

  it("gets the same bytes as the watches that saw the changes live, and 410 Gone once they are trimmed", async () => {
    const start = rvOf((await apiRequest(s, "GET", CM)).body);
    const from = (path: string, timeout: number) =>
      `${path}${path.includes("?") ? "&" : "?"}watch=1&resourceVersion=${start}&timeoutSeconds=${timeout}`;
    const live = WATCHES.map(([path, headers]) => openWatch(s, from(path, 2), headers));
    await until(() => live.every((w) => w.status() === 200));
    await changeEverything();
    await until(() => live.every((w) => w.ended()));
    const resumed = WATCHES.map(([path, headers]) => openWatch(s, from(path, 1), headers));
    await until(() => resumed.every((w) => w.ended()));
    // A Table row's Age is the only thing that may differ (the resumed watch is served later).
    const sameAge = (lines: string[]) => lines.map((l) => l.replace(/"\d+s"\]/g, '"AGE"]'));
    for (const [i, w] of resumed.entries()) expect(sameAge(w.lines), WATCHES[i]![0]).toEqual(sameAge(live[i]!.lines));
    // Each watch saw something: additions, selector transitions both ways, converted and deleted Events.
    expect(live.map((w) => w.events.map((e) => e.type).join(","))).toEqual([
      "ADDED,ADDED,MODIFIED,MODIFIED,MODIFIED,DELETED,ADDED",
      "ADDED,DELETED,ADDED,MODIFIED,ADDED",
      "ADDED,MODIFIED,DELETED,ADDED",
      "ADDED,ADDED,MODIFIED,MODIFIED,MODIFIED,DELETED,ADDED",
      "ADDED,MODIFIED,DELETED",
      "ADDED,MODIFIED,DELETED",
    ]);

    for (let i = 0; i < 40; i++)
      await apiRequest(s, "PATCH", `${CM}/b`, { body: `{"data":{"n":"${i}"}}`, headers: MERGE });
    const old = openWatch(s, from(CM, 1));
    await until(() => old.ended());
    expect(old.events).toEqual([
      { type: "ERROR", object: expect.objectContaining({ reason: "Expired", code: 410 }) as unknown },
    ]);
  });
});
