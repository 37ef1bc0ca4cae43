// The RBAC objects in force, indexed per user: which rules apply to a user cluster-wide and in each namespace.
// Built on demand from the store and dropped whenever a Role, ClusterRole or binding changes.

import type { UserInfo } from "../api/request-context.js";
import type { ObjectStore } from "../store/object-store.js";
import { objectKey } from "../store/object-store.js";
import type { KubeObject } from "../util/meta.js";
import { type PolicyRule, rulesOf } from "./policy-rule.js";
import { describeSubject, subjectApplies, subjectsOf } from "./subjects.js";

const GROUP = "rbac.authorization.k8s.io";
/** Store collections of the RBAC kinds. */
export const RBAC_COLLECTIONS = {
  roles: `${GROUP}/roles`,
  clusterRoles: `${GROUP}/clusterroles`,
  roleBindings: `${GROUP}/rolebindings`,
  clusterRoleBindings: `${GROUP}/clusterrolebindings`,
} as const;
const WATCHED = new Set<string>(Object.values(RBAC_COLLECTIONS));

/** Rules granted by one binding, with the description kube's RBAC authorizer gives as the reason. */
export interface Grant {
  rules: PolicyRule[];
  /** `ClusterRoleBinding "x" of ClusterRole "y" to User "u"`. */
  source: string;
}

/** Everything granted to one user. */
export interface UserGrants {
  /** From ClusterRoleBindings: in force everywhere. */
  cluster: Grant[];
  /** From RoleBindings, per namespace. */
  namespaced: Map<string, Grant[]>;
  /** Bindings whose role does not exist (kube reports them in the reason). */
  clusterErrors: string[];
  namespacedErrors: Map<string, string[]>;
}

const MAX_CACHED_USERS = 10_000;

/**
 * Per-user index of RBAC grants. A user's grants are computed once (scanning the bindings) and kept until any
 * RBAC object changes, so authorizing a request is a walk over the few rules that apply to its user.
 */
export class RbacIndex {
  private readonly cache = new Map<string, UserGrants>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: ObjectStore) {
    this.unsubscribe = store.onEvent((collection) => {
      if (WATCHED.has(collection)) this.cache.clear();
    });
  }

  /** Stops following the store. */
  close(): void {
    this.unsubscribe();
  }

  /** The grants of a user (cached). */
  grantsFor(user: UserInfo): UserGrants {
    const key = `${user.name}\u0000${[...user.groups].sort().join("\u0000")}`;
    let g = this.cache.get(key);
    if (!g) {
      if (this.cache.size >= MAX_CACHED_USERS) this.cache.clear();
      g = this.compute(user);
      this.cache.set(key, g);
    }
    return g;
  }

  /** The rules in force for a user in a namespace ("" = cluster-wide only), with errors resolving roles. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const g = this.grantsFor(user);
    const rules: PolicyRule[] = [];
    for (const grant of g.cluster) rules.push(...grant.rules);
    const errors = [...g.clusterErrors];
    if (namespace !== "") {
      for (const grant of g.namespaced.get(namespace) ?? []) rules.push(...grant.rules);
      errors.push(...(g.namespacedErrors.get(namespace) ?? []));
    }
    return { rules, errors };
  }

  /** The rules of a role reference (`Role` in `namespace` or `ClusterRole`), or undefined when it does not exist. */
  roleRules(kind: string, namespace: string, name: string): PolicyRule[] | undefined {
    const obj =
      kind === "ClusterRole"
        ? this.store.get(RBAC_COLLECTIONS.clusterRoles, objectKey("", name))
        : kind === "Role"
          ? this.store.get(RBAC_COLLECTIONS.roles, objectKey(namespace, name))
          : undefined;
    return obj ? rulesOf(obj) : undefined;
  }

  private compute(user: UserInfo): UserGrants {
    const out: UserGrants = { cluster: [], namespaced: new Map(), clusterErrors: [], namespacedErrors: new Map() };
    for (const b of this.store.collection(RBAC_COLLECTIONS.clusterRoleBindings).items.values()) {
      const subject = subjectsOf(b).find((s) => subjectApplies(s, user, ""));
      if (!subject) continue;
      const ref = roleRefOf(b);
      const rules = ref.kind === "ClusterRole" ? this.roleRules("ClusterRole", "", ref.name) : undefined;
      if (!rules) {
        out.clusterErrors.push(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
        continue;
      }
      const name = String(b.metadata["name"]);
      out.cluster.push({
        rules,
        source: `ClusterRoleBinding ${JSON.stringify(name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, "")}`,
      });
    }
    for (const b of this.store.collection(RBAC_COLLECTIONS.roleBindings).items.values()) {
      const ns = String(b.metadata["namespace"] ?? "");
      const subject = subjectsOf(b).find((s) => subjectApplies(s, user, ns));
      if (!subject) continue;
      const ref = roleRefOf(b);
      const rules = this.roleRules(ref.kind, ns, ref.name);
      if (!rules) {
        const list = out.namespacedErrors.get(ns) ?? [];
        list.push(
          `${ref.kind === "Role" ? "role" : "clusterrole"}.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`,
        );
        out.namespacedErrors.set(ns, list);
        continue;
      }
      const name = String(b.metadata["name"]);
      const list = out.namespaced.get(ns) ?? [];
      list.push({
        rules,
        source: `RoleBinding ${JSON.stringify(`${name}/${ns}`)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, ns)}`,
      });
      out.namespaced.set(ns, list);
    }
    return out;
  }
}

/** `roleRef` of a stored binding. */
export function roleRefOf(b: KubeObject): { kind: string; name: string } {
  const ref = b["roleRef"];
  if (ref === null || typeof ref !== "object" || Array.isArray(ref)) return { kind: "", name: "" };
  return {
    kind: typeof ref["kind"] === "string" ? ref["kind"] : "",
    name: typeof ref["name"] === "string" ? ref["name"] : "",
  };
}
