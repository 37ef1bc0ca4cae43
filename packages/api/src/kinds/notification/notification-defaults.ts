import { parseDuration } from "../../meta/duration.js";
import { DEFAULT_OIDC_AUDIENCE, PROVIDER_DEFAULT_TIMEOUT, RECEIVER_DEFAULT_INTERVAL } from "./constants.js";
import type { ProviderSpec } from "./provider.js";
import type { OidcProvider, ReceiverSpec } from "./receiver.js";

// The defaults notification-controller applies in code when a field is unset.

/** Timeout for sending to a Provider: `spec.timeout`, 15s if unset. */
export function providerTimeoutMs(spec: Pick<ProviderSpec, "timeout">): number {
  return parseDuration(spec.timeout ?? PROVIDER_DEFAULT_TIMEOUT);
}

/** Reconcile interval of a Receiver: `spec.interval`, 10m if unset. */
export function receiverIntervalMs(spec: Pick<ReceiverSpec, "interval">): number {
  return parseDuration(spec.interval ?? RECEIVER_DEFAULT_INTERVAL);
}

/** Audience expected in tokens from an OIDC provider: its `audience`, else `notification-controller`. */
export function oidcAudience(provider: Pick<OidcProvider, "audience">): string {
  return provider.audience || DEFAULT_OIDC_AUDIENCE;
}
