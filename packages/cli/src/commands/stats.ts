// `sluice stats [-A]`: per Flux kind, how many objects run, fail (Ready=False) and are suspended, and the
// storage their artifacts take, as flux stats.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { formatTable } from "../lib/table.js";

const KINDS: [apiVersion: string, kind: string][] = [
  ["source.toolkit.fluxcd.io/v1", "GitRepository"],
  ["source.toolkit.fluxcd.io/v1", "OCIRepository"],
  ["source.toolkit.fluxcd.io/v1", "HelmRepository"],
  ["source.toolkit.fluxcd.io/v1", "HelmChart"],
  ["source.toolkit.fluxcd.io/v1", "Bucket"],
  ["kustomize.toolkit.fluxcd.io/v1", "Kustomization"],
  ["helm.toolkit.fluxcd.io/v2", "HelmRelease"],
  ["notification.toolkit.fluxcd.io/v1beta3", "Alert"],
  ["notification.toolkit.fluxcd.io/v1beta3", "Provider"],
  ["notification.toolkit.fluxcd.io/v1", "Receiver"],
  ["image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation"],
  ["image.toolkit.fluxcd.io/v1", "ImagePolicy"],
  ["image.toolkit.fluxcd.io/v1", "ImageRepository"],
];

/** Bytes as flux prints them: `-` for none, `N B`, then KiB, MiB… with one decimal. */
export function formatSize(bytes: number): string {
  if (bytes === 0) return "-";
  if (bytes < 1024) return `${bytes} B`;
  let div = 1024;
  let exp = 0;
  for (let n = Math.floor(bytes / 1024); n >= 1024; n = Math.floor(n / 1024)) {
    div *= 1024;
    exp++;
  }
  return `${(bytes / div).toFixed(1)} ${"KMGTPE"[exp]}iB`;
}

/** Registers `sluice stats`. */
export function registerStats(program: Command, kit: CommandKit): void {
  program
    .command("stats")
    .description(
      "Stats of Flux reconciles: running, failing and suspended objects per kind, and their artifacts' storage",
    )
    .option("-A, --all-namespaces", "list the statistics for objects across all namespaces")
    .action(
      kit.action(async (ctx, opts) => {
        const rows: string[][] = [];
        for (const [apiVersion, kind] of KINDS) {
          // A kind the cluster does not serve counts as none, as flux's.
          const items = await ctx
            .kube()
            .list<UnstructuredObject>(apiVersion, kind, opts["allNamespaces"] ? {} : { namespace: ctx.namespace })
            .then((l) => l.items)
            .catch(() => [] as UnstructuredObject[]);
          let suspended = 0;
          let failing = 0;
          let size = 0;
          for (const item of items) {
            const spec = item["spec"] as { suspend?: boolean } | undefined;
            const status = item["status"] as
              | { conditions?: { type: string; status: string }[]; artifact?: { size?: number } }
              | undefined;
            if (spec?.suspend === true) suspended++;
            if (status?.conditions?.some((c) => c.type === "Ready" && c.status === "False")) failing++;
            if (typeof status?.artifact?.size === "number") size += status.artifact.size;
          }
          rows.push([kind, String(items.length - suspended), String(failing), String(suspended), formatSize(size)]);
        }
        ctx.io.stdout.write(formatTable(["RECONCILERS", "RUNNING", "FAILING", "SUSPENDED", "STORAGE"], rows));
      }),
    );
}
