// `slack`: an attachment per event (colour by severity, author `kind/name.namespace`, metadata as fields),
// to an incoming webhook, or to chat.postMessage with the token as bearer (where Slack answers 200 with
// `{"ok":false}` on errors).

import type { FluxEvent } from "@sluice/runtime/events";
import { metadataEntries, objectTitle, requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

/** The chat.postMessage endpoint: its answers are checked for `ok`. */
export const SLACK_POST_MESSAGE_URL = "https://slack.com/api/chat.postMessage";

/** A Slack (and Discord/Rocket.Chat compatible) message with attachments. */
export interface SlackPayload {
  channel: string;
  username: string;
  icon_url: string;
  icon_emoji: string;
  text?: string;
  attachments?: SlackAttachment[];
}

/** One attachment of a {@link SlackPayload}. */
export interface SlackAttachment {
  fallback: string;
  color: string;
  author_name: string;
  text: string;
  mrkdwn_in: string[];
  fields: Array<{ title: string; value: string; short: boolean }>;
}

/** The attachment of an event (`color` good/danger unless given). */
export function slackAttachment(event: FluxEvent, colors = { info: "good", error: "danger" }): SlackAttachment {
  const author = objectTitle(event);
  return {
    fallback: `${author}: ${event.message.split("\n")[0] ?? ""}`,
    color: event.severity === "error" ? colors.error : colors.info,
    author_name: author,
    text: event.message,
    mrkdwn_in: ["text"],
    fields: metadataEntries(event).map(([title, value]) => ({ title, value, short: false })),
  };
}

function validateSlackResponse(_status: number, body: string): void {
  let answer: { ok?: boolean; error?: string };
  try {
    answer = JSON.parse(body) as { ok?: boolean; error?: string };
  } catch {
    throw new Error("unable to unmarshal response body");
  }
  if (!answer.ok) throw new Error(`Slack responded with error: ${answer.error ?? "unknown"}`);
}

/** `slack`: posts to `address` with `channel`, `username` (default the reporting controller) and optional token. */
export const slackNotifier: NotifierConstructor = (options) => {
  requireUrl(options.url, "invalid Slack hook URL");
  return {
    async post(event, signal) {
      const payload: SlackPayload = {
        channel: options.channel ?? "",
        username: options.username || event.reportingController,
        icon_url: "",
        icon_emoji: "",
        attachments: [slackAttachment(event)],
      };
      await postMessage(options.url, payload, {
        headers: options.token ? { authorization: `Bearer ${options.token}` } : undefined,
        tls: options.tls,
        proxyUrl: options.proxyUrl,
        validate: options.url === SLACK_POST_MESSAGE_URL ? validateSlackResponse : undefined,
        signal,
      });
    },
  };
};
