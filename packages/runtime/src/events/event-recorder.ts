import { hostname } from "node:os";
import type { KubeClient } from "../kube/kube-client.js";
import { type ApiObject, describeRef } from "../kube/object-ref.js";
import { buildFluxEvent, eventMessage, eventMetadata } from "./flux-event.js";
import { type KubeEventOutcome, KubeEventWriter, type KubeEventWriterOptions } from "./kube-event-writer.js";
import { type EventInput, type EventLogger, eventTypeForSeverity, type FluxEvent } from "./types.js";
import { postFluxEvent, type WebhookOptions, type WebhookResult } from "./webhook-sender.js";

/** Settings of an {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** The controller name: `reportingController` of Flux events, `source.component` of Kubernetes Events. */
  reportingController: string;
  /** The controller's API group; bare metadata keys are prefixed with it (`kustomize.toolkit.fluxcd.io`). */
  group?: string;
  /** Writes Kubernetes Events through this client; without one, no Kubernetes Events are written. */
  client?: KubeClient;
  /** `--events-addr`: notification-controller's event endpoint. Empty or absent: nothing is POSTed. */
  eventsAddr?: string | undefined;
  /** `reportingInstance` (default: the hostname, i.e. the pod name). */
  reportingInstance?: string;
  /** Where delivery failures are reported (they are never thrown). */
  logger?: EventLogger;
  /** Retry and timeout settings of the POST. */
  webhook?: WebhookOptions;
  /** Correlation settings of Kubernetes Events. */
  kubeEvents?: Omit<KubeEventWriterOptions, "client" | "component" | "host" | "now">;
  now?: () => Date;
}

/** What became of one recorded event. */
export interface RecordOutcome {
  /** The Kubernetes Event write, or `skipped` without a client, or `failed`. */
  kubeEvent: KubeEventOutcome | "skipped" | "failed";
  /** The POST to notification-controller, or `skipped` (no address, trace severity, cluster-scoped object), or `failed`. */
  webhook: WebhookResult | "skipped" | "failed";
}

/**
 * Records events the way Flux controllers do: every event becomes a Kubernetes Event (Normal for info and
 * trace, Warning for error; identical events are counted, not repeated) and, when `--events-addr` is set,
 * a Flux event POSTed to notification-controller (not for trace events). Metadata keys are prefixed with
 * the controller's group and the object's `event.toolkit.fluxcd.io/*` annotations are added. Messages and
 * metadata pass through credential redaction. Delivery failures are logged, never thrown.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #instance: string;
  readonly #writer: KubeEventWriter | undefined;

  constructor(options: EventRecorderOptions) {
    if (options.eventsAddr) new URL(options.eventsAddr); // throws on a malformed --events-addr at startup
    this.#options = options;
    this.#instance = options.reportingInstance ?? hostname();
    this.#writer = options.client
      ? new KubeEventWriter({
          ...options.kubeEvents,
          client: options.client,
          component: options.reportingController,
          host: this.#instance,
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined;
  }

  /** Records one event about `obj`; resolves when both deliveries are done (callers may leave it running). */
  async event(obj: ApiObject, input: EventInput): Promise<RecordOutcome> {
    const [kubeEvent, webhook] = await Promise.all([this.#writeKubeEvent(obj, input), this.#post(obj, input)]);
    return { kubeEvent, webhook };
  }

  /** Shorthand for an `info` event. */
  info(obj: ApiObject, reason: string, message: string, metadata?: Record<string, string>): Promise<RecordOutcome> {
    return this.event(obj, { severity: "info", reason, message, ...(metadata ? { metadata } : {}) });
  }

  /** Shorthand for an `error` event (a Warning). */
  error(obj: ApiObject, reason: string, message: string, metadata?: Record<string, string>): Promise<RecordOutcome> {
    return this.event(obj, { severity: "error", reason, message, ...(metadata ? { metadata } : {}) });
  }

  /** Shorthand for a `trace` event (Kubernetes Event only). */
  trace(obj: ApiObject, reason: string, message: string, metadata?: Record<string, string>): Promise<RecordOutcome> {
    return this.event(obj, { severity: "trace", reason, message, ...(metadata ? { metadata } : {}) });
  }

  async #writeKubeEvent(obj: ApiObject, input: EventInput): Promise<RecordOutcome["kubeEvent"]> {
    if (!this.#writer) return "skipped";
    try {
      return await this.#writer.write(obj, {
        type: eventTypeForSeverity(input.severity),
        reason: input.reason,
        message: eventMessage(input.message),
        annotations: eventMetadata(obj, input, this.#options.group),
      });
    } catch (err: unknown) {
      this.#options.logger?.error(
        { err, object: safeRef(obj), reason: input.reason },
        "unable to write Kubernetes event",
      );
      return "failed";
    }
  }

  async #post(obj: ApiObject, input: EventInput): Promise<RecordOutcome["webhook"]> {
    const address = this.#options.eventsAddr;
    if (!address || input.severity === "trace") return "skipped";
    // notification-controller needs kind, name and namespace: cluster-scoped objects are not sent (as Flux).
    if (!obj.kind || !obj.metadata.name || !obj.metadata.namespace) return "skipped";
    const event: FluxEvent = buildFluxEvent(obj, input, {
      reportingController: this.#options.reportingController,
      reportingInstance: this.#instance,
      group: this.#options.group,
      now: this.#options.now?.() ?? new Date(),
    });
    try {
      return await postFluxEvent(address, event, this.#options.webhook);
    } catch (err: unknown) {
      this.#options.logger?.error({ err, object: safeRef(obj), reason: input.reason }, "unable to record event");
      return "failed";
    }
  }
}

function safeRef(obj: ApiObject): string {
  try {
    return describeRef(obj);
  } catch {
    return obj.kind;
  }
}
