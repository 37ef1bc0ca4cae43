// The Receiver reconciler (Flux's ReceiverReconciler): it validates the spec and publishes the webhook path,
// through the runtime's reconcile skeleton with Ready set directly (`readySetDirectly`).
//
// Steps and what they set:
// - deleted → the finalizer is removed;
// - no finalizer → `finalizers.fluxcd.io` is added;
// - `spec.suspend` → nothing else happens;
// - a type this build can't verify, or a resourceFilter/filter that does not compile → Ready=False and
//   Stalled=True with reason ValidationFailed or InvalidCELExpression and the message
//   `Reconciliation failed terminally due to configuration error: …` (no retry until the spec changes);
// - Reconciling=True (Progressing, "Reconciliation in progress"), then the token is read from
//   `spec.secretRef` → missing: Ready=False TokenNotFound, `status.webhookPath` cleared, retried with backoff
//   (a Warning event with reason Failed, as Flux's);
// - Ready=True Succeeded `Receiver initialized for path: /hook/<sha256(token+name+namespace)>`, the path in
//   `status.webhookPath`, requeued after `spec.interval` (event `Reconciliation finished, next run in …`).

import {
  ConditionType,
  RECEIVER_API_VERSION,
  Reason,
  type Receiver,
  ReceiverReason,
  receiverIntervalMs,
  receiverWebhookPath,
} from "@sluice/api";
import { deleteCondition, isReady, markReconciling, markTrue } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage, GenericReconcileError, StallingError } from "@sluice/runtime/errors";
import type { EventInput, EventRecorder } from "@sluice/runtime/events";
import type { KubeClient } from "@sluice/runtime/kube";
import { type ReconcileRun, readySetDirectly, StepReconciler, step } from "@sluice/runtime/reconcile";
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

/** Reasons of the Receiver's configuration errors (stalling; their events keep the reason). */
const TERMINAL_REASONS: readonly string[] = [ReceiverReason.ValidationFailed, ReceiverReason.InvalidCELExpression];

/** A spec problem no retry fixes, with Flux's terminal message. */
function configurationError(reason: string, message: string): StallingError {
  return new StallingError(reason, `Reconciliation failed terminally due to configuration error: ${message}`);
}

function validate(receiver: Receiver): void {
  const type = receiver.spec.type;
  if (!(VERIFIED_RECEIVER_TYPES as readonly string[]).includes(type)) {
    throw configurationError(ReceiverReason.ValidationFailed, `receiver type "${type}" is not supported by this build`);
  }
  if (!receiver.spec.secretRef) {
    throw configurationError(ReceiverReason.ValidationFailed, "secretRef is required when type is not generic-oidc");
  }
  const filter = receiver.spec.resourceFilter;
  if (filter) {
    try {
      compileFilter(filter);
    } catch (err: unknown) {
      throw configurationError(
        ReceiverReason.InvalidCELExpression,
        `invalid resourceFilter expression: ${errorMessage(err)}`,
      );
    }
  }
  receiver.spec.resources.forEach((res, i) => {
    if (!res.filter) return;
    try {
      compileFilter(res.filter);
    } catch (err: unknown) {
      throw configurationError(
        ReceiverReason.InvalidCELExpression,
        `invalid filter expression for resources[${i}] (kind="${res.kind}", name="${res.name}"): ${errorMessage(err)}`,
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
  readonly #client: KubeClient;
  readonly #skeleton: StepReconciler<Receiver>;

  constructor(options: ReceiverReconcilerOptions) {
    this.#client = options.client;
    this.#skeleton = new StepReconciler<Receiver>({
      apiVersion: RECEIVER_API_VERSION,
      kind: "Receiver",
      client: options.client,
      fieldManager: NOTIFICATION_CONTROLLER_NAME,
      ownedConditions: [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled],
      events: options.events,
      steps: [step("validate", validateStep), step("reconcileToken", (run) => this.#reconcileToken(run))],
      summarize: readySetDirectly,
      interval: (obj) => receiverIntervalMs(obj.spec),
      afterPatch: (run) => {
        if (!isReady(run.obj)) return;
        const msg = `Reconciliation finished, next run in ${goDuration(receiverIntervalMs(run.obj.spec))}`;
        run.log.info(msg);
        run.event("info", Reason.Succeeded, msg);
      },
      decorateEvent: (_run, event) => failedReason(event),
    });
  }

  reconcile(obj: Receiver, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  /** Reads the token (TokenNotFound, retried) and publishes the webhook path (Ready=True). */
  async #reconcileToken(run: ReconcileRun<Receiver, undefined>): Promise<void> {
    const { obj, log } = run;
    markReconciling(obj, Reason.Progressing, "Reconciliation in progress");
    const ns = obj.metadata.namespace ?? "";
    const secretName = obj.spec.secretRef?.name ?? "";
    const tokenNotFound = (message: string, cause?: unknown): GenericReconcileError => {
      if (obj.status) delete obj.status.webhookPath;
      return new GenericReconcileError(ReceiverReason.TokenNotFound, message, cause ? { cause } : {});
    };
    let data: Record<string, string>;
    try {
      data = await readSecretData(this.#client, ns, secretName);
    } catch (err: unknown) {
      throw tokenNotFound(`unable to read token from secret '${ns}/${secretName}' error: ${errorMessage(err)}`, err);
    }
    const token = data["token"];
    if (token === undefined) throw tokenNotFound(`invalid '${ns}/${secretName}' secret data: required fields 'token'`);
    const path = receiverWebhookPath(token, obj.metadata.name ?? "", ns);
    const msg = `Receiver initialized for path: ${path}`;
    markTrue(obj, ConditionType.Ready, Reason.Succeeded, msg);
    if (obj.status?.webhookPath !== path) {
      obj.status = { ...(obj.status ?? {}), webhookPath: path };
      log.info(msg);
    }
  }
}

/** The spec checks (a configuration error stalls); a valid spec clears a previous Stalled. */
function validateStep(run: ReconcileRun<Receiver, undefined>): void {
  try {
    validate(run.obj);
  } catch (err: unknown) {
    if (err instanceof StallingError) {
      deleteCondition(run.obj, ConditionType.Reconciling);
      run.log.error({ error: err.message }, "Reconciliation failed terminally due to configuration error");
    }
    throw err;
  }
  deleteCondition(run.obj, ConditionType.Stalled);
}

/** Flux's Receiver reports a failed run as a Warning with reason Failed (configuration errors keep theirs). */
function failedReason(event: EventInput): EventInput {
  if (event.severity !== "error" || TERMINAL_REASONS.includes(event.reason)) return event;
  return { ...event, reason: Reason.Failed };
}
