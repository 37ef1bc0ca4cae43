// A stand-in for kube-state-metrics in the metrics e2e test: it reads the custom-resource-state config Sluice
// ships (monitoring/kube-state-metrics-config.yaml), lists each configured kind from the cluster and serves
// `gotk_resource_info` as kube-state-metrics would (an Info series per object, value 1, its
// `customresource_group/kind/version` labels plus the config's labelsFromPath at resource, metric and info level). It implements the path
// syntax that config uses (keys, list indexes, `[field=value]` list filters), so a wrong path shows up as a
// missing label and a dashboard query without data.

import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { parse } from "yaml";

/** The shipped kube-state-metrics values fragment. */
export const KSM_CONFIG = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../monitoring/kube-state-metrics-config.yaml",
);

interface ResourceConfig {
  groupVersionKind: { group: string; version: string; kind: string };
  metricNamePrefix: string;
  labelsFromPath?: Record<string, string[]>;
  metrics: {
    name: string;
    labelsFromPath?: Record<string, string[]>;
    each: { type: string; info?: { labelsFromPath?: Record<string, string[]> } };
  }[];
}

/** Resolves one labelsFromPath path in an object ("" when it does not resolve to a scalar). */
export function valueAt(obj: unknown, path: readonly string[]): string {
  let cur: unknown = obj;
  for (const step of path) {
    if (cur === undefined || cur === null) return "";
    const filter = /^\[(\w+)=(.*)\]$/.exec(step);
    if (filter && Array.isArray(cur)) {
      cur = cur.find(
        (e) => typeof e === "object" && e !== null && String((e as Record<string, unknown>)[filter[1]!]) === filter[2],
      );
    } else if (Array.isArray(cur) && /^\d+$/.test(step)) {
      cur = cur[Number(step)];
    } else if (typeof cur === "object") {
      cur = (cur as Record<string, unknown>)[step];
    } else return "";
  }
  return cur === undefined || cur === null || typeof cur === "object" ? "" : String(cur);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The exposition text for every configured kind's objects. */
export async function resourceInfo(client: KubeClient, resources: readonly ResourceConfig[]): Promise<string> {
  const lines: string[] = [];
  for (const r of resources) {
    const { group, version, kind } = r.groupVersionKind;
    const items = await client
      .list<UnstructuredObject>(`${group}/${version}`, kind)
      .then((l) => l.items)
      .catch(() => [] as UnstructuredObject[]);
    for (const metric of r.metrics) {
      const name = `${r.metricNamePrefix}_${metric.name}`;
      for (const obj of items) {
        const labels: Record<string, string> = {
          customresource_group: group,
          customresource_kind: kind,
          customresource_version: version,
        };
        for (const [label, path] of Object.entries({
          ...r.labelsFromPath,
          ...metric.labelsFromPath,
          ...metric.each.info?.labelsFromPath,
        })) {
          const value = valueAt(obj, path);
          if (value !== "") labels[label] = value;
        }
        lines.push(
          `${name}{${Object.entries(labels)
            .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
            .join(",")}} 1`,
        );
      }
    }
  }
  return `# TYPE gotk_resource_info gauge\n${lines.join("\n")}\n`;
}

/** Serves `/metrics` from the shipped config on a loopback port. */
export async function startResourceInfoExporter(client: KubeClient): Promise<{ url: string; stop(): Promise<void> }> {
  const values = parse(await readFile(KSM_CONFIG, "utf8")) as {
    "kube-state-metrics": { customResourceState: { config: { spec: { resources: ResourceConfig[] } } } };
  };
  const resources = values["kube-state-metrics"].customResourceState.config.spec.resources;
  // Like kube-state-metrics (which serves from its informers), answer scrapes from the last listing at once:
  // listing every kind can take longer than the test's 1 s scrape timeout on a loaded machine.
  let text = await resourceInfo(client, resources);
  let stopped = false;
  const refresh = async () => {
    while (!stopped) {
      text = await resourceInfo(client, resources).catch(() => text);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const refreshing = refresh();
  const server: Server = createServer((_req, res) => {
    res.setHeader("Content-Type", "text/plain; version=0.0.4");
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    stop: async () => {
      stopped = true;
      await refreshing;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
