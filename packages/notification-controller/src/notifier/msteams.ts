// `msteams`: an Adaptive Card (Teams workflows / Power Automate webhooks), or the legacy MessageCard for
// the retired Office 365 connector hosts (`*.webhook.office.com`).

import type { FluxEvent } from "@sluice/runtime/events";
import { metadataEntries, objectTitle, requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

/** The Adaptive Card schema version Teams renders. */
export const ADAPTIVE_CARD_VERSION = "1.4";

/** The legacy connector's MessageCard. */
export function messageCard(event: FluxEvent): Record<string, unknown> {
  const title = objectTitle(event);
  return {
    "@type": "MessageCard",
    "@context": "http://schema.org/extensions",
    themeColor: event.severity === "error" ? "FF0000" : "0076D7",
    summary: title,
    sections: [
      {
        activityTitle: event.message,
        activitySubtitle: title,
        facts: metadataEntries(event).map(([name, value]) => ({ name, value })),
      },
    ],
  };
}

/** The Adaptive Card message: title, message (red for errors), then facts with `summary` first. */
export function adaptiveCard(event: FluxEvent): Record<string, unknown> {
  const entries = metadataEntries(event);
  const summary = entries.filter(([k]) => k === "summary");
  const rest = entries.filter(([k]) => k !== "summary");
  const facts = [...summary, ...rest].map(([title, value]) => ({ title, value }));
  const message: Record<string, unknown> = { type: "TextBlock", text: event.message, wrap: true };
  if (event.severity === "error") message["color"] = "attention";
  const factSet: Record<string, unknown> = { type: "FactSet" };
  if (facts.length > 0) factSet["facts"] = facts;
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: ADAPTIVE_CARD_VERSION,
          body: [
            {
              type: "Container",
              items: [
                { type: "TextBlock", text: objectTitle(event), size: "large", weight: "bolder", wrap: true },
                message,
                factSet,
              ],
            },
          ],
          msteams: { width: "Full" },
        },
      },
    ],
  };
}

/** `msteams`: posts to the webhook `address`. */
export const msteamsNotifier: NotifierConstructor = (options) => {
  const url = requireUrl(options.url, "invalid MS Teams webhook URL");
  const legacy = url.hostname.endsWith(".webhook.office.com");
  return {
    async post(event, signal) {
      const payload = legacy ? messageCard(event) : adaptiveCard(event);
      await postMessage(options.url, payload, { tls: options.tls, proxyUrl: options.proxyUrl, signal });
    },
  };
};
