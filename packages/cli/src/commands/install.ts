// `sluice install [--export]` and `sluice uninstall`: the CRDs, namespace and controllers (Deployments, RBAC,
// Services) in a cluster, applied with server-side apply and verified until the Deployments are ready.

import { createInterface } from "node:readline/promises";
import { PatchType, type UnstructuredObject } from "@sluice/runtime/kube";
import { ResourceManager } from "@sluice/runtime/ssa";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError, errorMessage } from "../errors.js";
import { DEFAULT_REGISTRY, type InstallOptions } from "../install/components.js";
import { INSTALL_FLAG_HELP, installObjects, installOptionsFrom, installYaml } from "../install/manifests.js";
import { APPLIER_KINDS, SOURCE_KINDS } from "../kinds.js";
import { listKind } from "../lib/list.js";
import { Progress } from "../lib/progress.js";
import { poll } from "../lib/wait.js";

/** SSA field manager of everything the CLI applies. */
export const CLI_FIELD_MANAGER = "sluice";

/** Adds the install flags (shared with bootstrap). */
export function addInstallFlags(cmd: Command): Command {
  return cmd
    .option("--components <list>", INSTALL_FLAG_HELP.components)
    .option("--registry <address>", INSTALL_FLAG_HELP.registry, DEFAULT_REGISTRY)
    .option("--version <tag>", INSTALL_FLAG_HELP.version)
    .option("--image-pull-secret <name>", "Kubernetes secret name used for pulling the controller images")
    .option("--no-watch-all-namespaces", "watch for resources only in the namespace the controllers run in")
    .option("--log-level <level>", "log level of the controllers: debug, info or error", "info")
    .option("--cluster-domain <domain>", "internal cluster domain", "cluster.local");
}

/** Registers `sluice install` and `sluice uninstall`. */
export function registerInstall(program: Command, kit: CommandKit): void {
  addInstallFlags(
    program
      .command("install")
      .description(
        "Install or upgrade the Sluice controllers and CRDs. Note: no controller images are published yet — build them and pass --registry.",
      )
      .option("--export", "write the install manifests to stdout and exit"),
  ).action(
    kit.action(async (ctx, opts) => {
      const o = installOptionsFrom(opts);
      if (opts["export"]) {
        ctx.io.stdout.write(installYaml(await installObjects(o, ctx.io.env), o));
        return 0;
      }
      await installComponents(ctx, o);
      return 0;
    }),
  );

  program
    .command("uninstall")
    .description("Uninstall the Sluice controllers, their CRDs (and so every Flux object) and the namespace")
    .option("-s, --silent", "delete components without asking for confirmation")
    .option("--keep-namespace", "skip namespace deletion")
    .action(
      kit.action(async (ctx, opts) => {
        if (!opts["silent"]) {
          if (!ctx.io.isTTY) throw new CliError("refusing to uninstall without confirmation: use --silent");
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(
            "Are you sure you want to delete Sluice and its custom resource definitions? [y/N] ",
          );
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("aborting");
        }
        await uninstall(ctx, Boolean(opts["keepNamespace"]));
        return 0;
      }),
    );
}

/** Applies CRDs and components (staged: CRDs and namespace first) and waits until the Deployments are ready. */
export async function installComponents(ctx: CommandContext, o: InstallOptions): Promise<void> {
  const p = new Progress(ctx.io);
  try {
    p.generate("generating manifests");
    const objects = await installObjects(o, ctx.io.env);
    p.success("manifests build completed");
    p.action(`installing components in ${o.namespace} namespace`);
    const manager = new ResourceManager({
      client: ctx.kube(),
      owner: { field: CLI_FIELD_MANAGER, group: "toolkit.fluxcd.io" },
    });
    const changes = await manager.applyAllStaged(objects, { waitTimeout: ctx.timeoutMs });
    for (const e of changes.entries) ctx.out(`${e.subject} ${e.action}`);
    p.success("install completed");
    p.waiting("verifying installation");
    const deployments = objects.filter((obj) => obj.kind === "Deployment");
    for (const d of deployments) {
      await poll(
        async () => {
          const live = await ctx.kube().get<UnstructuredObject>({
            apiVersion: "apps/v1",
            kind: "Deployment",
            namespace: o.namespace,
            name: d.metadata.name!,
          });
          const want = (live["spec"] as { replicas?: number }).replicas ?? 1;
          const ready = (live["status"] as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
          return ready >= want ? { done: true, value: undefined } : { done: false };
        },
        { timeoutMs: ctx.timeoutMs, what: `${d.metadata.name} deployment to become ready`, signal: ctx.io.signal },
      );
      p.success(`${d.metadata.name}: deployment ready`);
    }
    p.success("install finished");
  } finally {
    p.stop();
  }
}

/** Deletes the components, removes Flux finalizers everywhere, deletes the CRDs and (unless kept) the namespace. */
export async function uninstall(ctx: CommandContext, keepNamespace: boolean): Promise<void> {
  const p = new Progress(ctx.io);
  const kube = ctx.kube();
  const selector = `app.kubernetes.io/part-of=sluice,app.kubernetes.io/instance=${ctx.namespace}`;
  p.action(`deleting components in ${ctx.namespace} namespace`);
  const namespaced: [string, string][] = [
    ["apps/v1", "Deployment"],
    ["v1", "Service"],
    ["v1", "ServiceAccount"],
  ];
  for (const [apiVersion, kind] of namespaced) {
    for (const obj of (
      await kube.list<UnstructuredObject>(apiVersion, kind, { namespace: ctx.namespace, labelSelector: selector })
    ).items) {
      await deleteQuietly(ctx, p, obj);
    }
  }
  for (const kind of ["ClusterRoleBinding", "ClusterRole"]) {
    for (const obj of (
      await kube.list<UnstructuredObject>("rbac.authorization.k8s.io/v1", kind, { labelSelector: selector })
    ).items) {
      await deleteQuietly(ctx, p, obj);
    }
  }
  p.action("deleting toolkit.fluxcd.io finalizers in all namespaces");
  for (const kind of [...SOURCE_KINDS, ...APPLIER_KINDS]) {
    for (const obj of await listKind(ctx, kind, true, true)) {
      if (!obj.metadata.finalizers?.length) continue;
      await kube.patch(
        {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          namespace: obj.metadata.namespace ?? "",
          name: obj.metadata.name ?? "",
        },
        { metadata: { finalizers: null } },
        { type: PatchType.Merge },
      );
      p.success(`${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name} finalizers deleted`);
    }
  }
  p.action("deleting toolkit.fluxcd.io custom resource definitions");
  const crds = (
    await kube.list<UnstructuredObject>("apiextensions.k8s.io/v1", "CustomResourceDefinition")
  ).items.filter((c) => (c.metadata.name ?? "").endsWith(".toolkit.fluxcd.io"));
  for (const crd of crds) await deleteQuietly(ctx, p, crd);
  if (!keepNamespace) {
    const ns = await kube.getOptional<UnstructuredObject>({ apiVersion: "v1", kind: "Namespace", name: ctx.namespace });
    if (ns) await deleteQuietly(ctx, p, ns);
  }
  p.success("uninstall finished");
}

async function deleteQuietly(ctx: CommandContext, p: Progress, obj: UnstructuredObject): Promise<void> {
  const ref = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? "",
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
  const subject = [obj.kind, obj.metadata.namespace, obj.metadata.name].filter(Boolean).join("/");
  try {
    await ctx.kube().delete(ref);
    p.success(`${subject} deleted`);
  } catch (err: unknown) {
    if ((err as { status?: number }).status === 404) return;
    p.failure(`${subject} deletion failed: ${errorMessage(err)}`);
  }
}
