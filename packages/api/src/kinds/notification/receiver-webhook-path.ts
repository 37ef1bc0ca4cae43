import { createHash } from "node:crypto";
import { RECEIVER_WEBHOOK_PATH_PREFIX } from "./constants.js";

/**
 * The webhook path of a Receiver as notification-controller computes it:
 * `/hook/` + hex SHA-256 of token + name + namespace (the token is the `token` key of `spec.secretRef`).
 */
export function receiverWebhookPath(token: string, name: string, namespace: string): string {
  const digest = createHash("sha256")
    .update(token + name + namespace, "utf8")
    .digest("hex");
  return `${RECEIVER_WEBHOOK_PATH_PREFIX}${digest}`;
}
