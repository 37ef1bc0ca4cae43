// Delivery outcomes of the event server (Sluice's own series; Flux only counts HTTP requests): events
// accepted, and per provider type how each delivery ended and how long it took.

import { Counter, Histogram, type Registry } from "prom-client";

/** How one delivery to a provider ended. */
export type DeliveryResult = "success" | "failure" | "skipped";

/** Counters of the event pipeline. */
export class DeliveryMetrics {
  private readonly deliveries: Counter<"type" | "result">;
  private readonly duration: Histogram<"type">;
  private readonly events: Counter<"result">;

  /** Registers `notification_controller_deliveries_total`, `…_delivery_duration_seconds` and `…_events_total`. */
  constructor(registry: Registry) {
    const registers = [registry];
    this.deliveries = new Counter({
      name: "notification_controller_deliveries_total",
      help: "Notifications sent to providers, by provider type and result (success, failure, skipped).",
      labelNames: ["type", "result"],
      registers,
    });
    this.duration = new Histogram({
      name: "notification_controller_delivery_duration_seconds",
      help: "Time to deliver a notification to a provider (retries included).",
      labelNames: ["type"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.events = new Counter({
      name: "notification_controller_events_total",
      help: "Events received, by result (accepted, duplicate, invalid, too_large).",
      labelNames: ["result"],
      registers,
    });
  }

  /** Counts a received event. */
  event(result: "accepted" | "duplicate" | "invalid" | "too_large"): void {
    this.events.inc({ result });
  }

  /** Counts a finished delivery and its duration. */
  delivery(type: string, result: DeliveryResult, seconds?: number): void {
    this.deliveries.inc({ type, result });
    if (seconds !== undefined) this.duration.observe({ type }, seconds);
  }
}
