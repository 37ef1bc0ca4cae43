// `googlechat`: a card with the object as header, the message (red for errors) and the metadata as key/values.

import { metadataEntries, objectTitle, requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

/** `googlechat`: posts to the space webhook `address`. */
export const googleChatNotifier: NotifierConstructor = (options) => {
  requireUrl(options.url, "invalid Google Chat hook URL");
  return {
    async post(event, signal) {
      const text = event.severity === "error" ? `<font color="#ff0000">${event.message}</font>` : event.message;
      const sections: unknown[] = [{ header: "", widgets: [{ textParagraph: { text }, keyValue: null }] }];
      const entries = metadataEntries(event);
      if (entries.length > 0) {
        sections.push({
          header: "",
          widgets: entries.map(([topLabel, content]) => ({
            textParagraph: null,
            keyValue: { topLabel, content, contentMultiline: false, bottomLabel: null, icon: null },
          })),
        });
      }
      const payload = {
        cards: [
          {
            header: {
              title: objectTitle(event),
              subtitle: event.reportingController,
              imageUrl: null,
              imageStyle: null,
            },
            sections,
          },
        ],
      };
      await postMessage(options.url, payload, { proxyUrl: options.proxyUrl, signal });
    },
  };
};
