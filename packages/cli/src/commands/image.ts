// flux's image verbs: `create image repository|policy|update` (`--export` prints the YAML),
// `get images all|repository|policy|update`, `reconcile image repository|update`,
// `suspend|resume image repository|policy|update`. They join the existing verbs (registered after them).

import { IMAGE_API_VERSION } from "@sluice/api";
import { PatchType, type UnstructuredObject } from "@sluice/runtime";
import type { Command } from "commander";
import type { CommandKit, Opts } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import type { CliKind } from "../kinds.js";
import { upsert } from "../lib/apply.js";
import { getObject } from "../lib/get-object.js";
import { listKind } from "../lib/list.js";
import { collect, durationFlag, labelsFlag, toYamlDocument } from "../lib/manifest.js";
import { failureMessage, isSuspended, readyOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { formatTable } from "../lib/table.js";
import { waitReady, waitReconciled } from "../lib/wait-ready.js";
import { requestReconcile } from "./reconcile.js";

const kind = (name: string, k: string): CliKind => ({ name, apiVersion: IMAGE_API_VERSION, kind: k, source: false });
/** ImageRepository as `sluice … image repository`. */
export const IMAGE_REPOSITORY = kind("repository", "ImageRepository");
/** ImagePolicy as `sluice … image policy`. */
export const IMAGE_POLICY = kind("policy", "ImagePolicy");
/** ImageUpdateAutomation as `sluice … image update`. */
export const IMAGE_UPDATE = kind("update", "ImageUpdateAutomation");
/** The image kinds in flux's `get images all` order. */
export const IMAGE_KINDS: readonly CliKind[] = [IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE];

function sub(program: Command, verb: string): Command {
  const found = program.commands.find((c) => c.name() === verb);
  if (!found) throw new Error(`sluice: the ${verb} command must be registered first`);
  return found;
}

function str(opts: Opts, key: string): string | undefined {
  const v = opts[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function meta(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject["metadata"] {
  const labels = labelsFlag(opts["label"] as string[] | undefined);
  return { name, namespace: ctx.namespace, ...(labels ? { labels } : {}) };
}

/** The ImageRepository `sluice create image repository` makes (flux's flags). */
export function imageRepositoryObject(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const image = str(opts, "image");
  if (!image) throw new CliError("an image repository (--image) is required");
  if (image.includes("://")) throw new CliError(`invalid --image "${image}": give the repository without a scheme`);
  const spec: Record<string, unknown> = { image, interval: durationFlag(opts["interval"] as string, "interval") };
  if (str(opts, "secretRef")) spec["secretRef"] = { name: str(opts, "secretRef") };
  if (str(opts, "certSecretRef")) spec["certSecretRef"] = { name: str(opts, "certSecretRef") };
  if (str(opts, "provider")) spec["provider"] = str(opts, "provider");
  if (opts["insecure"]) spec["insecure"] = true;
  const exclusions = (opts["exclusionList"] as string[] | undefined) ?? [];
  if (exclusions.length > 0) spec["exclusionList"] = exclusions;
  return { apiVersion: IMAGE_API_VERSION, kind: "ImageRepository", metadata: meta(ctx, opts, name), spec };
}

/** The ImagePolicy `sluice create image policy` makes (flux's `--select-*`, `--filter-*` flags). */
export function imagePolicyObject(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const repo = str(opts, "imageRef");
  if (!repo) throw new CliError("the name of an ImageRepository (--image-ref) is required");
  const chosen = [
    str(opts, "selectSemver") && { semver: { range: str(opts, "selectSemver") } },
    str(opts, "selectNumeric") && { numerical: { order: order(str(opts, "selectNumeric")!, "--select-numeric") } },
    str(opts, "selectAlpha") && { alphabetical: { order: order(str(opts, "selectAlpha")!, "--select-alpha") } },
  ].filter(Boolean);
  if (chosen.length !== 1) {
    throw new CliError("exactly one of --select-semver, --select-numeric or --select-alpha is required");
  }
  const [ns, n] = repo.includes("/") ? repo.split("/") : [undefined, repo];
  const spec: Record<string, unknown> = {
    imageRepositoryRef: { name: n, ...(ns ? { namespace: ns } : {}) },
    policy: chosen[0],
  };
  if (str(opts, "filterRegex")) {
    spec["filterTags"] = {
      pattern: str(opts, "filterRegex"),
      ...(str(opts, "filterExtract") ? { extract: str(opts, "filterExtract") } : {}),
    };
  } else if (str(opts, "filterExtract")) {
    throw new CliError("--filter-extract needs --filter-regex");
  }
  const reflect = str(opts, "reflectDigest");
  if (reflect) {
    if (!["Never", "IfNotPresent", "Always"].includes(reflect)) {
      throw new CliError(`invalid --reflect-digest "${reflect}": want Never, IfNotPresent or Always`);
    }
    spec["digestReflectionPolicy"] = reflect;
    if (reflect === "Always") spec["interval"] = durationFlag(str(opts, "interval") ?? "10m", "interval");
  }
  return { apiVersion: IMAGE_API_VERSION, kind: "ImagePolicy", metadata: meta(ctx, opts, name), spec };
}

function order(value: string, flag: string): string {
  const v = value.toLowerCase();
  if (v !== "asc" && v !== "desc") throw new CliError(`invalid ${flag} "${value}": want asc or desc`);
  return v;
}

/** The ImageUpdateAutomation `sluice create image update` makes (flux's flags). */
export function imageUpdateObject(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const gitRepo = str(opts, "gitRepoRef");
  if (!gitRepo) throw new CliError("a reference to a GitRepository (--git-repo-ref) is required");
  const email = str(opts, "authorEmail");
  if (!email) throw new CliError("the author email (--author-email) is required");
  const [ns, n] = gitRepo.includes("/") ? gitRepo.split("/") : [undefined, gitRepo];
  const git: Record<string, unknown> = {
    commit: {
      author: { email, ...(str(opts, "authorName") ? { name: str(opts, "authorName") } : {}) },
      ...(str(opts, "commitTemplate") ? { messageTemplate: str(opts, "commitTemplate") } : {}),
    },
  };
  if (str(opts, "checkoutBranch")) git["checkout"] = { ref: { branch: str(opts, "checkoutBranch") } };
  if (str(opts, "pushBranch")) git["push"] = { branch: str(opts, "pushBranch") };
  const spec: Record<string, unknown> = {
    interval: durationFlag(opts["interval"] as string, "interval"),
    sourceRef: { kind: "GitRepository", name: n, ...(ns ? { namespace: ns } : {}) },
    git,
    update: { strategy: "Setters", path: str(opts, "gitRepoPath") ?? "./" },
  };
  return { apiVersion: IMAGE_API_VERSION, kind: "ImageUpdateAutomation", metadata: meta(ctx, opts, name), spec };
}

async function applyObject(ctx: CommandContext, opts: Opts, obj: UnstructuredObject, k: CliKind): Promise<number> {
  if (opts["export"]) {
    ctx.io.stdout.write(toYamlDocument(obj));
    return 0;
  }
  const p = new Progress(ctx.io);
  try {
    p.generate(`generating ${obj.kind}`);
    p.action(`applying ${obj.kind}`);
    const { created } = await upsert(ctx, obj);
    p.success(`${obj.kind} ${created ? "created" : "updated"}`);
    p.waiting(`waiting for ${obj.kind} reconciliation`);
    const ready = await waitReady(ctx, k, ctx.namespace, obj.metadata.name ?? "");
    p.success(`${obj.kind} reconciliation completed`);
    p.success(outcome(ready));
    return 0;
  } finally {
    p.stop();
  }
}

/** flux's one-line outcome of an image object. */
function outcome(obj: UnstructuredObject): string {
  const status = (obj["status"] ?? {}) as Record<string, unknown>;
  if (obj.kind === "ImageRepository") {
    const scan = status["lastScanResult"] as { tagCount?: number } | undefined;
    return `fetched ${scan?.tagCount ?? 0} tags`;
  }
  if (obj.kind === "ImagePolicy") {
    const ref = status["latestRef"] as { name?: string; tag?: string } | undefined;
    return `selected ref ${ref?.name ?? ""}:${ref?.tag ?? ""}`;
  }
  const commit = status["lastPushCommit"] as string | undefined;
  return commit ? `last push commit ${commit}` : "repository up-to-date";
}

/** One table row of an image object, flux's columns per kind. */
function imageRow(obj: UnstructuredObject, qualified: boolean): string[] {
  const status = (obj["status"] ?? {}) as Record<string, unknown>;
  const name = qualified ? `${obj.kind.toLowerCase()}/${obj.metadata.name}` : (obj.metadata.name ?? "");
  const ready = readyOf(obj);
  const suspended = isSuspended(obj) ? "True" : "False";
  if (obj.kind === "ImageRepository") {
    const scan = status["lastScanResult"] as { scanTime?: string } | undefined;
    return [name, scan?.scanTime ?? "", suspended, ready.status, ready.message];
  }
  if (obj.kind === "ImagePolicy") {
    const ref = status["latestRef"] as { name?: string; tag?: string; digest?: string } | undefined;
    const image = ref ? `${ref.name}:${ref.tag}${ref.digest ? `@${ref.digest}` : ""}` : "";
    return [name, image, ready.status, ready.message];
  }
  return [name, String(status["lastAutomationRunTime"] ?? ""), suspended, ready.status, ready.message];
}

const HEADERS: Record<string, string[]> = {
  ImageRepository: ["NAME", "LAST SCAN", "SUSPENDED", "READY", "MESSAGE"],
  ImagePolicy: ["NAME", "LATEST IMAGE", "READY", "MESSAGE"],
  ImageUpdateAutomation: ["NAME", "LAST RUN", "SUSPENDED", "READY", "MESSAGE"],
};

async function printImages(ctx: CommandContext, kinds: readonly CliKind[], opts: Opts, many: boolean): Promise<void> {
  const all = Boolean(opts["allNamespaces"]);
  const sections: string[] = [];
  for (const k of kinds) {
    const items = await listKind(ctx, k, all, many);
    if (items.length === 0) {
      if (!many) {
        new Progress(ctx.io).failure(
          all
            ? `no ${k.kind} objects found in any namespace`
            : `no ${k.kind} objects found in ${ctx.namespace} namespace`,
        );
      }
      continue;
    }
    const header = [...(HEADERS[k.kind] ?? [])];
    if (all) header.unshift("NAMESPACE");
    const rows = items.map((obj) => {
      const row = imageRow(obj, many);
      if (all) row.unshift(obj.metadata.namespace ?? "");
      return row;
    });
    sections.push(formatTable(header, rows, ctx.io.columns));
  }
  if (many && sections.length === 0) {
    new Progress(ctx.io).failure(
      all ? "no image objects found in any namespace" : `no image objects found in ${ctx.namespace} namespace`,
    );
  }
  ctx.io.stdout.write(sections.join("\n"));
}

async function reconcileImage(ctx: CommandContext, k: CliKind, name: string): Promise<number> {
  const p = new Progress(ctx.io);
  try {
    const obj = await getObject(ctx, k, name);
    if (isSuspended(obj)) throw new CliError("resource is suspended");
    p.action(`annotating ${k.kind} ${name} in ${ctx.namespace} namespace`);
    const requestedAt = await requestReconcile(ctx, obj);
    p.success(`${k.kind} annotated`);
    p.waiting(`waiting for ${k.kind} reconciliation`);
    const done = await waitReconciled(ctx, k, ctx.namespace, name, requestedAt);
    if (readyOf(done).status !== "True") {
      p.failure(failureMessage(done));
      return 1;
    }
    p.success(`${k.kind} reconciliation completed`);
    p.success(outcome(done));
    return 0;
  } finally {
    p.stop();
  }
}

async function setSuspend(ctx: CommandContext, k: CliKind, name: string, suspend: boolean): Promise<number> {
  const p = new Progress(ctx.io);
  try {
    await getObject(ctx, k, name);
    p.action(`${suspend ? "suspending" : "resuming"} image ${k.name} ${name} in ${ctx.namespace} namespace`);
    const ref = { apiVersion: k.apiVersion, kind: k.kind, namespace: ctx.namespace, name };
    await ctx.kube().patch(ref, { spec: { suspend: suspend ? true : null } }, { type: PatchType.Merge });
    p.success(`${k.kind} ${suspend ? "suspended" : "resumed"}`);
    return 0;
  } finally {
    p.stop();
  }
}

/** Adds the image commands to the `create`, `get`, `reconcile`, `suspend` and `resume` verbs. */
export function registerImage(program: Command, kit: CommandKit): void {
  const create = sub(program, "create").command("image").description("Create or update image automation objects");
  const common = (c: Command) =>
    c
      .option("--interval <duration>", "the reconciliation interval", "1m0s")
      .option("--export", "export in YAML format to stdout")
      .option("--label <key=value>", "set labels on the resource (can be repeated)", collect);
  common(
    create
      .command("repository <name>")
      .description("Create or update an ImageRepository object")
      .option("--image <repository>", "the image repository to scan; e.g., library/alpine")
      .option("--secret-ref <name>", "the name of a docker-registry secret to use for credentials")
      .option("--cert-secret-ref <name>", "the name of a secret holding ca.crt and/or tls.crt/tls.key")
      .option("--provider <name>", "the provider for registry authentication (generic)")
      .option("--insecure", "allow a plain-HTTP registry")
      .option("--exclusion-list <regex>", "a regular expression of tags to leave out (can be repeated)", collect),
  ).action(
    kit.action((ctx, opts, args) =>
      applyObject(ctx, opts, imageRepositoryObject(ctx, opts, args[0]!), IMAGE_REPOSITORY),
    ),
  );
  common(
    create
      .command("policy <name>")
      .description("Create or update an ImagePolicy object")
      .option("--image-ref <name>", "the name of an image repository object ([<namespace>/]<name>)")
      .option("--select-semver <range>", "a semver range to apply to tags; e.g., '1.x'")
      .option("--select-numeric <order>", "use numeric sorting to select image; either 'asc' or 'desc'")
      .option("--select-alpha <order>", "use alphabetical sorting to select image; either 'asc' or 'desc'")
      .option("--filter-regex <regex>", "a regular expression pattern used to filter the image tags")
      .option("--filter-extract <template>", "replacement pattern (using capture groups from --filter-regex)")
      .option("--reflect-digest <policy>", "when to reflect the digest: Never, IfNotPresent or Always"),
  ).action(
    kit.action((ctx, opts, args) => applyObject(ctx, opts, imagePolicyObject(ctx, opts, args[0]!), IMAGE_POLICY)),
  );
  common(
    create
      .command("update <name>")
      .description("Create or update an ImageUpdateAutomation object")
      .option("--git-repo-ref <name>", "the name of a GitRepository ([<namespace>/]<name>)")
      .option("--git-repo-path <path>", "path to the directory containing the manifests to be updated", "./")
      .option("--checkout-branch <branch>", "the branch to checkout (defaults to the GitRepository's)")
      .option("--push-branch <branch>", "the branch to push commits to (defaults to the checkout branch)")
      .option("--author-name <name>", "the name to use for commit author")
      .option("--author-email <email>", "the email to use for commit author")
      .option("--commit-template <template>", "a template for commit messages"),
  ).action(
    kit.action((ctx, opts, args) => applyObject(ctx, opts, imageUpdateObject(ctx, opts, args[0]!), IMAGE_UPDATE)),
  );

  const get = sub(program, "get").command("images").alias("image").description("Get image automation object status");
  const allNs = (c: Command) => c.option("-A, --all-namespaces", "list the requested object(s) across all namespaces");
  for (const k of IMAGE_KINDS) {
    allNs(get.command(k.name).description(`Get ${k.kind} status`)).action(
      kit.action((ctx, opts) => printImages(ctx, [k], opts, false)),
    );
  }
  allNs(get.command("all").description("Get all image statuses")).action(
    kit.action((ctx, opts) => printImages(ctx, IMAGE_KINDS, opts, true)),
  );

  const reconcile = sub(program, "reconcile").command("image").description("Reconcile image automation objects");
  for (const k of [IMAGE_REPOSITORY, IMAGE_UPDATE]) {
    reconcile
      .command(`${k.name} <name>`)
      .description(`Trigger a reconciliation of an ${k.kind} and wait for it to finish`)
      .action(kit.action((ctx, _opts, args) => reconcileImage(ctx, k, args[0]!)));
  }

  for (const suspend of [true, false]) {
    const verb = sub(program, suspend ? "suspend" : "resume")
      .command("image")
      .description(`${suspend ? "Suspend" : "Resume"} image automation objects`);
    for (const k of IMAGE_KINDS) {
      verb
        .command(`${k.name} <name>`)
        .description(`${suspend ? "Suspend" : "Resume"} the ${k.kind}`)
        .action(kit.action((ctx, _opts, args) => setSuspend(ctx, k, args[0]!, suspend)));
    }
  }
}
