// Request metrics of the event and webhook servers with the names Flux exports through go-http-metrics
// (`gotk_event_…`, `gotk_receiver_…`): request duration by handler, method and code, requests in flight,
// and response sizes.

import { Gauge, Histogram, type Registry } from "prom-client";

/** Records requests of one server under a metric name prefix. */
export class HttpMetrics {
  private readonly duration: Histogram<"handler" | "method" | "code" | "service">;
  private readonly size: Histogram<"handler" | "method" | "code" | "service">;
  private readonly inflight: Gauge<"handler" | "service">;

  /** Registers `<prefix>_http_request_duration_seconds`, `…_response_size_bytes` and `…_requests_inflight`. */
  constructor(registry: Registry, prefix: string) {
    const registers = [registry];
    this.duration = new Histogram({
      name: `${prefix}_http_request_duration_seconds`,
      help: "The latency of the HTTP requests.",
      labelNames: ["handler", "method", "code", "service"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.size = new Histogram({
      name: `${prefix}_http_response_size_bytes`,
      help: "The size of the HTTP responses.",
      labelNames: ["handler", "method", "code", "service"],
      buckets: [100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000],
      registers,
    });
    this.inflight = new Gauge({
      name: `${prefix}_http_requests_inflight`,
      help: "The number of inflight requests being handled at the same time.",
      labelNames: ["handler", "service"],
      registers,
    });
  }

  /** Marks a request started; call the returned function with the status and response size when it ends. */
  start(handler: string, method: string): (code: number, bytes: number) => void {
    const labels = { handler, service: "" };
    this.inflight.inc(labels);
    const end = this.duration.startTimer({ handler, method, service: "" });
    let done = false;
    return (code, bytes) => {
      if (done) return;
      done = true;
      this.inflight.dec(labels);
      end({ code: String(code) });
      this.size.observe({ handler, method, service: "", code: String(code) }, bytes);
    };
  }
}
