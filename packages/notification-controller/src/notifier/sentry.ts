// `sentry`: errors as Sentry error events, info as transactions, sent as an envelope to the DSN's project
// (`address` is the DSN, `channel` the environment). Written against Sentry's envelope protocol rather than
// loading the Sentry SDK (which would also instrument this process).

import { randomUUID } from "node:crypto";
import type { FluxEvent } from "@sluice/runtime/events";
import { metadataEntries } from "./event-text.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

/** The parts of a Sentry DSN (`https://<key>@<host>/<project>`). */
export interface SentryDsn {
  envelopeUrl: string;
  publicKey: string;
  dsn: string;
}

/** Parses a DSN or throws {@link NotifierError}. */
export function parseSentryDsn(dsn: string): SentryDsn {
  if (!dsn) throw new NotifierError("DSN cannot be empty");
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new NotifierError("invalid Sentry DSN: not a URL");
  }
  const project = url.pathname.split("/").filter(Boolean);
  const projectId = project.pop();
  if (!url.username || !projectId)
    throw new NotifierError("invalid Sentry DSN: expected https://<key>@<host>/<project>");
  const prefix = project.length > 0 ? `/${project.join("/")}` : "";
  return {
    envelopeUrl: `${url.protocol}//${url.host}${prefix}/api/${projectId}/envelope/`,
    publicKey: decodeURIComponent(url.username),
    dsn,
  };
}

const hex = (bytes: number) =>
  randomUUID()
    .replaceAll("-", "")
    .slice(0, bytes * 2);

/** The Sentry event (error) or transaction (info) of a Flux event. */
export function sentryEvent(event: FluxEvent, environment: string | undefined): Record<string, unknown> {
  const o = event.involvedObject;
  const transaction = `${o.kind}: ${o.namespace ?? ""}/${o.name}`;
  const ts = Date.parse(event.timestamp) / 1000;
  const base: Record<string, unknown> = { event_id: hex(16), platform: "other", timestamp: ts };
  if (environment) base["environment"] = environment;
  if (event.severity === "error") {
    return {
      ...base,
      level: "error",
      server_name: event.reportingController,
      transaction,
      message: event.message,
      contexts: { metadata: Object.fromEntries(metadataEntries(event)) },
    };
  }
  const traceId = hex(16);
  const spanId = hex(8);
  const tags: Record<string, string> = {
    flux_involved_object_kind: o.kind,
    flux_involved_object_namespace: o.namespace ?? "",
    flux_involved_object_name: o.name,
    flux_reporting_controller: event.reportingController,
    flux_reporting_instance: event.reportingInstance ?? "",
    flux_reason: event.reason,
    ...Object.fromEntries(metadataEntries(event)),
  };
  return {
    ...base,
    type: "transaction",
    transaction,
    message: event.message,
    start_timestamp: ts,
    tags,
    contexts: { trace: { trace_id: traceId, span_id: spanId, op: "event" } },
    spans: [
      {
        trace_id: traceId,
        span_id: hex(8),
        parent_span_id: spanId,
        op: "event",
        start_timestamp: ts,
        timestamp: ts,
        tags,
      },
    ],
  };
}

/** `sentry`: one envelope per event. */
export const sentryNotifier: NotifierConstructor = (options) => {
  const dsn = parseSentryDsn(options.url);
  return {
    async post(event, signal) {
      if (event.severity !== "error" && event.severity !== "info") return;
      const item = sentryEvent(event, options.channel);
      const payload = JSON.stringify(item);
      const envelope = [
        JSON.stringify({ event_id: item["event_id"], sent_at: new Date().toISOString(), dsn: dsn.dsn }),
        JSON.stringify({
          type: item["type"] === "transaction" ? "transaction" : "event",
          length: Buffer.byteLength(payload),
        }),
        payload,
      ].join("\n");
      await postMessage(dsn.envelopeUrl, envelope, {
        contentType: "application/x-sentry-envelope",
        headers: {
          "x-sentry-auth": `Sentry sentry_version=7, sentry_client=sluice-notification-controller/0.1, sentry_key=${dsn.publicKey}`,
        },
        tls: options.tls,
        signal,
      });
    },
  };
};
