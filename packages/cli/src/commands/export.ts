// `sluice export source <kind> <name>|--all`, `sluice export kustomization|helmrelease <name>|--all`: clean YAML
// (no status, no server-set metadata) that can be applied to another cluster, as flux export prints it.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { CliError } from "../errors.js";
import { getObject } from "../lib/get-object.js";
import { addKindCommands } from "../lib/kind-commands.js";
import { listKind } from "../lib/list.js";
import { toYamlDocument } from "../lib/manifest.js";

/** Registers `sluice export …`. */
export function registerExport(program: Command, kit: CommandKit): void {
  const verb = program.command("export").description("Export resources in YAML format");
  addKindCommands(
    verb,
    "[name]",
    (k) => `Export ${k.kind} resources in YAML format`,
    (cmd, kind) => {
      cmd.option("--all", "select all resources of this kind in the namespace");
      cmd.action(
        kit.action(async (ctx, opts, args) => {
          let objects: UnstructuredObject[];
          if (opts["all"]) objects = await listKind(ctx, kind, false);
          else if (args[0]) objects = [await getObject(ctx, kind, args[0])];
          else throw new CliError(`${kind.name} name is required (or use --all)`);
          ctx.io.stdout.write(objects.map((o) => toYamlDocument(cleanForExport(o))).join(""));
        }),
      );
    },
  );
}

/** The object as flux exports it: apiVersion, kind, name, namespace, user labels and annotations, spec. */
export function cleanForExport(obj: UnstructuredObject): UnstructuredObject {
  const labels = obj.metadata.labels;
  const annotations = Object.fromEntries(
    Object.entries(obj.metadata.annotations ?? {}).filter(
      ([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration" && !k.startsWith("reconcile.fluxcd.io/"),
    ),
  );
  const metadata: UnstructuredObject["metadata"] = { name: obj.metadata.name ?? "" };
  if (obj.metadata.namespace) metadata.namespace = obj.metadata.namespace;
  if (labels && Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const out: UnstructuredObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata };
  if (obj["spec"] !== undefined) out["spec"] = obj["spec"];
  return out;
}
