import { bench, describe } from "vitest";
import { WorkQueue } from "../src/queue/work-queue.js";

// Throughput of the keyed work queue: many adds over fewer keys (de-duplication) with 4 workers, the shape
// of an informer resync storm.
async function storm(adds: number, keys: number, workers: number): Promise<void> {
  const queue = new WorkQueue({ name: "bench", concurrency: workers });
  let handled = 0;
  queue.start(async () => {
    handled += 1;
  });
  for (let i = 0; i < adds; i++) queue.add(`ns/obj-${i % keys}`);
  await queue.whenIdle();
  await queue.shutdown(1000);
  if (handled === 0) throw new Error("no key was handled");
}

describe("work queue", () => {
  bench("200k adds over 50k keys, 4 workers", () => storm(200_000, 50_000, 4), { iterations: 5 });
  bench("10k distinct keys, 1 worker", () => storm(10_000, 10_000, 1), { iterations: 10 });
});
