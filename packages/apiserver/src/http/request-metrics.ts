// Request counts by verb, resource, dry-run, code and client, served on `/metrics` in the Prometheus text format
// with kube-apiserver's metric name (`apiserver_request_total`), so benchmarks and users can see what each
// client sends without reading an audit log.

/** One request to count. */
export interface CountedRequest {
  /** kube-apiserver's verb label: GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION. */
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  dryRun: boolean;
  code: number;
  /** The client: the first part of the User-Agent (`kubectl`, `kustomize-controller`), or `unknown`. */
  client: string;
}

/** A counter of requests by their labels (an unbounded label set is avoided: no names, no namespaces). */
export class RequestMetrics {
  readonly #counts = new Map<string, number>();

  /** Counts one request. */
  record(r: CountedRequest): void {
    const key = JSON.stringify([
      r.verb,
      r.group,
      r.resource,
      r.subresource,
      r.dryRun ? "All" : "",
      String(r.code),
      r.client,
    ]);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** The counts in the Prometheus text exposition format. */
  render(): string {
    const lines = [
      "# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, subresource, HTTP response code and client (User-Agent product).",
      "# TYPE apiserver_request_total counter",
    ];
    for (const [key, count] of this.#counts) {
      const [verb, group, resource, subresource, dryRun, code, client] = JSON.parse(key) as string[];
      const labels = { verb, group, resource, subresource, dry_run: dryRun, code, client };
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v ?? "")}"`)
        .join(",");
      lines.push(`apiserver_request_total{${text}} ${count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** kube-apiserver's verb label for a request-info verb and Content-Type (APPLY for server-side apply patches). */
export function metricVerb(verb: string, contentType: string | undefined): string {
  switch (verb) {
    case "create":
      return "POST";
    case "update":
      return "PUT";
    case "patch":
      return (contentType ?? "").startsWith("application/apply-patch") ? "APPLY" : "PATCH";
    default:
      return verb.toUpperCase();
  }
}

/** The client label of a User-Agent: its product name (`kubectl/v1.33.0 (linux/amd64)` → `kubectl`). */
export function clientOf(userAgent: string | undefined): string {
  const product = (userAgent ?? "").split("/")[0]?.trim() ?? "";
  return product === "" ? "unknown" : product.slice(0, 64);
}
