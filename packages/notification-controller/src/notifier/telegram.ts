// `telegram`: the Bot API's sendMessage with MarkdownV2 (`channel` is the chat id, `chat:thread` for a
// forum topic; the token comes from the secret).

import type { FluxEvent } from "@sluice/runtime/events";
import { metadataEntries } from "./event-text.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

/** The Bot API base. As Flux, `address` is ignored (its docs say so; old Providers may hold anything there). */
export const TELEGRAM_API = "https://api.telegram.org";

/** Escapes MarkdownV2's reserved characters. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[\\.\-_[\]()~>`#+=|{}!*]/g, (ch) => `\\${ch}`);
}

/** The MarkdownV2 text of an event. */
export function telegramText(event: FluxEvent): string {
  const o = event.involvedObject;
  const emoji = event.severity === "error" ? "🚨" : "💫";
  const heading = `${emoji} ${o.kind.toLowerCase()}/${o.name}/${o.namespace ?? ""}`;
  const metadata = metadataEntries(event)
    .map(([k, v]) => `\\- *${escapeMarkdownV2(k)}*: ${escapeMarkdownV2(v)}\n`)
    .join("");
  return `*${escapeMarkdownV2(heading)}*\n${escapeMarkdownV2(event.message)}\n${metadata}`;
}

/** `telegram`: needs `channel` and the secret's `token`. */
export const telegramNotifier: NotifierConstructor = (options) => {
  if (!options.channel) throw new NotifierError("empty Telegram channel");
  if (!options.token) throw new NotifierError("empty Telegram token");
  const url = `${TELEGRAM_API}/bot${options.token}/sendMessage`;
  const [chatId = "", thread] = options.channel.split(/:(.*)/s);
  return {
    async post(event, signal) {
      const payload: Record<string, string> = { chat_id: chatId };
      if (thread) payload["message_thread_id"] = thread;
      payload["text"] = telegramText(event);
      payload["parse_mode"] = "MarkdownV2";
      // certSecretRef's CA is honoured (Flux ignores it here): a TLS-intercepting proxy needs it.
      await postMessage(url, payload, { proxyUrl: options.proxyUrl, tls: options.tls, signal });
    },
  };
};
