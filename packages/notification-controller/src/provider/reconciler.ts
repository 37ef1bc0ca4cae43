// The Provider reconciler. As Flux, it keeps `finalizers.fluxcd.io` on Providers (added on creation,
// removed on deletion). v1beta3 Providers have no status, so in addition it checks each spec change the way
// a delivery would — the referenced Secrets exist, the address parses, the type's required settings are
// there — and reports a broken Provider as a Warning event `ValidationFailed` (`kubectl describe provider`,
// `sluice events`) and in the log, instead of only when the first event fails to send.

import { ALERT_API_VERSION, type Provider, ReceiverReason } from "@sluice/api";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import type { EventRecorder } from "@sluice/runtime/events";
import type { KubeClient } from "@sluice/runtime/kube";
import { type ReconcileRun, StepReconciler, step } from "@sluice/runtime/reconcile";
import { createNotifier } from "../notifier/index.js";
import { readSecretData } from "../secrets.js";
import { isCommitStatusProvider, maskSecrets, resolveProvider } from "./provider-secrets.js";

/** Options of {@link ProviderReconciler}. */
export interface ProviderReconcilerOptions {
  client: KubeClient;
  events: EventRecorder;
}

/**
 * Checks that a Provider can send: resolves its secrets and builds its notifier. Returns undefined when it
 * can, else the reason (secret values masked).
 */
export async function validateProvider(provider: Provider, client: KubeClient): Promise<string | undefined> {
  let secretValues: string[] = [];
  try {
    const resolved = await resolveProvider(provider, (ns, name) => readSecretData(client, ns, name));
    secretValues = resolved.secretValues;
    if (isCommitStatusProvider(provider.spec.type)) resolved.options.commitStatus = "validation";
    createNotifier(provider.spec.type, resolved.options);
    return undefined;
  } catch (err: unknown) {
    return maskSecrets(err instanceof Error ? err.message : String(err), secretValues);
  }
}

/**
 * Keeps the finalizer of Providers and reports unusable ones, through the runtime's reconcile skeleton as a
 * static kind (no status, no periodic run; deletion drops the finalizer; `spec.suspend` skips the check).
 */
export class ProviderReconciler implements Reconciler<Provider> {
  readonly #skeleton: StepReconciler<Provider>;

  constructor(options: ProviderReconcilerOptions) {
    const client = options.client;
    this.#skeleton = new StepReconciler<Provider>({
      apiVersion: ALERT_API_VERSION,
      kind: "Provider",
      client,
      fieldManager: "notification-controller",
      ownedConditions: [],
      events: options.events,
      statusless: true,
      steps: [step("validate", (run) => reportUnusable(run, client))],
      interval: () => 0,
    });
  }

  reconcile(obj: Provider, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }
}

/** A Provider that cannot send is reported as a Warning event `ValidationFailed` (and logged). */
async function reportUnusable(run: ReconcileRun<Provider, undefined>, client: KubeClient): Promise<void> {
  const problem = await validateProvider(run.obj, client);
  if (!problem) return;
  const message = `failed to initialize notifier for provider '${run.obj.metadata.name}': ${problem}`;
  run.log.error({ error: problem }, "provider is not usable");
  run.event("error", ReceiverReason.ValidationFailed, message);
}
