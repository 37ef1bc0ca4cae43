// The event server (`--events-addr`, POST /): every controller's events come in here (Flux's EventServer).
// A body is read up to 3 MiB (413), decoded and checked (400 with the reason), its metadata cleaned, and
// de-duplicated per `--rate-limit-interval` (429); then the matching Alerts' Providers are sent the event
// and the server answers 202.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Alert } from "@sluice/api";
import type { FluxEvent, InvolvedObject } from "@sluice/runtime/events";
import type { Logger } from "@sluice/runtime/logging";
import { type AlertMatchingContext, alertsForEvent } from "../event/alert-matching.js";
import type { DeliveryMetrics } from "../event/delivery-metrics.js";
import type { Dispatcher } from "../event/dispatcher.js";
import { DuplicateLimiter, eventKey } from "../event/duplicate-limiter.js";
import { InvalidEventError, parseEvent } from "../event/event-body.js";
import { cleanupMetadata, excludeInternalMetadata } from "../event/metadata.js";
import { BodyTooLargeError, readBody, SERVER_LIMITS } from "../http/body-limit.js";
import type { HttpMetrics } from "../http/http-metrics.js";
import { close, listen } from "../http/listen.js";

/** Options of {@link EventServer}. */
export interface EventServerOptions {
  /** Every Alert (from the informer cache). */
  listAlerts(): readonly Alert[];
  /** Labels of an event's object, for `matchLabels` sources. */
  objectLabels: AlertMatchingContext["objectLabels"];
  /** Records a Warning event on an Alert. */
  warn: AlertMatchingContext["warn"];
  dispatcher: Dispatcher;
  /** `--rate-limit-interval` in ms (0 disables de-duplication). */
  rateLimitIntervalMs: number;
  httpMetrics?: HttpMetrics | undefined;
  deliveryMetrics?: DeliveryMetrics | undefined;
  /** Resolves once the informer cache has synced (requests wait for it). */
  whenSynced?: (() => Promise<void>) | undefined;
  logger: Logger;
}

function objectLogRef(o: InvolvedObject): Record<string, string | undefined> {
  return { kind: o.kind, namespace: o.namespace, name: o.name, apiVersion: o.apiVersion };
}

/** Serves POST / on the events address. */
export class EventServer {
  private readonly server: Server;
  private readonly limiter: DuplicateLimiter;

  constructor(private readonly options: EventServerOptions) {
    this.limiter = new DuplicateLimiter(options.rateLimitIntervalMs);
    this.server = createServer(SERVER_LIMITS, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        options.logger.error({ error: err instanceof Error ? err.message : String(err) }, "event handling failed");
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  /** Binds `addr`; resolves with the bound address. */
  listen(addr: string): Promise<AddressInfo> {
    return listen(this.server, addr);
  }

  /** Stops the server (open requests get 5 s). */
  close(): Promise<void> {
    return close(this.server);
  }

  private syncedOnce: Promise<void> | undefined;

  private synced(): Promise<void> {
    this.syncedOnce ??= this.options.whenSynced?.() ?? Promise.resolve();
    return this.syncedOnce;
  }

  private reply(res: ServerResponse, status: number, done: (code: number, bytes: number) => void, text = ""): void {
    const headers: Record<string, string> = text ? { "content-type": "text/plain; charset=utf-8" } : {};
    res.writeHead(status, headers).end(text);
    done(status, Buffer.byteLength(text));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const done = this.options.httpMetrics?.start("/", req.method ?? "") ?? (() => undefined);
    const log = this.options.logger;
    if (req.method !== "POST") {
      req.resume();
      res.setHeader("allow", "POST");
      return this.reply(res, 405, done, "only POST is supported\n");
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err: unknown) {
      if (err instanceof BodyTooLargeError) {
        log.error({ error: err.message }, "reading the request body failed");
        this.options.deliveryMetrics?.event("too_large");
        return this.reply(res, 413, done, `${err.message}\n`);
      }
      return this.reply(res, 400, done, "reading the request body failed\n");
    }
    let event: FluxEvent;
    try {
      event = parseEvent(body);
    } catch (err: unknown) {
      const message = err instanceof InvalidEventError ? err.message : "invalid event";
      log.error({ error: message }, "decoding the request body failed");
      this.options.deliveryMetrics?.event("invalid");
      return this.reply(res, 400, done, `${message}\n`);
    }
    cleanupMetadata(event);
    await this.synced();
    const eventLog = log.child({ eventInvolvedObject: objectLogRef(event.involvedObject) });
    const key = eventKey(event);
    if (!this.limiter.admit(key)) {
      eventLog.debug("Discarding event, rate limiting duplicate events");
      this.options.deliveryMetrics?.event("duplicate");
      res.setHeader("retry-after", String(Math.ceil(this.limiter.retryAfterMs(key) / 1000)));
      return this.reply(res, 429, done, "Too Many Requests\n");
    }
    this.options.deliveryMetrics?.event("accepted");
    excludeInternalMetadata(event);
    const alerts = await alertsForEvent(event, this.options.listAlerts(), {
      objectLabels: this.options.objectLabels,
      warn: this.options.warn,
    });
    if (alerts.length === 0) {
      eventLog.info("discarding event, no alerts found for the involved object");
      return this.reply(res, 202, done);
    }
    eventLog.info({ message: event.message }, "dispatching event");
    await this.options.dispatcher.dispatch(event, alerts, eventLog);
    return this.reply(res, 202, done);
  }
}
