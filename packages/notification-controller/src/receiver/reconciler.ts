// The Receiver reconciler (Flux's ReceiverReconciler): it validates the spec and publishes the webhook path.
//
// Steps and what they set:
// - deleted → the finalizer is removed;
// - no finalizer → `finalizers.fluxcd.io` is added;
// - `spec.suspend` → nothing else happens;
// - a type this build can't verify, or a resourceFilter/filter that does not compile → Ready=False and
//   Stalled=True with reason ValidationFailed or InvalidCELExpression and the message
//   `Reconciliation failed terminally due to configuration error: …` (no retry until the spec changes);
// - Reconciling=True (Progressing, "Reconciliation in progress"), then the token is read from
//   `spec.secretRef` → missing: Ready=False TokenNotFound, `status.webhookPath` cleared, retried with backoff;
// - Ready=True Succeeded `Receiver initialized for path: /hook/<sha256(token+name+namespace)>`, the path in
//   `status.webhookPath`, requeued after `spec.interval`.

import {
  ConditionType,
  FINALIZER,
  Reason,
  type Receiver,
  ReceiverReason,
  receiverIntervalMs,
  receiverWebhookPath,
} from "@sluice/api";
import {
  DONE,
  deleteCondition,
  type EventRecorder,
  getCondition,
  isReady,
  isTrue,
  type KubeClient,
  markFalse,
  markReconcileRequestHandled,
  markReconciling,
  markStalled,
  markTrue,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  requeueAfter,
  StatusPatcher,
  setCondition,
} from "@sluice/runtime";
import { readSecretData } from "../secrets.js";
import { compileFilter } from "./resource-filter.js";
import { VERIFIED_RECEIVER_TYPES } from "./verifiers.js";

/** Field manager and event source of notification-controller. */
export const NOTIFICATION_CONTROLLER_NAME = "notification-controller";

/** Formats milliseconds as Go's time.Duration.String() does for whole seconds (`10m0s`, `1h0m0s`). */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** A spec problem no retry fixes. */
class ConfigurationError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "ConfigurationError";
  }
}

function validate(receiver: Receiver): void {
  const type = receiver.spec.type;
  if (!(VERIFIED_RECEIVER_TYPES as readonly string[]).includes(type)) {
    throw new ConfigurationError(
      ReceiverReason.ValidationFailed,
      `receiver type "${type}" is not supported by this build`,
    );
  }
  if (!receiver.spec.secretRef) {
    throw new ConfigurationError(
      ReceiverReason.ValidationFailed,
      "secretRef is required when type is not generic-oidc",
    );
  }
  const filter = receiver.spec.resourceFilter;
  if (filter) {
    try {
      compileFilter(filter);
    } catch (err: unknown) {
      throw new ConfigurationError(
        ReceiverReason.InvalidCELExpression,
        `invalid resourceFilter expression: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  receiver.spec.resources.forEach((res, i) => {
    if (!res.filter) return;
    try {
      compileFilter(res.filter);
    } catch (err: unknown) {
      throw new ConfigurationError(
        ReceiverReason.InvalidCELExpression,
        `invalid filter expression for resources[${i}] (kind="${res.kind}", name="${res.name}"): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  });
}

/** Options of {@link ReceiverReconciler}. */
export interface ReceiverReconcilerOptions {
  client: KubeClient;
  events: EventRecorder;
}

/** Reconciles Receivers (see the file comment for conditions and reasons). */
export class ReceiverReconciler implements Reconciler<Receiver> {
  constructor(private readonly options: ReceiverReconcilerOptions) {}

  async reconcile(obj: Receiver, ctx: ReconcileContext): Promise<ReconcileResult> {
    const patcher = new StatusPatcher<Receiver>(this.options.client, obj, {
      fieldManager: NOTIFICATION_CONTROLLER_NAME,
      ownedConditions: [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled],
    });
    if (obj.metadata.deletionTimestamp) {
      obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      await patcher.patch(obj, { ignoreNotFound: true });
      return DONE;
    }
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) {
      obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), FINALIZER];
      await patcher.patch(obj);
    }
    if (obj.spec.suspend) {
      ctx.log.info("Reconciliation is suspended for this object");
      return DONE;
    }
    let error: unknown;
    let result: ReconcileResult = DONE;
    try {
      result = await this.reconcileSpec(obj, ctx);
    } catch (err: unknown) {
      error = err;
    } finally {
      markReconcileRequestHandled(obj);
      if (isTrue(obj, ConditionType.Ready)) deleteCondition(obj, ConditionType.Reconciling);
      const reconciling = getCondition(obj, ConditionType.Reconciling);
      if (!isReady(obj) && reconciling) setCondition(obj, { ...reconciling, reason: Reason.ProgressingWithRetry });
      await patcher.patch(obj, {
        observedGeneration: isTrue(obj, ConditionType.Ready) || isTrue(obj, ConditionType.Stalled),
      });
    }
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      void this.options.events.error(obj, Reason.Failed, message);
      throw error;
    }
    if (isReady(obj)) {
      const msg = `Reconciliation finished, next run in ${goDuration(receiverIntervalMs(obj.spec))}`;
      ctx.log.info(msg);
      void this.options.events.info(obj, Reason.Succeeded, msg);
    }
    return result;
  }

  private async reconcileSpec(obj: Receiver, ctx: ReconcileContext): Promise<ReconcileResult> {
    try {
      validate(obj);
    } catch (err: unknown) {
      if (!(err instanceof ConfigurationError)) throw err;
      const message = `Reconciliation failed terminally due to configuration error: ${err.message}`;
      markFalse(obj, ConditionType.Ready, err.reason, message);
      markStalled(obj, err.reason, message);
      deleteCondition(obj, ConditionType.Reconciling);
      ctx.log.error({ error: err.message }, "Reconciliation failed terminally due to configuration error");
      void this.options.events.error(obj, err.reason, message);
      return DONE;
    }
    deleteCondition(obj, ConditionType.Stalled);
    markReconciling(obj, Reason.Progressing, "Reconciliation in progress");
    const ns = obj.metadata.namespace ?? "";
    const secretName = obj.spec.secretRef?.name ?? "";
    let data: Record<string, string>;
    try {
      data = await readSecretData(this.options.client, ns, secretName);
    } catch (err: unknown) {
      const message = `unable to read token from secret '${ns}/${secretName}' error: ${err instanceof Error ? err.message : String(err)}`;
      markFalse(obj, ConditionType.Ready, ReceiverReason.TokenNotFound, message);
      if (obj.status) delete obj.status.webhookPath;
      throw new Error(message);
    }
    const token = data["token"];
    if (token === undefined) {
      const message = `invalid '${ns}/${secretName}' secret data: required fields 'token'`;
      markFalse(obj, ConditionType.Ready, ReceiverReason.TokenNotFound, message);
      if (obj.status) delete obj.status.webhookPath;
      throw new Error(message);
    }
    const path = receiverWebhookPath(token, obj.metadata.name ?? "", ns);
    const msg = `Receiver initialized for path: ${path}`;
    markTrue(obj, ConditionType.Ready, Reason.Succeeded, msg);
    if (obj.status?.webhookPath !== path) {
      obj.status = { ...(obj.status ?? {}), webhookPath: path };
      ctx.log.info(msg);
    }
    return requeueAfter(receiverIntervalMs(obj.spec));
  }
}
