// The one interface every provider implements (Flux's notifier.Interface): post one event, resolve when the
// receiving service accepted it, throw with a message that names the service and never a credential.

import type { FluxEvent } from "@sluice/runtime/events";

/** Sends events to one destination (a chat webhook, a Git host's commit status API, …). */
export interface Notifier {
  /** Delivers `event`; rejects with a {@link NotifierError} (or an abort) when it was not accepted. */
  post(event: FluxEvent, signal: AbortSignal): Promise<void>;
}

/** TLS settings of a provider connection (`certSecretRef`: `ca.crt`, optional `tls.crt`/`tls.key`). */
export interface NotifierTls {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

/** Everything a provider may be configured with (Flux's notifierOptions), resolved from the Provider and its secrets. */
export interface NotifierOptions {
  /** `spec.address`, or the secret's `address`. */
  url: string;
  /** `spec.proxy` or `proxySecretRef`'s address (with credentials). */
  proxyUrl?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  channel?: string | undefined;
  /** The secret's `token`. */
  token?: string | undefined;
  /** The secret's `headers` (YAML map), sent with every request of webhook-style providers. */
  headers?: Record<string, string> | undefined;
  tls?: NotifierTls | undefined;
  /** The commit status id (commit-status providers only). */
  commitStatus?: string | undefined;
  providerUid?: string | undefined;
  providerName?: string | undefined;
  providerNamespace?: string | undefined;
  /** Every key of the provider's secret (for providers reading extra keys). */
  secretData?: Readonly<Record<string, string>> | undefined;
}

/** A provider could not be built or a delivery failed; the message is safe to log and to put in events. */
export class NotifierError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "NotifierError";
  }
}

/** Builds a provider from its options; throws {@link NotifierError} when they are unusable. */
export type NotifierConstructor = (options: NotifierOptions) => Notifier;
