type Meta = { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };

/** Values of the `<group>/ssa` annotation. */
export const SsaPolicy = {
  /** Default: apply and take ownership of fields other managers (kubectl, …) set. */
  Override: "Override",
  /** Apply, but leave fields owned by other managers alone (no managed-fields cleanup). */
  Merge: "Merge",
  /** Create the object if missing, never update it. */
  IfNotPresent: "IfNotPresent",
  /** Never apply (nor prune) the object. */
  Ignore: "Ignore",
} as const;

/** The per-object annotation (or label) keys of an owner group, e.g. `kustomize.toolkit.fluxcd.io/ssa`. */
export interface PolicyKeys {
  ssa: string;
  force: string;
  prune: string;
  reconcile: string;
}

/** The policy keys under an API group. */
export function policyKeys(group: string): PolicyKeys {
  return { ssa: `${group}/ssa`, force: `${group}/force`, prune: `${group}/prune`, reconcile: `${group}/reconcile` };
}

/**
 * True when any `key: value` pair of `selector` is set on the object as a label or annotation, comparing
 * values case-insensitively (Flux `AnyInMetadata`).
 */
export function anyInMetadata(obj: Meta | undefined, selector: Record<string, string>): boolean {
  if (!obj) return false;
  const labels = obj.metadata.labels ?? {};
  const annotations = obj.metadata.annotations ?? {};
  for (const [key, value] of Object.entries(selector)) {
    const want = value.toLowerCase();
    if (labels[key] && labels[key].toLowerCase() === want) return true;
    if (annotations[key] && annotations[key].toLowerCase() === want) return true;
  }
  return false;
}

/** How the apply treats one object, from its desired and live annotations. */
export interface ObjectPolicy {
  /** `ssa: Ignore` or `reconcile: disabled` on either version: leave it alone. */
  skip: boolean;
  /** `ssa: IfNotPresent` on the desired object: create only. */
  ifNotPresent: boolean;
  /** `ssa: Merge` on either version: keep other managers' fields. */
  merge: boolean;
  /** `force: Enabled` on either version: recreate on immutable-field errors. */
  force: boolean;
}

/** Reads the per-object apply policy. */
export function objectPolicy(keys: PolicyKeys, desired: Meta, live: Meta | undefined): ObjectPolicy {
  const exclusion = { [keys.ssa]: SsaPolicy.Ignore };
  const disabled = { [keys.reconcile]: "disabled" };
  const skip =
    anyInMetadata(desired, exclusion) ||
    anyInMetadata(live, exclusion) ||
    anyInMetadata(desired, disabled) ||
    anyInMetadata(live, disabled);
  const merge = { [keys.ssa]: SsaPolicy.Merge };
  const force = { [keys.force]: "Enabled" };
  return {
    skip,
    ifNotPresent: anyInMetadata(desired, { [keys.ssa]: SsaPolicy.IfNotPresent }),
    merge: anyInMetadata(desired, merge) || anyInMetadata(live, merge),
    force: anyInMetadata(desired, force) || anyInMetadata(live, force),
  };
}

/** True when pruning must leave the live object alone (`prune: disabled`, `reconcile: disabled`, `ssa: Ignore`). */
export function pruneDisabled(keys: PolicyKeys, live: Meta): boolean {
  return (
    anyInMetadata(live, { [keys.prune]: "disabled" }) ||
    anyInMetadata(live, { [keys.reconcile]: "disabled" }) ||
    anyInMetadata(live, { [keys.ssa]: SsaPolicy.Ignore })
  );
}
