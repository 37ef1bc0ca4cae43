// Request counts from the API server's `/metrics` (`apiserver_request_total`, labelled by verb, resource,
// dry-run, code and client), so a scenario's requests can be told apart by what sent them: load-independent
// evidence next to the wall-clock figures.

import type { KubeClient } from "@sluice/runtime";

/** One counted series: its labels and count. */
export interface RequestSeries {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  dryRun: boolean;
  code: string;
  client: string;
  count: number;
}

const LINE = /^apiserver_request_total\{(.*)\} (\d+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Reads the API server's request counters. */
export async function readRequests(client: KubeClient): Promise<RequestSeries[]> {
  const { status, text } = await client.http.send({ method: "GET", path: "/metrics" });
  if (status !== 200) throw new Error(`GET /metrics: HTTP ${status}`);
  const series: RequestSeries[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of m[1]!.matchAll(LABEL)) labels[l[1]!] = l[2]!;
    series.push({
      verb: labels["verb"] ?? "",
      group: labels["group"] ?? "",
      resource: labels["resource"] ?? "",
      subresource: labels["subresource"] ?? "",
      dryRun: labels["dry_run"] === "All",
      code: labels["code"] ?? "",
      client: labels["client"] ?? "",
      count: Number(m[2]),
    });
  }
  return series;
}

const keyOf = (s: RequestSeries) =>
  [s.client, s.verb, s.group, s.resource, s.subresource, s.dryRun ? "dry" : "", s.code].join("|");

/** The requests counted in `after` and not in `before`. */
export function requestsBetween(before: RequestSeries[], after: RequestSeries[]): RequestSeries[] {
  const base = new Map(before.map((s) => [keyOf(s), s.count]));
  return after.map((s) => ({ ...s, count: s.count - (base.get(keyOf(s)) ?? 0) })).filter((s) => s.count > 0);
}

/** Whether a series is a write that changes state (not a dry-run, not a read or watch). */
export function isWrite(s: RequestSeries): boolean {
  return !s.dryRun && ["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"].includes(s.verb);
}

/** Totals of a set of series by client: requests and writes, and a short breakdown of what was sent. */
export function summarize(
  series: RequestSeries[],
  clients: (client: string) => boolean,
): { requests: number; writes: number; breakdown: string } {
  const mine = series.filter((s) => clients(s.client) && s.verb !== "WATCH");
  const by = new Map<string, number>();
  for (const s of mine) {
    const what = `${s.verb}${s.dryRun ? "(dry)" : ""} ${s.resource}${s.subresource ? `/${s.subresource}` : ""}`;
    by.set(what, (by.get(what) ?? 0) + s.count);
  }
  const breakdown = [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([what, n]) => `${n} ${what}`)
    .join(", ");
  return {
    requests: mine.reduce((n, s) => n + s.count, 0),
    writes: mine.filter(isWrite).reduce((n, s) => n + s.count, 0),
    breakdown,
  };
}

/** The product's controllers (their clients name themselves `<name>-controller/sluice`). */
export const isController = (client: string) => client.endsWith("-controller");
