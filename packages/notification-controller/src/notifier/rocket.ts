// `rocket`: Rocket.Chat incoming webhooks take Slack-style attachments (blue/red colours).

import { requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";
import { type SlackPayload, slackAttachment } from "./slack.js";

/** `rocket`: posts to `address` with `channel` and `username`. */
export const rocketNotifier: NotifierConstructor = (options) => {
  requireUrl(options.url, "invalid Rocket hook URL");
  return {
    async post(event, signal) {
      const attachment = slackAttachment(event, { info: "#0076D7", error: "#FF0000" });
      const payload: SlackPayload = {
        channel: options.channel ?? "",
        username: options.username ?? "",
        icon_url: "",
        icon_emoji: "",
        attachments: [{ ...attachment, fallback: "" }],
      };
      await postMessage(options.url, payload, { tls: options.tls, proxyUrl: options.proxyUrl, signal });
    },
  };
};
