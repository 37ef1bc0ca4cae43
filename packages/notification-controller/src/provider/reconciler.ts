// The Provider reconciler. As Flux, it keeps `finalizers.fluxcd.io` on Providers (added on creation,
// removed on deletion). v1beta3 Providers have no status, so in addition it checks each spec change the way
// a delivery would — the referenced Secrets exist, the address parses, the type's required settings are
// there — and reports a broken Provider as a Warning event `ValidationFailed` (`kubectl describe provider`,
// `sluice events`) and in the log, instead of only when the first event fails to send.

import { FINALIZER, type Provider, ReceiverReason } from "@sluice/api";
import {
  DONE,
  type EventRecorder,
  type KubeClient,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  StatusPatcher,
} from "@sluice/runtime";
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

/** Keeps the finalizer of Providers and reports unusable ones. */
export class ProviderReconciler implements Reconciler<Provider> {
  constructor(private readonly options: ProviderReconcilerOptions) {}

  async reconcile(obj: Provider, ctx: ReconcileContext): Promise<ReconcileResult> {
    const patcher = new StatusPatcher<Provider>(this.options.client, obj, { fieldManager: "notification-controller" });
    if (obj.metadata.deletionTimestamp) {
      obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      await patcher.patch(obj, { ignoreNotFound: true });
      return DONE;
    }
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) {
      obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), FINALIZER];
      await patcher.patch(obj);
    }
    if (obj.spec.suspend) return DONE;
    const problem = await validateProvider(obj, this.options.client);
    if (problem) {
      const message = `failed to initialize notifier for provider '${obj.metadata.name}': ${problem}`;
      ctx.log.error({ error: problem }, "provider is not usable");
      await this.options.events.error(obj, ReceiverReason.ValidationFailed, message);
    }
    return DONE;
  }
}
