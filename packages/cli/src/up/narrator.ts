// Plain-language narration of what reconciles in `sluice up --demo`: a source fetched a revision, a
// Kustomization applied it, the Deployments it owns became ready, or why one of them is not ready.
// It polls the API (once a second) and prints a line only when something changed.

import { isNotFound, type KubeClient, type UnstructuredObject } from "@sluice/runtime/kube";

/** An object the narrator follows. */
export interface NarratedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A Deployment the narrator reports ready. */
export interface NarratedDeployment {
  namespace: string;
  name: string;
  /** The Kustomization (`Kustomization/namespace/name`) whose applied revision is told first. */
  after?: string | undefined;
}

/** Options of {@link Narrator}. */
export interface NarratorOptions {
  client: KubeClient;
  /** Flux objects to follow (GitRepository, Kustomization, HelmRelease …). */
  objects: NarratedObject[];
  deployments: NarratedDeployment[];
  /** Receives each line (without newline). */
  write: (line: string) => void;
  /** Poll period in milliseconds (default 1000). */
  intervalMs?: number;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function readyCondition(obj: UnstructuredObject): Condition | undefined {
  const status = obj["status"] as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((c) => c.type === "Ready");
}

/** Reasons that only say work is under way; the narrator waits for the outcome instead. */
const TRANSIENT_REASONS = new Set(["Progressing", "ProgressingWithRetry", "DependencyNotReady", ""]);

/**
 * Follows objects and prints what happens to them. Each line starts with the object (`Kind/namespace/name`):
 * `fetched revision <rev>` (source artifact changed), `applied revision <rev> (<n> objects)` (Kustomization
 * applied), `ready (<n>/<n> replicas)` (Deployment available), `not ready: <reason>: <message>` (a failure,
 * printed once per distinct message).
 */
export class Narrator {
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: NarratorOptions) {}

  /** Starts polling. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.polling = this.poll()
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs ?? 1000);
        });
    };
    tick();
  }

  /** Stops polling and waits for a poll in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  /** One pass over every followed object (exposed for tests). */
  async poll(): Promise<void> {
    for (const ref of this.options.objects) await this.pollObject(ref);
    for (const dep of this.options.deployments) await this.pollDeployment(dep);
  }

  private say(key: string, value: string, line: string): void {
    if (this.seen.get(key) === value) return;
    this.seen.set(key, value);
    this.options.write(line);
  }

  private async get(ref: NarratedObject): Promise<UnstructuredObject | undefined> {
    try {
      return await this.options.client.get<UnstructuredObject>(ref);
    } catch (err: unknown) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async pollObject(ref: NarratedObject): Promise<void> {
    const obj = await this.get(ref);
    if (!obj) return;
    const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const status = (obj["status"] ?? {}) as {
      artifact?: { revision?: string };
      lastAppliedRevision?: string;
      inventory?: { entries?: unknown[] };
      observedGeneration?: number;
    };
    const ready = readyCondition(obj);
    if (ready?.status === "False" && !TRANSIENT_REASONS.has(ready.reason ?? "")) {
      const text = `${ready.reason}: ${ready.message ?? ""}`;
      this.say(`${id}#failure`, text, `${id}: not ready: ${text}`);
      return;
    }
    if (ready?.status === "True") this.seen.delete(`${id}#failure`);
    if (ref.kind === "Kustomization") {
      const revision = status.lastAppliedRevision;
      if (revision && ready?.status === "True") {
        const count = status.inventory?.entries?.length ?? 0;
        this.say(`${id}#applied`, revision, `${id}: applied revision ${revision} (${count} objects)`);
      }
      return;
    }
    if (ref.kind === "HelmRelease") {
      if (ready?.status === "True") this.say(`${id}#ready`, ready.message ?? "", `${id}: ${ready.message ?? "ready"}`);
      return;
    }
    const revision = status.artifact?.revision;
    if (revision) this.say(`${id}#artifact`, revision, `${id}: fetched revision ${revision}`);
  }

  private async pollDeployment(dep: NarratedDeployment): Promise<void> {
    if (dep.after && !this.seen.has(`${dep.after}#applied`)) return;
    const obj = await this.get({ apiVersion: "apps/v1", kind: "Deployment", ...dep });
    if (!obj) return;
    const spec = (obj["spec"] ?? {}) as { replicas?: number };
    const status = (obj["status"] ?? {}) as { availableReplicas?: number; observedGeneration?: number };
    const want = spec.replicas ?? 1;
    const available = status.availableReplicas ?? 0;
    const current = (status.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0);
    if (current && available >= want) {
      this.say(
        `Deployment/${dep.namespace}/${dep.name}`,
        `${obj.metadata.generation}/${want}`,
        `Deployment/${dep.namespace}/${dep.name}: ready (${available}/${want} replicas)`,
      );
    }
  }
}
