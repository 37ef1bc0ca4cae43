// `matrix`: an m.text message PUT to the room (`channel`) on the homeserver (`address`), with the event's
// SHA-1 as transaction id so a retried send is not duplicated.

import { createHash } from "node:crypto";
import { eventJson, metadataEntries, requireUrl } from "./event-text.js";
import { postMessage } from "./http-post.js";
import type { NotifierConstructor } from "./notifier.js";

/** `matrix`: `address` is the homeserver, `channel` the room id, the token the access token. */
export const matrixNotifier: NotifierConstructor = (options) => {
  requireUrl(options.url, "invalid Matrix homeserver URL");
  return {
    async post(event, signal) {
      const txId = createHash("sha1").update(eventJson(event)).digest("hex");
      const url = `${options.url}/_matrix/client/r0/rooms/${options.channel ?? ""}/send/m.room.message/${txId}`;
      const o = event.involvedObject;
      const emoji = event.severity === "error" ? "🚨" : "💫";
      const metadata = metadataEntries(event)
        .map(([k, v]) => `- ${k}: ${v}\n`)
        .join("");
      const body = `${emoji} ${o.kind.toLowerCase()}/${o.name}.${o.namespace ?? ""}\n${event.message}\n${metadata}`;
      await postMessage(
        url,
        { body, msgtype: "m.text" },
        { method: "PUT", headers: { authorization: `Bearer ${options.token ?? ""}` }, tls: options.tls, signal },
      );
    },
  };
};
