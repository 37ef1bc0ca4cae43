import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExponentialBackoff } from "./backoff.js";
import { WorkQueue } from "./work-queue.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets queued microtasks (handler starts and finishes) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe("WorkQueue", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a key added many times while waiting once", async () => {
    const queue = new WorkQueue({ name: "t" });
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) queue.add("ns/a");
    queue.add("ns/b");
    queue.add("ns/a");
    expect(queue.depth).toBe(2);
    queue.start(async (key) => {
      runs.push(key);
    });
    await queue.whenIdle();
    expect(runs).toEqual(["ns/a", "ns/b"]);
  });

  it("never runs one key on two workers; a key added while running runs once more afterwards", async () => {
    const queue = new WorkQueue({ name: "t", concurrency: 4 });
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates = [deferred(), deferred()];
    queue.start(async () => {
      const gate = gates[runs];
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await gate?.promise;
      active--;
    });
    queue.add("k");
    await settle();
    expect(runs).toBe(1);
    queue.add("k");
    queue.add("k");
    queue.add("k");
    await settle();
    expect(runs).toBe(1);
    expect(queue.depth).toBe(0);
    gates[0]?.resolve();
    await settle();
    expect(runs).toBe(2);
    gates[1]?.resolve();
    await queue.whenIdle();
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it("never exceeds its concurrency and runs every key", async () => {
    const queue = new WorkQueue({ name: "t", concurrency: 3 });
    let active = 0;
    let maxActive = 0;
    const done: string[] = [];
    queue.start(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 10 + (Number(key) % 4) * 5));
      active--;
      done.push(key);
    });
    for (let i = 0; i < 20; i++) queue.add(String(i));
    await settle();
    expect(queue.inFlight).toBe(3);
    expect(queue.depth).toBe(17);
    while (done.length < 20) {
      await vi.advanceTimersByTimeAsync(5);
      expect(active).toBeLessThanOrEqual(3);
    }
    expect(maxActive).toBe(3);
    expect(new Set(done).size).toBe(20);
  });

  it("retries with per-key exponential backoff from 750 ms, capped at 15 min, reset by forget", async () => {
    const queue = new WorkQueue({ name: "t" });
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) delays.push(queue.addRateLimited("k"));
    expect(delays).toEqual([
      750, 1500, 3000, 6000, 12_000, 24_000, 48_000, 96_000, 192_000, 384_000, 768_000, 900_000, 900_000, 900_000,
    ]);
    expect(queue.numRequeues("k")).toBe(14);
    expect(queue.numRequeues("other")).toBe(0);
    queue.forget("k");
    expect(queue.numRequeues("k")).toBe(0);
    expect(queue.addRateLimited("k")).toBe(750);
  });

  it("honours configured backoff bounds", () => {
    const backoff = new ExponentialBackoff({ min: 100, max: 350 });
    expect([backoff.next("a"), backoff.next("a"), backoff.next("a"), backoff.next("b")]).toEqual([100, 200, 350, 100]);
    expect(() => new ExponentialBackoff({ min: 0, max: 1 })).toThrow(RangeError);
    expect(() => new ExponentialBackoff({ min: 10, max: 1 })).toThrow(RangeError);
  });

  it("runs a rate-limited key only once its delay has passed", async () => {
    const queue = new WorkQueue({ name: "t" });
    const runs: number[] = [];
    queue.start(async () => {
      runs.push(Date.now());
    });
    const start = Date.now();
    queue.addRateLimited("k");
    await vi.advanceTimersByTimeAsync(749);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([start + 750]);
    queue.addRateLimited("k");
    await vi.advanceTimersByTimeAsync(1499);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(2);
  });

  it("addAfter keeps the earliest pending request and add cancels the wait", async () => {
    const queue = new WorkQueue({ name: "t" });
    const runs: string[] = [];
    queue.start(async (key) => {
      runs.push(`${key}@${Date.now()}`);
    });
    const t0 = Date.now();
    queue.addAfter("k", 1000);
    queue.addAfter("k", 5000);
    queue.addAfter("k", 500);
    await vi.advanceTimersByTimeAsync(6000);
    expect(runs).toEqual([`k@${t0 + 500}`]);
    queue.addAfter("j", 1000);
    expect(queue.hasDelayed("j")).toBe(true);
    queue.add("j");
    expect(queue.hasDelayed("j")).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toEqual([`k@${t0 + 500}`, `j@${t0 + 6000}`]);
  });

  it("keeps working after a handler throws", async () => {
    const queue = new WorkQueue({ name: "t" });
    const runs: string[] = [];
    queue.start(async (key) => {
      runs.push(key);
      if (key === "bad") throw new Error("boom");
    });
    queue.add("bad");
    queue.add("good");
    await queue.whenIdle();
    expect(runs).toEqual(["bad", "good"]);
  });

  it("shutdown drops waiting work, ignores new adds and waits for running keys", async () => {
    const queue = new WorkQueue({ name: "t", concurrency: 1 });
    const gate = deferred();
    const runs: string[] = [];
    queue.start(async (key) => {
      runs.push(key);
      await gate.promise;
    });
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 100);
    await settle();
    const shutdown = queue.shutdown(10_000);
    queue.add("d");
    await vi.advanceTimersByTimeAsync(1000);
    gate.resolve();
    await expect(shutdown).resolves.toEqual({ drained: true, abandoned: [] });
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual(["a"]);
    expect(queue.isShuttingDown).toBe(true);
  });

  it("shutdown gives up at the deadline and aborts the running handlers' signal", async () => {
    const queue = new WorkQueue({ name: "t", concurrency: 2 });
    let signal: AbortSignal | undefined;
    queue.start(async (_key, s) => {
      signal = s;
      await new Promise<void>((resolve) => s.addEventListener("abort", () => resolve()));
    });
    queue.add("stuck");
    await settle();
    const shutdown = queue.shutdown(2000);
    await vi.advanceTimersByTimeAsync(1999);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(shutdown).resolves.toEqual({ drained: false, abandoned: ["stuck"] });
    expect(signal?.aborted).toBe(true);
  });

  it("reports adds, depth, latency, work duration and retries to its metrics hooks", async () => {
    const seen = { added: 0, retried: 0, depths: [] as number[], latencies: [] as number[], durations: [] as number[] };
    const queue = new WorkQueue({
      name: "t",
      metrics: {
        added: () => seen.added++,
        retried: () => seen.retried++,
        depth: (d) => seen.depths.push(d),
        queueLatency: (s) => seen.latencies.push(s),
        workDuration: (s) => seen.durations.push(s),
      },
    });
    queue.add("a");
    queue.add("a");
    queue.add("b");
    await vi.advanceTimersByTimeAsync(2000);
    queue.start(async () => {
      await new Promise((r) => setTimeout(r, 500));
    });
    await vi.advanceTimersByTimeAsync(1000);
    await queue.whenIdle();
    queue.addRateLimited("a");
    expect(seen.added).toBe(2);
    expect(seen.retried).toBe(1);
    expect(seen.depths).toEqual([1, 2, 1, 0]);
    expect(seen.latencies).toEqual([2, 2.5]);
    expect(seen.durations).toEqual([0.5, 0.5]);
  });
});
