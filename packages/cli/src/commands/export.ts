// `sluice export source <kind> <name>|--all [--with-credentials]`, `sluice export kustomization|helmrelease <name>|--all`: clean YAML
// (no status, no server-set metadata) that can be applied to another cluster, as flux export prints it.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError, errorMessage } from "../errors.js";
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
      // flux's `export source` flag; the kinds with a secretRef (not HelmChart) print its Secret after the object.
      if (kind.source) cmd.option("--with-credentials", "include credential secrets");
      const withSecret = CREDENTIAL_KINDS.has(kind.kind);
      cmd.action(
        kit.action(async (ctx, opts, args) => {
          let objects: UnstructuredObject[];
          if (opts["all"]) objects = await listKind(ctx, kind, false);
          else if (args[0]) objects = [await getObject(ctx, kind, args[0])];
          else throw new CliError(`${kind.name} name is required (or use --all)`);
          let out = "";
          for (const obj of objects) {
            out += toYamlDocument(cleanForExport(obj));
            const secretName = (obj["spec"] as { secretRef?: { name?: string } } | undefined)?.secretRef?.name;
            if (opts["withCredentials"] && withSecret && secretName) {
              out += toYamlDocument(await exportedSecret(ctx, obj.metadata.namespace ?? ctx.namespace, secretName));
            }
          }
          ctx.io.stdout.write(out);
        }),
      );
    },
  );
}

/** Source kinds whose `spec.secretRef` `--with-credentials` exports (flux's exportWithSecretCommand users). */
const CREDENTIAL_KINDS = new Set(["GitRepository", "HelmRepository", "OCIRepository", "Bucket"]);

/** The Secret as flux's printSecretCredentials prints it: name, namespace, data and type only. */
async function exportedSecret(ctx: CommandContext, namespace: string, name: string): Promise<UnstructuredObject> {
  let secret: UnstructuredObject;
  try {
    secret = await ctx.kube().get<UnstructuredObject>({ apiVersion: "v1", kind: "Secret", namespace, name });
  } catch (err: unknown) {
    throw new CliError(`failed to retrieve secret ${name}, error: ${errorMessage(err)}`);
  }
  // Keys in flux's (alphabetical) order.
  return {
    apiVersion: "v1",
    ...(secret["data"] !== undefined ? { data: secret["data"] } : {}),
    kind: "Secret",
    metadata: { name, namespace },
    ...(secret["type"] !== undefined ? { type: secret["type"] } : {}),
  } as UnstructuredObject;
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
