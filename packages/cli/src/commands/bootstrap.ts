// `sluice bootstrap git --url <repo> --branch <b> --path <dir>`: installs the controllers, commits the
// component manifests (`<path>/<namespace>/gotk-components.yaml`) and the sync manifests (`gotk-sync.yaml`,
// `kustomization.yaml`) to the repository, applies the `flux-system` GitRepository and Kustomization, and waits
// until the cluster reconciles itself from Git.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import { GitWorkdir } from "../bootstrap/git-repo.js";
import { SYNC_KUSTOMIZATION, syncObjects, syncYaml } from "../bootstrap/sync-manifests.js";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { installOptionsFrom, installYaml, renderInstall } from "../install/manifests.js";
import { KUSTOMIZATION, sourceKind } from "../kinds.js";
import { upsert } from "../lib/apply.js";
import { durationFlag } from "../lib/manifest.js";
import { revisionOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { waitReady } from "../lib/wait-ready.js";
import { addInstallFlags, CLI_FIELD_MANAGER, installComponents } from "./install.js";

/** Registers `sluice bootstrap git`. */
export function registerBootstrap(program: Command, kit: CommandKit): void {
  const bootstrap = program.command("bootstrap").description("Deploy Sluice on a cluster the GitOps way");
  addInstallFlags(
    bootstrap
      .command("git")
      .description("Deploy Sluice on a cluster connected to a Git repository (http(s):// or ssh://)")
      .requiredOption("--url <url>", "Git repository URL")
      .option("--branch <branch>", "Git branch", "main")
      .option("--path <dir>", "path relative to the repository root, the cluster sync will be scoped to this path", ".")
      .option("--interval <duration>", "sync interval", "1m0s")
      .option("--username <name>", "basic authentication username (http(s) remotes)", "git")
      .option("--password <password>", "basic authentication password (http(s) remotes); stored in Secret flux-system")
      .option("--author-name <name>", "author name for Git commits", "Sluice")
      .option("--author-email <email>", "author email for Git commits", "sluice@users.noreply.local")
      .option("--commit-message-appendix <text>", "string to add to the commit messages"),
  ).action(
    kit.action(async (ctx, opts) => {
      const url = opts["url"] as string;
      const branch = opts["branch"] as string;
      const path = (opts["path"] as string).replace(/^\.?\/+/, "").replace(/\/+$/, "");
      const interval = durationFlag(opts["interval"] as string, "interval");
      const password = opts["password"] as string | undefined;
      const appendix = opts["commitMessageAppendix"] ? `\n\n${opts["commitMessageAppendix"]}` : "";
      if (!/^(https?|ssh):\/\//.test(url))
        throw new CliError(`invalid --url "${url}": want an http(s):// or ssh:// address`);
      const o = installOptionsFrom(opts, ctx.io.env);
      const dir = join(path, o.namespace);
      const p = new Progress(ctx.io);
      const work = await mkdtemp(join(tmpdir(), "sluice-bootstrap-"));
      try {
        p.action(`cloning branch "${branch}" from Git repository "${url}"`);
        const repo = await GitWorkdir.clone(url, branch, work, {
          authorName: opts["authorName"] as string,
          authorEmail: opts["authorEmail"] as string,
          username: opts["username"] as string,
          password,
        });
        p.success("cloned repository");

        p.action("generating component manifests");
        const components = installYaml(await renderInstall(o, ctx.io.env), o);
        await repo.write({ [join(dir, "gotk-components.yaml")]: components });
        p.success("generated component manifests");
        const componentsCommit = await repo.commit(`Add Sluice component manifests${appendix}`);
        if (componentsCommit) {
          p.success(`committed component manifests to "${branch}" ("${componentsCommit}")`);
          p.action(`pushing component manifests to "${url}"`);
          await repo.push();
        } else p.success("component manifests are up to date");

        p.action(`installing components in "${o.namespace}" namespace`);
        await installComponents(ctx, o);

        p.action("generating sync manifests");
        let secretRef: string | undefined;
        if (password !== undefined) {
          secretRef = o.namespace;
          await upsertSecret(ctx, o.namespace, opts["username"] as string, password);
          p.success(`credentials stored in Secret "${o.namespace}/${secretRef}"`);
        }
        const sync = syncObjects({
          name: o.namespace,
          namespace: o.namespace,
          url,
          branch,
          path: path || ".",
          interval,
          secretRef,
        });
        await repo.write({
          [join(dir, "gotk-sync.yaml")]: syncYaml(sync),
          [join(dir, "kustomization.yaml")]: SYNC_KUSTOMIZATION,
        });
        p.success("generated sync manifests");
        const syncCommit = await repo.commit(`Add Sluice sync manifests${appendix}`);
        if (syncCommit) {
          p.success(`committed sync manifests to "${branch}" ("${syncCommit}")`);
          p.action(`pushing sync manifests to "${url}"`);
          await repo.push();
        } else p.success("sync manifests are up to date");

        p.action("applying sync manifests");
        for (const obj of sync) await upsert(ctx, obj);
        p.success("reconciled sync configuration");
        p.waiting(`waiting for GitRepository "${o.namespace}/${o.namespace}" to be reconciled`);
        const source = await waitReady(ctx, sourceKind("git"), o.namespace, o.namespace);
        p.success(`GitRepository reconciled successfully (${revisionOf(source)})`);
        p.waiting(`waiting for Kustomization "${o.namespace}/${o.namespace}" to be reconciled`);
        const ks = await waitReady(ctx, KUSTOMIZATION, o.namespace, o.namespace);
        p.success(`Kustomization reconciled successfully (${revisionOf(ks)})`);
        p.success("bootstrap finished");
        return 0;
      } finally {
        p.stop();
        await rm(work, { recursive: true, force: true });
      }
    }),
  );
}

async function upsertSecret(ctx: CommandContext, namespace: string, username: string, password: string): Promise<void> {
  await ctx.kube().apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: namespace, namespace },
      stringData: { username, password },
    } as UnstructuredObject,
    { fieldManager: CLI_FIELD_MANAGER, force: true },
  );
}
