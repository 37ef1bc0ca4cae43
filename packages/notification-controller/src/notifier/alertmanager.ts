// `alertmanager`: one firing alert per event on Alertmanager's `/api/v2/alerts`, the metadata as labels
// (`summary` as an annotation) plus alertname, severity, reason, kind, name, namespace and reportingcontroller.

import type { FluxEvent } from "@sluice/runtime/events";
import { requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

/** `FluxKustomizationReconciliationSucceeded`-style alert names (Go's cases.Title of the reason). */
function titleCase(text: string): string {
  return text.replace(/\p{L}[\p{L}\p{N}']*/gu, (w) => (w[0] ?? "").toUpperCase() + w.slice(1).toLowerCase());
}

/** The Alertmanager alert list of an event. */
export function alertmanagerAlerts(event: FluxEvent): unknown[] {
  const labels: Record<string, string> = { ...(event.metadata ?? {}) };
  const annotations: Record<string, string> = { message: event.message };
  if (labels["summary"] !== undefined) {
    annotations["summary"] = labels["summary"];
    delete labels["summary"];
  }
  const o = event.involvedObject;
  labels["alertname"] = `Flux${o.kind}${titleCase(event.reason)}`;
  labels["severity"] = event.severity;
  labels["reason"] = event.reason;
  labels["kind"] = o.kind;
  labels["name"] = o.name;
  labels["namespace"] = o.namespace ?? "";
  labels["reportingcontroller"] = event.reportingController;
  return [{ status: "firing", labels, annotations, startsAt: event.timestamp, endsAt: "0001-01-01T00:00:00Z" }];
}

/** `alertmanager`: token as bearer, or username/password as basic auth. */
export const alertmanagerNotifier: NotifierConstructor = (options) => {
  requireUrl(options.url, "invalid Alertmanager URL");
  return {
    async post(event, signal) {
      let authorization: string | undefined;
      if (options.token) authorization = `Bearer ${options.token}`;
      if (options.username && options.password) {
        authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
      }
      await postMessage(options.url, alertmanagerAlerts(event), {
        headers: { authorization },
        tls: options.tls,
        proxyUrl: options.proxyUrl,
        signal,
      });
    },
  };
};
