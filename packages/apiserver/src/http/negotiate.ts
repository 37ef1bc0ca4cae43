/** The response representation a client asked for in its Accept header. */
export type Representation =
  | { kind: "json" }
  | { kind: "table"; version: "v1" | "v1beta1" }
  | { kind: "partial"; version: "v1" | "v1beta1" }
  | { kind: "discovery-v2"; version: "v2" | "v2beta1" }
  | { kind: "unsupported" };

interface MediaType {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaType[] {
  if (!header) return [{ type: "*/*", params: {} }];
  return header
    .split(",")
    .map((part) => {
      const [type, ...rest] = part.trim().split(";");
      const params: Record<string, string> = {};
      for (const p of rest) {
        const i = p.indexOf("=");
        if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
      }
      return { type: (type ?? "").trim().toLowerCase(), params };
    })
    .filter((m) => m.type !== "");
}

/**
 * Picks the representation for a response from the Accept header, in the client's order: Table and
 * PartialObjectMetadata (meta.k8s.io), aggregated discovery (apidiscovery.k8s.io), or plain JSON.
 */
export function negotiate(
  accept: string | undefined,
  opts: { discovery?: boolean; objects?: boolean } = {},
): Representation {
  for (const m of parseAccept(accept)) {
    const jsonish = m.type === "application/json" || m.type === "*/*" || m.type === "application/*";
    if (!jsonish) continue;
    const as = m.params["as"];
    if (as === undefined) return { kind: "json" };
    const g = m.params["g"];
    const v = m.params["v"];
    if (opts.objects && g === "meta.k8s.io" && (v === "v1" || v === "v1beta1")) {
      if (as === "Table") return { kind: "table", version: v };
      if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return { kind: "partial", version: v };
    }
    if (
      opts.discovery &&
      g === "apidiscovery.k8s.io" &&
      as === "APIGroupDiscoveryList" &&
      (v === "v2" || v === "v2beta1")
    ) {
      return { kind: "discovery-v2", version: v };
    }
  }
  return { kind: "unsupported" };
}
