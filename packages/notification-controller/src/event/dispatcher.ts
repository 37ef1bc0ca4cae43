// Sending an event to the Providers of its Alerts (Flux's dispatchNotification and getNotificationParams):
// per Alert, the cross-namespace rule, the Provider (suspended ones skipped), the commit-status filters, the
// merged metadata, the commit status id and the notifier; then each delivery runs on its own with the
// Provider's timeout, so a slow or failing provider never holds up another or the HTTP answer.

import type { Alert, Provider } from "@sluice/api";
import { providerTimeoutMs } from "@sluice/api";
import type { FluxEvent } from "@sluice/runtime/events";
import type { Logger } from "@sluice/runtime/logging";
import { createNotifier, type Notifier } from "../notifier/index.js";
import {
  isCommitStatusProvider,
  maskSecrets,
  resolveProvider,
  type SecretReader,
} from "../provider/provider-secrets.js";
import { refString } from "./alert-matching.js";
import { commitStatusFor, hasCommitKey, isCommitStatusUpdate } from "./commit-status.js";
import type { DeliveryMetrics } from "./delivery-metrics.js";
import { combineEventMetadata } from "./metadata.js";

/** Reason of the Warning recorded on an Alert when its notification can't be prepared or sent. */
export const DISPATCH_FAILED_REASON = "NotificationDispatchFailed";

/** What the dispatcher needs from the controller. */
export interface DispatcherOptions {
  /** The Provider named by an Alert (from the cache), or undefined. */
  getProvider(namespace: string, name: string): Provider | undefined;
  readSecret: SecretReader;
  /** Records a Warning event on an Alert (with annotations for metadata conflicts). */
  warn(alert: Alert, reason: string, message: string, annotations?: Record<string, string>): void;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  metrics?: DeliveryMetrics | undefined;
  logger: Logger;
  /** Builds a notifier (default: the provider table); tests pass their own. */
  createNotifier?: ((type: string, options: Parameters<typeof createNotifier>[1]) => Notifier) | undefined;
}

/** A prepared delivery, or why there is none. */
type Prepared =
  | {
      kind: "send";
      notifier: Notifier;
      notification: FluxEvent;
      secretValues: string[];
      timeoutMs: number;
      type: string;
    }
  | { kind: "skip"; why?: "commitStatus" | undefined; type?: string | undefined };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Dispatches events to Providers. {@link dispatch} resolves once every delivery has been prepared (errors
 * are reported on the Alert); the deliveries themselves run in the background and are tracked so
 * {@link drain} can wait for them on shutdown.
 */
export class Dispatcher {
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: DispatcherOptions) {}

  /** Deliveries still running. */
  get pending(): number {
    return this.inflight.size;
  }

  /** Resolves when every running delivery has ended (or after `timeoutMs`). */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.inflight]),
        new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))),
      ]);
    }
  }

  /** Prepares and starts the deliveries of `event` to each Alert's Provider. */
  async dispatch(event: FluxEvent, alerts: readonly Alert[], log: Logger): Promise<void> {
    const droppedCommitStatus: string[] = [];
    for (const alert of alerts) {
      const alertRef = `${alert.metadata.namespace}/${alert.metadata.name}`;
      let prepared: Prepared;
      try {
        prepared = await this.prepare(event, alert, log);
      } catch (err: unknown) {
        const message = `failed to dispatch notification for ${refString(event.involvedObject)}: ${errorText(err)}`;
        log.error(
          { alert: alertRef, provider: alert.spec.providerRef.name, error: errorText(err) },
          "failed to dispatch notification",
        );
        this.options.warn(alert, DISPATCH_FAILED_REASON, message);
        this.options.metrics?.delivery("unknown", "failure");
        continue;
      }
      if (prepared.kind === "skip") {
        if (prepared.why === "commitStatus") droppedCommitStatus.push(alertRef);
        this.options.metrics?.delivery(prepared.type ?? "unknown", "skipped");
        continue;
      }
      this.start(prepared, event, alert, log);
    }
    if (droppedCommitStatus.length > 0) {
      log.info(
        { alerts: droppedCommitStatus },
        "event dropped for commit status providers due to missing commit metadata key",
      );
    }
  }

  private async prepare(event: FluxEvent, alert: Alert, log: Logger): Promise<Prepared> {
    const alertNs = alert.metadata.namespace ?? "";
    if (this.options.noCrossNamespaceRefs && event.involvedObject.namespace !== alertNs) {
      throw new Error(
        `discarding event, access denied to cross-namespace sources: alert '${alertNs}/${alert.metadata.name}' can't process event from '${refString(event.involvedObject)}', cross-namespace references have been blocked`,
      );
    }
    const providerName = alert.spec.providerRef.name;
    const provider = this.options.getProvider(alertNs, providerName);
    if (!provider) {
      throw new Error(`failed to read provider: Provider.notification.toolkit.fluxcd.io "${providerName}" not found`);
    }
    const type = provider.spec.type;
    if (provider.spec.suspend) return { kind: "skip", type };
    const commitStatusType = isCommitStatusProvider(type);
    const generic = type === "generic" || type === "generic-hmac";
    if (!commitStatusType && !generic && isCommitStatusUpdate(event)) return { kind: "skip", type };
    if (commitStatusType && !hasCommitKey(event) && !isCommitStatusUpdate(event) && event.severity !== "error") {
      return { kind: "skip", why: "commitStatus", type };
    }
    const { metadata, conflicts } = combineEventMetadata(event, alert);
    if (alert.spec.summary) {
      log.info(
        "warning: specifying an alert summary with '.spec.summary' is deprecated, use '.spec.eventMetadata.summary' instead",
      );
    }
    const conflictKeys = Object.keys(conflicts).sort();
    if (conflictKeys.length > 0) {
      const msg =
        "metadata key conflicts detected (please refer to the Alert API docs and Flux RFC 0008 for more information)";
      log.info({ conflictingKeys: conflictKeys.map((key) => ({ key, sources: conflicts[key] })) }, `warning: ${msg}`);
      this.options.warn(
        alert,
        "MetadataAppendFailed",
        msg,
        Object.fromEntries(conflictKeys.map((k) => [k, (conflicts[k] ?? []).join(", ")])),
      );
    }
    const notification: FluxEvent = { ...event, involvedObject: { ...event.involvedObject } };
    if (Object.keys(metadata).length > 0) notification.metadata = metadata;
    const commitStatus = commitStatusFor(provider, notification, alert);
    const { options, secretValues } = await resolveProvider(provider, this.options.readSecret);
    if (commitStatus) options.commitStatus = commitStatus;
    let notifier: Notifier;
    try {
      notifier = (this.options.createNotifier ?? createNotifier)(type, options);
    } catch (err: unknown) {
      throw new Error(
        `failed to initialize notifier for provider '${provider.metadata.name}': ${maskSecrets(errorText(err), secretValues)}`,
      );
    }
    return { kind: "send", notifier, notification, secretValues, timeoutMs: providerTimeoutMs(provider.spec), type };
  }

  private start(prepared: Extract<Prepared, { kind: "send" }>, event: FluxEvent, alert: Alert, log: Logger): void {
    const started = performance.now();
    const signal = AbortSignal.timeout(prepared.timeoutMs);
    const delivery = prepared.notifier
      .post(prepared.notification, signal)
      .then(
        () => {
          this.options.metrics?.delivery(prepared.type, "success", (performance.now() - started) / 1000);
        },
        (err: unknown) => {
          const reason =
            signal.aborted && !(err instanceof Error && err.name === "NotifierError")
              ? `timed out after ${prepared.timeoutMs}ms`
              : errorText(err);
          const masked = maskSecrets(reason, prepared.secretValues);
          this.options.metrics?.delivery(prepared.type, "failure", (performance.now() - started) / 1000);
          log.error(
            {
              alert: `${alert.metadata.namespace}/${alert.metadata.name}`,
              provider: alert.spec.providerRef.name,
              error: masked,
            },
            "failed to send notification",
          );
          this.options.warn(
            alert,
            DISPATCH_FAILED_REASON,
            `failed to send notification for ${refString(event.involvedObject)}: ${masked}`,
          );
        },
      )
      .finally(() => {
        this.inflight.delete(delivery);
      });
    this.inflight.add(delivery);
  }
}
