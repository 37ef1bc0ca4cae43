// `grafana`: an annotation (Graphite-style: `when`, `text`, `tags`) on Grafana's annotations API.

import { metadataEntries, objectTitle, requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

/** `grafana`: `address` is `…/api/annotations/graphite`; token (bearer) or username/password (basic). */
export const grafanaNotifier: NotifierConstructor = (options) => {
  requireUrl(options.url, "invalid Grafana URL");
  return {
    async post(event, signal) {
      const tags = ["flux", event.reportingController];
      for (const [k, v] of metadataEntries(event)) tags.push(`${k.replaceAll(":", "|")}: ${v.replaceAll(":", "|")}`);
      const o = event.involvedObject;
      tags.push(`kind: ${o.kind}`, `name: ${o.name}`, `namespace: ${o.namespace ?? ""}`);
      const payload = { when: Math.floor(Date.parse(event.timestamp) / 1000), text: objectTitle(event), tags };
      let authorization: string | undefined;
      if (options.username && options.password && !options.token) {
        authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
      }
      if (options.token) authorization = `Bearer ${options.token}`;
      await postMessage(options.url, payload, {
        headers: { authorization },
        tls: options.tls,
        proxyUrl: options.proxyUrl,
        signal,
      });
    },
  };
};
