// ClusterRole aggregation: a ClusterRole with an aggregationRule gets the union of the rules of every
// ClusterRole its selectors match (kube's clusterrole-aggregation controller).

import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { KeyQueue } from "../controllers/work-queue.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { labelSelectorFromObject, matchesLabels } from "../selectors/label-selector.js";
import { isObject, type JsonValue, jsonEqual } from "../util/json.js";
import { type KubeObject, metaMap } from "../util/meta.js";
import { RBAC_COLLECTIONS } from "./rbac-index.js";

const ALL = "all";

function selectorsOf(role: KubeObject): JsonValue[] | undefined {
  const rule = role["aggregationRule"];
  if (!isObject(rule)) return undefined;
  const s = rule["clusterRoleSelectors"];
  return Array.isArray(s) ? s : [];
}

/** Fills the rules of aggregated ClusterRoles whenever any ClusterRole changes. */
export class ClusterRoleAggregator {
  private readonly queue: KeyQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly ctx = systemContext("clusterrole-aggregation-controller");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
  ) {
    this.queue = new KeyQueue(
      () => this.syncAll(),
      (key, err) => logControllerError("clusterrole-aggregation-controller", key, err),
    );
  }

  start(): void {
    this.unsubscribe = this.svc.store.onEvent((collection) => {
      if (collection === RBAC_COLLECTIONS.clusterRoles) this.queue.add(ALL);
    });
    this.queue.add(ALL);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  /** Recomputes every aggregated ClusterRole now (each write re-queues a pass for roles aggregating it). */
  syncAll(): void {
    const rt = this.registry.get("rbac.authorization.k8s.io", "v1", "clusterroles");
    if (!rt) return;
    const roles = [...this.svc.store.collection(RBAC_COLLECTIONS.clusterRoles).items.values()].sort((a, b) =>
      String(a.metadata["name"]).localeCompare(String(b.metadata["name"])),
    );
    for (const role of roles) {
      const selectors = selectorsOf(role);
      if (selectors === undefined) continue;
      const parsed = selectors.map((s) => labelSelectorFromObject(s)).filter((s) => s !== undefined);
      const rules: JsonValue[] = [];
      for (const other of roles) {
        if (other.metadata["name"] === role.metadata["name"]) continue;
        const labels = metaMap(other, "labels");
        // As LabelSelectorAsSelector: an empty selector matches every ClusterRole.
        if (!parsed.some((sel) => matchesLabels(sel, labels))) continue;
        const otherRules = Array.isArray(other["rules"]) ? other["rules"] : [];
        for (const r of otherRules) if (!rules.some((have) => jsonEqual(have, r))) rules.push(r);
      }
      const current = Array.isArray(role["rules"]) ? role["rules"] : [];
      if (jsonEqual(current, rules)) continue;
      const name = String(role.metadata["name"]);
      const latest = this.svc.find(rt, "", name);
      if (!latest) continue;
      try {
        this.svc.update(rt, "", name, { ...latest, rules }, this.ctx);
      } catch (err: unknown) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
        this.queue.add(ALL);
      }
    }
  }
}
