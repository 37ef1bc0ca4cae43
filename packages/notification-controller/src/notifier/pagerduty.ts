// `pagerduty`: Events API v2. Errors trigger an alert keyed by the object's UID; other events resolve it,
// and info events are also sent as change events. Progressing events are skipped.

import type { FluxEvent } from "@sluice/runtime/events";
import { requireUrl } from "./event-text.js";
import { isProgressing, nameAndDescription } from "./git-helpers.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

function details(event: FluxEvent): Record<string, unknown> {
  // Go writes a nil metadata map as null.
  return { message: event.message, metadata: event.metadata ?? null };
}

/** The `/v2/enqueue` event of a Flux event. */
export function pagerDutyEvent(event: FluxEvent, routingKey: string): Record<string, unknown> {
  const { name, description } = nameAndDescription(event);
  const out: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: event.severity === "error" ? "trigger" : "resolve",
  };
  // go-pagerduty leaves an empty dedup_key out (PagerDuty then makes one up).
  if (event.involvedObject.uid) out["dedup_key"] = event.involvedObject.uid;
  if (event.severity === "error") {
    out["payload"] = {
      summary: `${description}: ${name}`,
      source: `Flux ${event.reportingController}`,
      severity: "error",
      timestamp: event.timestamp,
      component: event.involvedObject.name,
      group: event.involvedObject.kind,
      custom_details: details(event),
    };
  }
  return out;
}

/** The `/v2/change/enqueue` change event of an info event. */
export function pagerDutyChangeEvent(event: FluxEvent, routingKey: string): Record<string, unknown> {
  const { name, description } = nameAndDescription(event);
  return {
    routing_key: routingKey,
    payload: {
      summary: `${description}: ${name}`,
      source: `Flux ${event.reportingController}`,
      timestamp: event.timestamp,
      custom_details: details(event),
    },
  };
}

/** `pagerduty`: `address` is the Events API host, `channel` the routing (integration) key. */
export const pagerDutyNotifier: NotifierConstructor = (options) => {
  const url = requireUrl(options.url, "invalid PagerDuty endpoint URL");
  const endpoint = `${url.protocol}//${url.host}`;
  const routingKey = options.channel ?? "";
  return {
    async post(event, signal) {
      if (isProgressing(event)) return;
      const common = { tls: options.tls, proxyUrl: options.proxyUrl, signal };
      await postMessage(`${endpoint}/v2/enqueue`, pagerDutyEvent(event, routingKey), common);
      if (event.severity === "info") {
        await postMessage(`${endpoint}/v2/change/enqueue`, pagerDutyChangeEvent(event, routingKey), common);
      }
    },
  };
};
