// `sluice tree kustomization <name>`: the objects a Kustomization applied (its inventory) as a tree, with
// nested Kustomizations expanded through their inventories and HelmReleases through their Helm release.

import { KUSTOMIZE_GROUP, parseInventoryEntry } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import { stringify } from "yaml";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { HELMRELEASE, KUSTOMIZATION } from "../kinds.js";
import { getObject } from "../lib/get-object.js";
import { helmReleaseObjects } from "../lib/helm-storage.js";

/** A node of the tree: `Kind/namespace/name`, the object's identity, and its children. */
export interface TreeNode {
  label: string;
  object?: { group: string; kind: string; namespace: string; name: string };
  children: TreeNode[];
}

/** Flux's compact view keeps only its own kinds (groups ending in toolkit.fluxcd.io). */
const COMPACT_GROUP = "toolkit.fluxcd.io";

/** Registers `sluice tree kustomization <name>`. */
export function registerTree(program: Command, kit: CommandKit): void {
  const tree = program.command("tree").description("Print the resources reconciled by Flux");
  tree
    .command("kustomization <name>")
    .alias("ks")
    .description("Print the resources reconciled by a Kustomization, nested Kustomizations and HelmReleases expanded")
    .option("--compact", "list Flux resources only.")
    .option("-o, --output <format>", "the format in which the tree should be printed. can be 'json' or 'yaml'")
    .action(
      kit.action(async (ctx, opts, args) => {
        const output = opts["output"] as string | undefined;
        if (output !== undefined && output !== "json" && output !== "yaml") {
          throw new CliError(`invalid --output "${output}": can be 'json' or 'yaml'`);
        }
        const ks = await getObject(ctx, KUSTOMIZATION, args[0]!);
        const root = await expandKustomization(ctx, ks, new Set(), Boolean(opts["compact"]));
        if (output === "json") ctx.out(JSON.stringify(treeData(root), null, 2));
        else if (output === "yaml") ctx.io.stdout.write(stringify(treeData(root), { lineWidth: 0 }));
        else ctx.io.stdout.write(renderTree(root));
      }),
    );
}

function label(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

function leaf(group: string, kind: string, namespace: string | undefined, name: string): TreeNode {
  return {
    label: label(kind, namespace, name),
    object: { group, kind, namespace: namespace ?? "", name },
    children: [],
  };
}

/** flux tree's `-o json|yaml` shape: `{resource: {Namespace, Name, GroupKind: {Group, Kind}}, resources: […]}`. */
export function treeData(node: TreeNode): Record<string, unknown> {
  const o = node.object;
  const data: Record<string, unknown> = {
    resource: {
      Namespace: o?.namespace ?? "",
      Name: o?.name ?? "",
      GroupKind: { Group: o?.group ?? "", Kind: o?.kind ?? "" },
    },
  };
  if (node.children.length > 0) data["resources"] = node.children.map(treeData);
  return data;
}

async function expandKustomization(
  ctx: CommandContext,
  ks: UnstructuredObject,
  seen: Set<string>,
  compact = false,
): Promise<TreeNode> {
  const node = leaf(KUSTOMIZE_GROUP, "Kustomization", ks.metadata.namespace, ks.metadata.name ?? "");
  if (seen.has(node.label)) return node;
  seen.add(node.label);
  const entries =
    (ks["status"] as { inventory?: { entries?: { id: string; v: string }[] } } | undefined)?.inventory?.entries ?? [];
  for (const entry of entries) {
    const obj = parseInventoryEntry(entry);
    const ns = obj.namespace || undefined;
    if (compact && !obj.group.endsWith(COMPACT_GROUP)) continue;
    if (obj.kind === "Kustomization" && obj.group === "kustomize.toolkit.fluxcd.io") {
      const child = await ctx.kube().getOptional<UnstructuredObject>({
        apiVersion: KUSTOMIZATION.apiVersion,
        kind: "Kustomization",
        namespace: obj.namespace,
        name: obj.name,
      });
      node.children.push(
        child ? await expandKustomization(ctx, child, seen, compact) : leaf(obj.group, obj.kind, ns, obj.name),
      );
    } else if (obj.kind === "HelmRelease" && obj.group === "helm.toolkit.fluxcd.io") {
      const hr = await ctx.kube().getOptional<UnstructuredObject>({
        apiVersion: HELMRELEASE.apiVersion,
        kind: "HelmRelease",
        namespace: obj.namespace,
        name: obj.name,
      });
      const children = hr
        ? (await helmReleaseObjects(ctx, hr))
            .map((o) => ({ ...o, group: o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "" }))
            .filter((o) => !compact || o.group.endsWith(COMPACT_GROUP))
            .map((o) => leaf(o.group, o.kind, o.namespace, o.name))
        : [];
      node.children.push({ ...leaf(obj.group, obj.kind, ns, obj.name), children });
    } else {
      node.children.push(leaf(obj.group, obj.kind, ns, obj.name));
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
