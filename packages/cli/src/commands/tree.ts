// `sluice tree kustomization <name>`: the objects a Kustomization applied (its inventory) as a tree, with
// nested Kustomizations expanded through their inventories and HelmReleases through their Helm release.

import { parseInventoryEntry } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { HELMRELEASE, KUSTOMIZATION } from "../kinds.js";
import { getObject } from "../lib/get-object.js";
import { helmReleaseObjects } from "../lib/helm-storage.js";

/** A node of the tree: `Kind/namespace/name` and its children. */
export interface TreeNode {
  label: string;
  children: TreeNode[];
}

/** Registers `sluice tree kustomization <name>`. */
export function registerTree(program: Command, kit: CommandKit): void {
  const tree = program.command("tree").description("Print the resources reconciled by Flux");
  tree
    .command("kustomization <name>")
    .alias("ks")
    .description("Print the resources reconciled by a Kustomization, nested Kustomizations and HelmReleases expanded")
    .action(
      kit.action(async (ctx, _opts, args) => {
        const ks = await getObject(ctx, KUSTOMIZATION, args[0]!);
        const root = await expandKustomization(ctx, ks, new Set());
        ctx.io.stdout.write(renderTree(root));
      }),
    );
}

function label(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

async function expandKustomization(ctx: CommandContext, ks: UnstructuredObject, seen: Set<string>): Promise<TreeNode> {
  const node: TreeNode = { label: label("Kustomization", ks.metadata.namespace, ks.metadata.name ?? ""), children: [] };
  if (seen.has(node.label)) return node;
  seen.add(node.label);
  const entries =
    (ks["status"] as { inventory?: { entries?: { id: string; v: string }[] } } | undefined)?.inventory?.entries ?? [];
  for (const entry of entries) {
    const obj = parseInventoryEntry(entry);
    const ns = obj.namespace || undefined;
    if (obj.kind === "Kustomization" && obj.group === "kustomize.toolkit.fluxcd.io") {
      const child = await ctx.kube().getOptional<UnstructuredObject>({
        apiVersion: KUSTOMIZATION.apiVersion,
        kind: "Kustomization",
        namespace: obj.namespace,
        name: obj.name,
      });
      node.children.push(
        child ? await expandKustomization(ctx, child, seen) : { label: label(obj.kind, ns, obj.name), children: [] },
      );
    } else if (obj.kind === "HelmRelease" && obj.group === "helm.toolkit.fluxcd.io") {
      const hr = await ctx.kube().getOptional<UnstructuredObject>({
        apiVersion: HELMRELEASE.apiVersion,
        kind: "HelmRelease",
        namespace: obj.namespace,
        name: obj.name,
      });
      const children = hr
        ? (await helmReleaseObjects(ctx, hr)).map((o) => ({ label: label(o.kind, o.namespace, o.name), children: [] }))
        : [];
      node.children.push({ label: label(obj.kind, ns, obj.name), children });
    } else {
      node.children.push({ label: label(obj.kind, ns, obj.name), children: [] });
    }
  }
  return node;
}

/** Draws the tree with box-drawing branches, as flux tree does. */
export function renderTree(root: TreeNode): string {
  const lines = [root.label];
  const walk = (node: TreeNode, prefix: string) => {
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${child.label}`);
      walk(child, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  walk(root, "");
  return `${lines.join("\n")}\n`;
}
