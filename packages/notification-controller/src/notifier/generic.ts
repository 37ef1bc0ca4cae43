// `generic` and `generic-hmac`: the event JSON as it is, with `Gotk-Component: <controller>`, the secret's
// headers and, for generic-hmac, `X-Signature: sha256=<hex HMAC-SHA256(body, token)>`.

import { createHmac } from "node:crypto";
import { eventJson, requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError, type NotifierOptions } from "./notifier.js";

/** Header naming the controller that emitted a forwarded event. */
export const NOTIFICATION_HEADER = "gotk-component";

function forwarder(options: NotifierOptions, hmacKey: string | undefined) {
  requireUrl(options.url, "invalid hook URL");
  if (hmacKey !== undefined && hmacKey === "") throw new NotifierError("HMAC key is empty");
  return {
    async post(event: Parameters<ReturnType<NotifierConstructor>["post"]>[0], signal: AbortSignal): Promise<void> {
      const body = eventJson(event);
      const headers: Record<string, string> = { [NOTIFICATION_HEADER]: event.reportingController };
      for (const [k, v] of Object.entries(options.headers ?? {})) headers[k] = v;
      if (hmacKey) headers["x-signature"] = `sha256=${createHmac("sha256", hmacKey).update(body).digest("hex")}`;
      await postMessage(options.url, body, {
        contentType: "application/json",
        headers,
        tls: options.tls,
        proxyUrl: options.proxyUrl,
        signal,
      });
    },
  };
}

/** `generic`: forwards the event JSON. */
export const genericNotifier: NotifierConstructor = (options) => forwarder(options, undefined);

/** `generic-hmac`: forwards the event JSON signed with the secret's token. */
export const genericHmacNotifier: NotifierConstructor = (options) => forwarder(options, options.token ?? "");
