import { EventEmitter } from "node:events";
import type { ResourceType } from "./resource-type.js";

/** A served API group with its versions, preferred first. */
export interface ApiGroupInfo {
  name: string;
  versions: string[];
}

/**
 * Every group/version/resource the server serves: the built-ins plus the resources of established CRDs.
 * Emits `change` whenever the set changes so discovery and OpenAPI caches can be dropped.
 */
export class ResourceRegistry extends EventEmitter {
  private readonly byGvr = new Map<string, ResourceType>();
  private readonly groupOrder: string[] = [];
  private readonly owners = new Map<string, string[]>();

  /** Adds (or replaces) resource types under an owner key (`builtin`, or the CRD name). */
  setOwned(owner: string, types: ResourceType[]): void {
    this.removeOwned(owner, false);
    const keys: string[] = [];
    for (const rt of types) {
      const key = gvrKey(rt.group, rt.version, rt.resource);
      this.byGvr.set(key, rt);
      keys.push(key);
      if (rt.group !== "" && !this.groupOrder.includes(rt.group)) this.groupOrder.push(rt.group);
    }
    this.owners.set(owner, keys);
    this.emit("change");
  }

  /** Removes every resource type an owner added. */
  removeOwned(owner: string, notify = true): void {
    const keys = this.owners.get(owner);
    if (!keys) return;
    for (const k of keys) this.byGvr.delete(k);
    this.owners.delete(owner);
    for (let i = this.groupOrder.length - 1; i >= 0; i--) {
      const g = this.groupOrder[i]!;
      if (!this.all().some((rt) => rt.group === g)) this.groupOrder.splice(i, 1);
    }
    if (notify) this.emit("change");
  }

  /** Looks up a served resource. */
  get(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byGvr.get(gvrKey(group, version, resource));
  }

  /** Finds the served resource for a kind in a group/version. */
  byKind(group: string, version: string, kind: string): ResourceType | undefined {
    for (const rt of this.byGvr.values()) {
      if (rt.group === group && rt.version === version && rt.kind === kind) return rt;
    }
    return undefined;
  }

  /** The storage-version resource type of a storage key (`apps/deployments`). */
  byStorageKey(key: string): ResourceType | undefined {
    for (const rt of this.byGvr.values()) {
      if (!rt.storage && `${rt.group}/${rt.resource}` === key && rt.version === rt.storageVersion) return rt;
    }
    return undefined;
  }

  /** Every served resource type. */
  all(): ResourceType[] {
    return [...this.byGvr.values()];
  }

  /** Resource types of one group/version. */
  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter((rt) => rt.group === group && rt.version === version);
  }

  /** Named groups (not core) in serving order, each with versions preferred first. */
  groups(): ApiGroupInfo[] {
    return this.groupOrder.map((name) => ({ name, versions: this.versionsOf(name) }));
  }

  /** The served versions of a group, preferred first. */
  versionsOf(group: string): string[] {
    const versions: string[] = [];
    for (const rt of this.byGvr.values()) {
      if (rt.group !== group) continue;
      for (const v of rt.servedVersions) if (!versions.includes(v)) versions.push(v);
    }
    return sortVersions(versions);
  }
}

function gvrKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

const VERSION_RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/** Orders versions the way Kubernetes prefers them: GA > beta > alpha, higher first; others last by name. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number, string] => {
    const m = VERSION_RE.exec(v);
    if (!m) return [0, 0, 0, v];
    const stability = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0), v];
  };
  return [...versions].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra[0] !== rb[0]) return rb[0] - ra[0];
    if (ra[1] !== rb[1]) return rb[1] - ra[1];
    if (ra[2] !== rb[2]) return rb[2] - ra[2];
    return ra[3] < rb[3] ? -1 : ra[3] > rb[3] ? 1 : 0;
  });
}
