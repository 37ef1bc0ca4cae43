// watchForSet over a hand-driven informer: which states are judged when resourceVersions are not numbers
// (a cached state held before the wait versus one the watch delivers after it began).

import { describe, expect, it } from "vitest";
import { HandDrivenInformer } from "../../test/support/hand-driven-informer.js";
import type { Informer } from "../cache/informer.js";
import { KeyDispatcher } from "../cache/key-dispatcher.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { UnstructuredObject } from "../kube/object-ref.js";
import { computeStatus } from "./kstatus.js";
import { SharedWatches, type WatchLease } from "./shared-watches.js";
import { watchForSet } from "./watch-wait.js";
import { WrittenVersions } from "./written-versions.js";

/** Leases on one hand-driven informer. */
class HandDrivenWatches extends SharedWatches {
  readonly informer = new HandDrivenInformer<UnstructuredObject>();
  readonly dispatcher = new KeyDispatcher<UnstructuredObject>(this.informer);

  override acquire(): WatchLease {
    return {
      informer: this.informer as unknown as Informer<UnstructuredObject>,
      dispatcher: this.dispatcher,
      release: () => undefined,
    };
  }
}

const cm = (resourceVersion: string): UnstructuredObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace: "ns", name: "cfg", resourceVersion },
});
const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "cfg" };
const client = {} as KubeClient;

/** A wait on `ref` that records the resourceVersion of every state it judged. */
function judgedWait(watches: HandDrivenWatches, written: WrittenVersions) {
  const judged: string[] = [];
  const waiting = watchForSet(client, [ref], {
    timeout: 10_000,
    watches,
    written,
    statusReader: (obj) => {
      judged.push(`${obj.metadata.resourceVersion}`);
      return computeStatus(obj);
    },
  });
  return { judged, waiting };
}

describe("watchForSet with resourceVersions that are not numbers", () => {
  it("does not judge a cached state held before the wait that is not the version we wrote", async () => {
    const watches = new HandDrivenWatches();
    watches.informer.put(cm("before"));
    const written = new WrittenVersions();
    written.record(cm("ours"));
    const { judged, waiting } = judgedWait(watches, written);
    await new Promise((r) => setTimeout(r, 10));
    expect(judged).toEqual([]);
    watches.informer.put(cm("ours"));
    await waiting;
    expect(judged).toEqual(["ours"]);
    expect(watches.dispatcher.attached).toBe(false);
  });

  it("judges a state the watch delivers after the wait began, whatever its version", async () => {
    const watches = new HandDrivenWatches();
    const written = new WrittenVersions();
    written.record(cm("ours"));
    const { judged, waiting } = judgedWait(watches, written);
    watches.informer.put(cm("newer"));
    await waiting;
    expect(judged).toEqual(["newer"]);
  });
});
