import type { ResourceRegistry } from "../resources/registry.js";
import type { ResourceType } from "../resources/resource-type.js";
import type { JsonObject } from "../util/json.js";

function legacyResources(rts: ResourceType[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const rt of [...rts].sort((a, b) => (a.resource < b.resource ? -1 : 1))) {
    const r: JsonObject = {
      name: rt.resource,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs,
    };
    if (rt.shortNames.length > 0) r["shortNames"] = rt.shortNames;
    if (rt.categories.length > 0) r["categories"] = rt.categories;
    out.push(r);
    if (rt.extraSubresources?.includes("finalize")) {
      out.push({
        name: `${rt.resource}/finalize`,
        singularName: "",
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: ["update"],
      });
    }
    if (rt.extraSubresources?.includes("log")) {
      out.push({
        name: `${rt.resource}/log`,
        singularName: "",
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: ["get"],
      });
    }
    if (rt.extraSubresources?.includes("token")) {
      out.push({
        name: `${rt.resource}/token`,
        singularName: "",
        namespaced: rt.namespaced,
        group: "authentication.k8s.io",
        version: "v1",
        kind: "TokenRequest",
        verbs: ["create"],
      });
    }
    if (rt.scale) {
      out.push({
        name: `${rt.resource}/scale`,
        singularName: "",
        namespaced: rt.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
    }
    if (rt.hasStatus) {
      out.push({
        name: `${rt.resource}/status`,
        singularName: "",
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: ["get", "patch", "update"],
      });
    }
  }
  return out;
}

/** `/api`: the legacy core group versions. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(name: string, versions: string[]): JsonObject {
  const preferred = versions[0]!;
  return {
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
  };
}

/** `/apis`: every named group. */
export function apiGroupList(reg: ResourceRegistry): JsonObject {
  return { kind: "APIGroupList", apiVersion: "v1", groups: reg.groups().map((g) => groupEntry(g.name, g.versions)) };
}

/** `/apis/<group>`, or undefined when the group is not served. */
export function apiGroup(reg: ResourceRegistry, group: string): JsonObject | undefined {
  const versions = reg.versionsOf(group);
  if (versions.length === 0) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) };
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when not served. */
export function apiResourceList(reg: ResourceRegistry, group: string, version: string): JsonObject | undefined {
  const rts = reg.inGroupVersion(group, version);
  if (rts.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: legacyResources(rts),
  };
}

function aggregatedResource(rt: ResourceType): JsonObject {
  const r: JsonObject = {
    resource: rt.resource,
    responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
    scope: rt.namespaced ? "Namespaced" : "Cluster",
    singularResource: rt.singular,
    verbs: rt.verbs,
  };
  if (rt.shortNames.length > 0) r["shortNames"] = rt.shortNames;
  if (rt.categories.length > 0) r["categories"] = rt.categories;
  const subs: JsonObject[] = [];
  if (rt.extraSubresources?.includes("finalize")) {
    subs.push({
      subresource: "finalize",
      responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
      verbs: ["update"],
    });
  }
  if (rt.extraSubresources?.includes("log")) {
    subs.push({
      subresource: "log",
      responseKind: { group: "", version: "v1", kind: "Pod" },
      verbs: ["get"],
    });
  }
  if (rt.extraSubresources?.includes("token")) {
    subs.push({
      subresource: "token",
      responseKind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
      verbs: ["create"],
    });
  }
  if (rt.scale) {
    subs.push({
      subresource: "scale",
      responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
      verbs: ["get", "patch", "update"],
    });
  }
  if (rt.hasStatus) {
    subs.push({
      subresource: "status",
      responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
      verbs: ["get", "patch", "update"],
    });
  }
  if (subs.length > 0) r["subresources"] = subs;
  return r;
}

function aggregatedGroup(reg: ResourceRegistry, group: string, versions: string[]): JsonObject {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versions.map((v) => ({
      version: v,
      resources: reg
        .inGroupVersion(group, v)
        .sort((a, b) => (a.resource < b.resource ? -1 : 1))
        .map(aggregatedResource),
      freshness: "Current",
    })),
  };
}

/** Aggregated discovery (apidiscovery.k8s.io) for `/api` (core) or `/apis` (named groups). */
export function aggregatedDiscovery(reg: ResourceRegistry, core: boolean, version: "v2" | "v2beta1"): JsonObject {
  const items = core
    ? [aggregatedGroup(reg, "", ["v1"])]
    : reg.groups().map((g) => aggregatedGroup(reg, g.name, g.versions));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
