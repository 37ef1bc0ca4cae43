import { describe, expect, it } from "vitest";
import { HandDrivenInformer } from "../../test/support/hand-driven-informer.js";
import type { ApiObject } from "../kube/object-ref.js";
import type { EventHandler } from "./informer.js";
import { KeyDispatcher } from "./key-dispatcher.js";

const cm = (name: string, rv = "1"): ApiObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace: "ns", name, resourceVersion: rv },
});

/** A handler recording `add|update|delete name@rv`. */
function recorder(): { events: string[]; handler: EventHandler<ApiObject> } {
  const events: string[] = [];
  const at = (o: ApiObject) => `${o.metadata.name}@${o.metadata.resourceVersion}`;
  return {
    events,
    handler: {
      onAdd: (o) => events.push(`add ${at(o)}`),
      onUpdate: (_old, o) => events.push(`update ${at(o)}`),
      onDelete: (o) => events.push(`delete ${at(o)}`),
    },
  };
}

describe("KeyDispatcher", () => {
  it("routes an event only to the subscribers of that object", () => {
    const informer = new HandDrivenInformer(false);
    const dispatcher = new KeyDispatcher(informer);
    const a = recorder();
    const b = recorder();
    dispatcher.subscribe(["ns/a"], a.handler);
    dispatcher.subscribe(["ns/b"], b.handler);
    informer.put(cm("a"));
    informer.put(cm("a", "2"));
    informer.put(cm("c"));
    informer.remove(cm("a", "3"));
    expect(a.events).toEqual(["add a@1", "update a@2", "delete a@3"]);
    expect(b.events).toEqual([]);
    expect(informer.handlers.size).toBe(1);
  });

  it("hands a new subscriber the cached state of its own objects only, at once, as adds", () => {
    const informer = new HandDrivenInformer(false);
    for (const name of ["a", "b", "c"]) informer.store.set(`ns/${name}`, cm(name));
    informer.synced = true;
    const dispatcher = new KeyDispatcher(informer);
    const first = recorder();
    let handedDuringSubscribe: string[] = [];
    dispatcher.subscribe(["ns/a", "ns/absent"], {
      ...first.handler,
      onAdd: (o) => {
        first.handler.onAdd?.(o);
        handedDuringSubscribe = [...first.events];
      },
    });
    // Synchronously inside subscribe (watchForSet marks these states as held before the wait), and once.
    expect(handedDuringSubscribe).toEqual(["add a@1"]);
    expect(first.events).toEqual(["add a@1"]);
    const second = recorder();
    dispatcher.subscribe(["ns/b"], second.handler);
    expect(second.events).toEqual(["add b@1"]);
    expect(first.events).toEqual(["add a@1"]);
  });

  it("hands nothing over before the informer synced: the first list's events come as they arrive", () => {
    const informer = new HandDrivenInformer(false);
    const dispatcher = new KeyDispatcher(informer);
    const a = recorder();
    dispatcher.subscribe(["ns/a"], a.handler);
    expect(a.events).toEqual([]);
    informer.put(cm("a"));
    informer.synced = true;
    expect(a.events).toEqual(["add a@1"]);
  });

  it("stops routing to a subscription that ended and leaves the informer with its last subscriber", () => {
    const informer = new HandDrivenInformer(false);
    const dispatcher = new KeyDispatcher(informer);
    const a = recorder();
    const b = recorder();
    const endA = dispatcher.subscribe(["ns/a"], a.handler);
    const endB = dispatcher.subscribe(["ns/a"], b.handler);
    endA();
    endA(); // ending twice is harmless
    informer.put(cm("a"));
    expect(a.events).toEqual([]);
    expect(b.events).toEqual(["add a@1"]);
    expect(dispatcher.attached).toBe(true);
    endB();
    expect(dispatcher.attached).toBe(false);
    expect(informer.handlers.size).toBe(0);
    // A later subscriber attaches again and is handed the cached state, once.
    informer.synced = true;
    const c = recorder();
    dispatcher.subscribe(["ns/a"], c.handler);
    expect(c.events).toEqual(["add a@1"]);
    expect(informer.handlers.size).toBe(1);
  });

  it("gives an event to every subscriber of the object, even when one of them throws", () => {
    const informer = new HandDrivenInformer(false);
    const dispatcher = new KeyDispatcher(informer);
    const a = recorder();
    const b = recorder();
    dispatcher.subscribe(["ns/x"], {
      onAdd: () => {
        throw new Error("handler failed");
      },
    });
    dispatcher.subscribe(["ns/x"], a.handler);
    dispatcher.subscribe(["ns/x", "ns/y"], b.handler);
    // The real informer catches and logs what the dispatcher rethrows.
    expect(() => informer.put(cm("x"))).toThrow("handler failed");
    informer.put(cm("y"));
    expect(a.events).toEqual(["add x@1"]);
    expect(b.events).toEqual(["add x@1", "add y@1"]);
  });
});
