// `sluice install [--export]` and `sluice uninstall`: the Sluice chart rendered with helm (CRDs, namespace,
// controllers' Deployments, RBAC, Services, NetworkPolicies), applied with server-side apply and verified until
// every Deployment's Pods run (on the embedded API server, whose Pods are simulated, it says so).

import { createInterface } from "node:readline/promises";
import { SOURCE_EXTENSIONS_API_VERSION } from "@sluice/api";
import { PatchType, type UnstructuredObject } from "@sluice/runtime/kube";
import { ResourceManager } from "@sluice/runtime/ssa";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError, errorMessage } from "../errors.js";
import {
  type InstallOptions,
  installFlagHelp,
  installOptionsFrom,
  installYaml,
  renderedObjects,
  renderInstall,
} from "../install/manifests.js";
import { APPLIER_KINDS, SOURCE_KINDS } from "../kinds.js";
import {
  type DeploymentHealth,
  deploymentPodsHealth,
  deploymentStatusHealth,
  isEmbeddedApiServer,
  SIMULATED_WARNING,
} from "../lib/deployment-health.js";
import { listKind } from "../lib/list.js";
import { Progress } from "../lib/progress.js";
import { poll } from "../lib/wait.js";

/** SSA field manager of everything the CLI applies. */
export const CLI_FIELD_MANAGER = "sluice";

/** Adds the install flags (shared with bootstrap). */
export function addInstallFlags(cmd: Command): Command {
  const help = installFlagHelp(process.env);
  return cmd
    .option("--components <list>", help.components)
    .option(
      "--components-extra <list>",
      "list of components in addition to those supplied or defaulted, accepts values such as 'source-watcher', 'image-reflector-controller', 'image-automation-controller'",
    )
    .option("--registry <address>", help.registry)
    .option("--version <tag>", help.version)
    .option("--image-pull-secret <name>", "Kubernetes secret name used for pulling the controller image")
    .option("--no-watch-all-namespaces", "watch for resources only in the namespace the controllers run in")
    .option("--no-network-policy", "do not deny ingress to the controllers from other namespaces (NetworkPolicies)")
    .option("--log-level <level>", "log level of the controllers: debug, info or error (default info)")
    .option("--cluster-domain <domain>", "internal cluster domain (default cluster.local)");
}

/** Registers `sluice install` and `sluice uninstall`. */
export function registerInstall(program: Command, kit: CommandKit): void {
  addInstallFlags(
    program
      .command("install")
      .description(
        "Install or upgrade Sluice: the Sluice chart rendered with helm, applied server-side. Build the image with 'pnpm image' and push it where --registry points.",
      )
      .option("--export", "write the install manifests to stdout and exit"),
  ).action(
    kit.action(async (ctx, opts) => {
      const o = installOptionsFrom(opts, ctx.io.env);
      if (opts["export"]) {
        ctx.io.stdout.write(installYaml(await renderInstall(o, ctx.io.env), o));
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
    .option("--dry-run", "only print the objects that would be deleted (server-side dry run)")
    .action(
      kit.action(async (ctx, opts) => {
        if (!opts["silent"] && !opts["dryRun"]) {
          if (!ctx.io.isTTY) throw new CliError("refusing to uninstall without confirmation: use --silent");
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(
            "Are you sure you want to delete Sluice and its custom resource definitions? [y/N] ",
          );
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("aborting");
        }
        await uninstall(ctx, Boolean(opts["keepNamespace"]), Boolean(opts["dryRun"]));
        return 0;
      }),
    );
}

/**
 * Applies the chart's render (staged: CRDs and namespace first) and waits until every Deployment runs: on a
 * real cluster until its Pods are Running and ready (a Pod that cannot pull its image fails the install with
 * the reason); on the embedded API server from the simulated status, saying that no Pod ran.
 */
export async function installComponents(ctx: CommandContext, o: InstallOptions): Promise<void> {
  const p = new Progress(ctx.io);
  try {
    p.generate("generating manifests");
    const objects = renderedObjects(await renderInstall(o, ctx.io.env));
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
    const simulated = await isEmbeddedApiServer(ctx);
    if (simulated) p.warning(SIMULATED_WARNING);
    for (const d of objects.filter((obj) => obj.kind === "Deployment")) {
      let last: DeploymentHealth | undefined;
      const health = await poll(
        async () => {
          const live = await ctx.kube().get<UnstructuredObject>({
            apiVersion: "apps/v1",
            kind: "Deployment",
            namespace: o.namespace,
            name: d.metadata.name!,
          });
          last = simulated ? deploymentStatusHealth(live) : await deploymentPodsHealth(ctx, live);
          return last.ready ? { done: true, value: last } : { done: false };
        },
        {
          timeoutMs: ctx.timeoutMs,
          what: `${d.metadata.name} deployment to run`,
          signal: ctx.io.signal,
          lastState: () => last?.detail,
        },
      );
      p.success(`${d.metadata.name}: deployment ready (${health.detail})`);
    }
    p.success("install finished");
  } finally {
    p.stop();
  }
}

/** Deletes the components, removes Flux finalizers everywhere, deletes the CRDs and (unless kept) the namespace. */
export async function uninstall(ctx: CommandContext, keepNamespace: boolean, dryRun = false): Promise<void> {
  const p = new Progress(ctx.io);
  const dry = dryRun ? " (dry run)" : "";
  const kube = ctx.kube();
  const selector = `app.kubernetes.io/part-of=sluice,app.kubernetes.io/instance=${ctx.namespace}`;
  p.action(`deleting components in ${ctx.namespace} namespace`);
  const namespaced: [string, string][] = [
    ["apps/v1", "Deployment"],
    ["v1", "Service"],
    ["v1", "ServiceAccount"],
    ["v1", "ConfigMap"],
    ["rbac.authorization.k8s.io/v1", "RoleBinding"],
    ["rbac.authorization.k8s.io/v1", "Role"],
    ["networking.k8s.io/v1", "NetworkPolicy"],
  ];
  for (const [apiVersion, kind] of namespaced) {
    for (const obj of (
      await kube.list<UnstructuredObject>(apiVersion, kind, { namespace: ctx.namespace, labelSelector: selector })
    ).items) {
      await deleteQuietly(ctx, p, obj, dryRun);
    }
  }
  for (const kind of ["ClusterRoleBinding", "ClusterRole"]) {
    for (const obj of (
      await kube.list<UnstructuredObject>("rbac.authorization.k8s.io/v1", kind, { labelSelector: selector })
    ).items) {
      await deleteQuietly(ctx, p, obj, dryRun);
    }
  }
  p.action("deleting toolkit.fluxcd.io finalizers in all namespaces");
  const lists = [...SOURCE_KINDS, ...APPLIER_KINDS].map((kind) => () => listKind(ctx, kind, true, true));
  // source-watcher's ArtifactGenerators too, when that component's CRD is there (as flux uninstall does).
  lists.push(() =>
    kube
      .list<UnstructuredObject>(SOURCE_EXTENSIONS_API_VERSION, "ArtifactGenerator")
      .then((l) => l.items)
      .catch(() => [] as UnstructuredObject[]),
  );
  for (const list of lists) {
    for (const obj of await list()) {
      if (!obj.metadata.finalizers?.length) continue;
      await kube.patch(
        {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          namespace: obj.metadata.namespace ?? "",
          name: obj.metadata.name ?? "",
        },
        { metadata: { finalizers: null } },
        { type: PatchType.Merge, dryRun },
      );
      p.success(`${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name} finalizers deleted${dry}`);
    }
  }
  p.action("deleting toolkit.fluxcd.io custom resource definitions");
  // The toolkit's and source-watcher's (source.extensions.fluxcd.io).
  const crds = (
    await kube.list<UnstructuredObject>("apiextensions.k8s.io/v1", "CustomResourceDefinition")
  ).items.filter((c) => /\.(toolkit|extensions)\.fluxcd\.io$/.test(c.metadata.name ?? ""));
  for (const crd of crds) await deleteQuietly(ctx, p, crd, dryRun);
  if (!keepNamespace) {
    const ns = await kube.getOptional<UnstructuredObject>({ apiVersion: "v1", kind: "Namespace", name: ctx.namespace });
    if (ns) await deleteQuietly(ctx, p, ns, dryRun);
  }
  p.success(`uninstall finished${dry}`);
}

async function deleteQuietly(ctx: CommandContext, p: Progress, obj: UnstructuredObject, dryRun = false): Promise<void> {
  const ref = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? "",
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
  const subject = [obj.kind, obj.metadata.namespace, obj.metadata.name].filter(Boolean).join("/");
  try {
    await ctx.kube().delete(ref, dryRun ? { dryRun } : {});
    p.success(`${subject} deleted${dryRun ? " (dry run)" : ""}`);
  } catch (err: unknown) {
    if ((err as { status?: number }).status === 404) return;
    p.failure(`${subject} deletion failed: ${errorMessage(err)}`);
  }
}
