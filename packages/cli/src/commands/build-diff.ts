// `sluice build kustomization <name> --path <dir>`: the objects the Kustomization would apply if its source
// held <dir>, built with its in-cluster settings (targetNamespace, patches, images, components, post-build
// substitution) by @sluice/kustomize, the pipeline kustomize-controller runs; and
// `sluice diff kustomization <name> --path <dir>`: a server-side dry-run of those objects against the cluster,
// exit 1 when anything would change.

import { readFile, stat } from "node:fs/promises";
import { basename, relative, resolve } from "node:path";
import { KUSTOMIZE_GROUP, type Kustomization, parseInventoryEntry } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { Action, ResourceManager } from "@sluice/runtime/ssa";
import type { Command } from "commander";
import { parseAllDocuments } from "yaml";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError, errorMessage } from "../errors.js";
import { KUSTOMIZATION } from "../kinds.js";
import { buildRoot } from "../lib/build-root.js";
import { getObject } from "../lib/get-object.js";
import { toYamlDocument } from "../lib/manifest.js";
import { Progress } from "../lib/progress.js";
import { maskSopsData } from "../lib/sops-mask.js";
import { formatStructuredDiff, structuredDiff } from "../lib/structured-diff.js";

/** Registers `sluice build kustomization` and `sluice diff kustomization`. */
export function registerBuildDiff(program: Command, kit: CommandKit): void {
  const build = program.command("build").description("Build a flux resource");
  withFlags(build.command("kustomization <name>").alias("ks"))
    .description("Build a Kustomization from a local directory with its in-cluster settings and print the objects")
    .action(
      kit.action(async (ctx, opts, args) => {
        const objects = await buildLocal(
          ctx,
          args[0]!,
          opts["path"] as string,
          opts["kustomizationFile"] as string | undefined,
        );
        // As flux build: SOPS-encrypted Secret values are printed as **SOPS**, never as ciphertext.
        ctx.io.stdout.write(objects.map((o) => toYamlDocument(maskSopsData(o))).join(""));
      }),
    );
  const diff = program.command("diff").description("Diff a flux resource");
  withFlags(diff.command("kustomization <name>").alias("ks"))
    .description(
      "Diff a Kustomization built from a local directory against the cluster (server-side dry-run); exit 1 when there are changes",
    )
    .action(
      kit.action(async (ctx, opts, args) =>
        diffLocal(ctx, args[0]!, opts["path"] as string, opts["kustomizationFile"] as string | undefined),
      ),
    );
}

function withFlags(cmd: Command): Command {
  return cmd
    .requiredOption(
      "--path <dir>",
      "path to the local directory holding the manifests of the Kustomization's spec.path",
    )
    .option("--kustomization-file <file>", "read the Kustomization from this YAML file instead of the cluster");
}

async function readKustomization(ctx: CommandContext, name: string, file: string | undefined): Promise<Kustomization> {
  if (!file) return (await getObject(ctx, KUSTOMIZATION, name)) as unknown as Kustomization;
  let text: string;
  try {
    text = await readFile(resolve(ctx.io.cwd, file), "utf8");
  } catch (err: unknown) {
    throw new CliError(`invalid --kustomization-file "${file}": ${errorMessage(err)}`);
  }
  const found = parseAllDocuments(text)
    .map((d) => d.toJS() as UnstructuredObject | null)
    .find((o) => o?.kind === "Kustomization" && o.metadata?.name === name);
  if (!found) throw new CliError(`invalid --kustomization-file "${file}": no Kustomization named ${name} in it`);
  found.metadata.namespace ??= ctx.namespace;
  return found as unknown as Kustomization;
}

/** Builds `dir` as the Kustomization's path, as kustomize-controller would. */
export async function buildLocal(
  ctx: CommandContext,
  name: string,
  dir: string,
  file?: string,
): Promise<UnstructuredObject[]> {
  const target = resolve(ctx.io.cwd, dir);
  const info = await stat(target).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`invalid --path "${dir}": not a directory`);
  // As flux: the overlay is built where it lies, so `../../base` resolves inside the repository.
  const root = await buildRoot(target, resolve(ctx.io.cwd));
  const ks = await readKustomization(ctx, name, file);
  // Loaded on use: the build pipeline (kustomize, SOPS, substitution) is heavy and most commands never need it.
  const { postBuildVariables, renderKustomization } = await import("@sluice/kustomize");
  try {
    const built = await renderKustomization({
      root,
      path: relative(root, target) || ".",
      copyFilter: (p) => basename(p) !== ".git",
      spec: ks.spec,
      owner: { name: ks.metadata.name ?? name, namespace: ks.metadata.namespace ?? ctx.namespace },
      variables: await postBuildVariables(ctx.kube(), ks),
      substitute: { always: ks.spec.postBuild?.substituteStrategy === "Always" },
      commonMetadata: ks.spec.commonMetadata,
      timeoutMs: ctx.timeoutMs,
    });
    return built.objects as unknown as UnstructuredObject[];
  } catch (err: unknown) {
    throw new CliError(`build failed: ${errorMessage(err)}`);
  }
}

async function diffLocal(ctx: CommandContext, name: string, dir: string, file?: string): Promise<number> {
  const p = new Progress(ctx.io);
  const objects = await buildLocal(ctx, name, dir, file);
  const ks = await readKustomization(ctx, name, file);
  p.action("Kustomization diffing...");
  const manager = new ResourceManager({
    client: ctx.kube(),
    owner: { field: "kustomize-controller", group: KUSTOMIZE_GROUP },
  });
  let changed = false;
  const built = new Set<string>();
  for (const obj of objects) {
    let result: Awaited<ReturnType<ResourceManager["diff"]>>;
    try {
      result = await manager.diff(obj, ks.spec.ignore ? { driftIgnoreRules: ks.spec.ignore } : {});
    } catch (err: unknown) {
      throw new CliError(`dry-run of ${obj.kind}/${obj.metadata.name} failed: ${errorMessage(err)}`);
    }
    built.add(result.entry.id);
    if (result.entry.action === Action.Created) {
      changed = true;
      ctx.out(`► ${result.entry.subject} created`);
    } else if (result.entry.action === Action.Configured) {
      changed = true;
      ctx.out(`► ${result.entry.subject} drifted`);
      if (result.live && result.merged) {
        ctx.io.stdout.write(formatStructuredDiff(structuredDiff(comparable(result.live), comparable(result.merged))));
      }
    }
  }
  if (ks.spec.prune) {
    const entries =
      (ks as unknown as { status?: { inventory?: { entries?: { id: string; v: string }[] } } }).status?.inventory
        ?.entries ?? [];
    for (const entry of entries) {
      if (built.has(entry.id)) continue;
      const o = parseInventoryEntry(entry);
      changed = true;
      ctx.out(`► ${o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`} deleted`);
    }
  }
  if (changed) {
    p.warning("identified at least one change, exiting with non-zero exit code");
    return 1;
  }
  p.success("no changes");
  return 0;
}

/** The object without server-set metadata and status, as compared for the report. */
function comparable(obj: UnstructuredObject): UnstructuredObject {
  const copy = structuredClone(obj);
  for (const key of ["resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"] as const)
    delete copy.metadata[key];
  delete copy["status"];
  return copy;
}
