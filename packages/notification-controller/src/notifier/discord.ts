// `discord`: Slack-formatted messages to the webhook's `/slack` endpoint (Discord accepts Slack payloads there).

import { requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";
import { type SlackPayload, slackAttachment } from "./slack.js";

/** `discord`: `address` is the webhook URL; `/slack` is appended unless present. */
export const discordNotifier: NotifierConstructor = (options) => {
  const url = requireUrl(options.url, "invalid Discord hook URL");
  if (!options.url.endsWith("/slack")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/slack`;
  const hook = url.toString();
  return {
    async post(event, signal) {
      const attachment = slackAttachment(event);
      const payload: SlackPayload = {
        channel: "",
        username: options.username || event.reportingController,
        icon_url: "",
        icon_emoji: "",
        attachments: [{ ...attachment, fallback: "" }],
      };
      await postMessage(hook, payload, { proxyUrl: options.proxyUrl, signal });
    },
  };
};
