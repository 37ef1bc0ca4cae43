// `sluice create source git|helm|oci|bucket <name>`, `sluice create kustomization|helmrelease <name>`: flux's flags;
// `--export` prints the YAML, otherwise the object is created or updated and awaited until Ready.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import { parse } from "yaml";
import type { CommandKit, Opts } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { type CliKind, HELMRELEASE, KUSTOMIZATION, kindByKindName, parseKindRef, sourceKind } from "../kinds.js";
import { upsert } from "../lib/apply.js";
import { collect, durationFlag, labelsFlag, toYamlDocument } from "../lib/manifest.js";
import { revisionOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { waitReady } from "../lib/wait-ready.js";

/** Registers `sluice create …`. */
export function registerCreate(program: Command, kit: CommandKit): void {
  const create = program.command("create").description("Create or update sources and resources");
  const common = (c: Command) =>
    c
      .option("--interval <duration>", "source sync interval", "1m0s")
      .option("--export", "export in YAML format to stdout")
      .option("--label <key=value>", "set labels on the resource (can be repeated)", collect);

  const source = create.command("source").description("Create or update sources");
  common(
    source
      .command("git <name>")
      .description("Create or update a GitRepository source")
      .requiredOption("--url <url>", "git address, e.g. ssh://git@host/org/repository")
      .option("--branch <branch>", "git branch")
      .option("--tag <tag>", "git tag")
      .option("--tag-semver <range>", "git tag semver range")
      .option("--semver <range>", "alias of --tag-semver")
      .option("--commit <sha>", "git commit")
      .option("--secret-ref <name>", "the name of an existing secret containing SSH or basic credentials")
      .option("-u, --username <name>", "basic authentication username; with --password a Secret <name> is created")
      .option("-p, --password <password>", "basic authentication password")
      .option("--ignore-paths <paths>", "set paths to ignore in git resource (comma separated)"),
  ).action(
    kit.action(async (ctx, opts, args) => {
      const repo = gitRepository(ctx, opts, args[0]!);
      const secret = basicAuthSecret(ctx, opts, args[0]!);
      if (secret) (repo["spec"] as Record<string, unknown>)["secretRef"] = { name: secret.metadata.name };
      return createObject(ctx, opts, repo, true, secret);
    }),
  );

  common(
    source
      .command("helm <name>")
      .description("Create or update a HelmRepository source")
      .requiredOption("--url <url>", "Helm repository address (https:// or oci://)")
      .option("--secret-ref <name>", "the name of an existing secret containing TLS or basic auth credentials"),
  ).action(kit.action((ctx, opts, args) => createObject(ctx, opts, helmRepository(ctx, opts, args[0]!), true)));

  common(
    source
      .command("oci <name>")
      .description("Create or update an OCIRepository source")
      .requiredOption("--url <url>", "the OCI repository address, e.g. oci://ghcr.io/org/manifests")
      .option("--tag <tag>", "the OCI artifact tag")
      .option("--tag-semver <range>", "the OCI artifact tag semver range")
      .option("--semver <range>", "alias of --tag-semver")
      .option("--digest <digest>", "the OCI artifact digest")
      .option("--provider <name>", "the OCI provider name: generic, aws, azure or gcp")
      .option("--insecure", "allow pulling artifacts over plain HTTP")
      .option("--secret-ref <name>", "the name of an existing secret containing registry credentials"),
  ).action(kit.action((ctx, opts, args) => createObject(ctx, opts, ociRepository(ctx, opts, args[0]!), true)));

  common(
    source
      .command("bucket <name>")
      .description("Create or update a Bucket source")
      .option("--provider <name>", "the S3 compatible storage provider name: generic, aws, azure or gcp", "generic")
      .option("--bucket-name <name>", "the bucket name")
      .option("--endpoint <address>", "the bucket endpoint address")
      .option("--access-key <key>", "the bucket access key")
      .option("--secret-key <key>", "the bucket secret key")
      .option("--region <region>", "the bucket region")
      .option("--insecure", "for when connecting to a non-TLS S3 HTTP endpoint")
      .option("--secret-ref <name>", "the name of an existing secret containing credentials")
      .option(
        "--proxy-secret-ref <name>",
        "the name of an existing secret containing the proxy address and credentials",
      )
      .option(
        "--ignore-paths <paths>",
        "set paths to ignore in bucket resource (can specify multiple paths with commas: path1,path2)",
        collect,
      )
      .option("--fetch-timeout <duration>", "set a timeout for fetch operations performed by source-controller"),
  ).action(
    kit.action(async (ctx, opts, args) => {
      const bucket = bucketSource(ctx, opts, args[0]!);
      // As flux: the keys go to Secret `bucket-<name>` (never into the exported YAML).
      const secret = opts["export"] ? undefined : bucketSecret(ctx, opts, args[0]!, bucket);
      return createObject(ctx, opts, bucket, true, secret);
    }),
  );

  common(
    create
      .command("kustomization <name>")
      .alias("ks")
      .description("Create or update a Kustomization resource")
      .requiredOption("--source <kind/name>", "source reference: GitRepository/name, OCIRepository/name or Bucket/name")
      .option("--path <path>", "path to the directory containing a kustomization.yaml file", "./")
      .option("--prune", "enable garbage collection")
      .option("--wait", "enable health checking of all the applied resources")
      .option("--target-namespace <ns>", "overrides the namespace of all Kustomization objects")
      .option("--depends-on <kind/name>", "Kustomization that must be ready before this one (can be repeated)", collect)
      .option("--service-account <name>", "the name of the service account to impersonate")
      .option("--retry-interval <duration>", "the interval at which to retry a previously failed reconciliation")
      .option("--health-check-timeout <duration>", "timeout of health checking operations"),
  ).action(kit.action((ctx, opts, args) => createObject(ctx, opts, kustomization(ctx, opts, args[0]!), false)));

  common(
    create
      .command("helmrelease <name>")
      .alias("hr")
      .description("Create or update a HelmRelease resource")
      .requiredOption(
        "--source <kind/name>",
        "source reference: HelmRepository/name, GitRepository/name or Bucket/name",
      )
      .requiredOption("--chart <name>", "Helm chart name or path")
      .option("--chart-version <range>", "Helm chart version, accepts a semver range (ignored for charts from Git)")
      .option(
        "--release-name <name>",
        "name used for the Helm release, defaults to a composition of '[<target-namespace>-]<name>'",
      )
      .option("--target-namespace <ns>", "namespace to install this release")
      .option("--create-target-namespace", "create the target namespace if it does not exist")
      .option("--depends-on <kind/name>", "HelmRelease that must be ready before this one (can be repeated)", collect)
      .option("--values <file>", "local path to values.yaml files (can be repeated)", collect)
      .option("--service-account <name>", "the name of the service account to impersonate"),
  ).action(
    kit.action(async (ctx, opts, args) => createObject(ctx, opts, await helmRelease(ctx, opts, args[0]!), false)),
  );
}

function meta(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject["metadata"] {
  const labels = labelsFlag(opts["label"] as string[] | undefined);
  return { name, namespace: ctx.namespace, ...(labels ? { labels } : {}) };
}

function str(opts: Opts, key: string): string | undefined {
  const v = opts[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function gitRepository(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const url = str(opts, "url")!;
  if (!/^(https?|ssh):\/\//.test(url) && !/^[\w.-]+@[\w.-]+:/.test(url)) {
    throw new CliError(`invalid --url "${url}": git URL scheme must be http://, https:// or ssh://`);
  }
  const ref: Record<string, string> = {};
  const semver = str(opts, "tagSemver") ?? str(opts, "semver");
  if (str(opts, "commit")) ref["commit"] = str(opts, "commit")!;
  if (semver) ref["semver"] = semver;
  else if (str(opts, "tag")) ref["tag"] = str(opts, "tag")!;
  if (str(opts, "branch")) ref["branch"] = str(opts, "branch")!;
  if (Object.keys(ref).length === 0)
    throw new CliError("a Git ref is required, use one of --branch, --tag, --tag-semver or --commit");
  const spec: Record<string, unknown> = { interval: durationFlag(opts["interval"] as string, "interval"), ref };
  if (str(opts, "secretRef")) spec["secretRef"] = { name: str(opts, "secretRef") };
  if (str(opts, "ignorePaths"))
    spec["ignore"] = str(opts, "ignorePaths")!
      .split(",")
      .map((p) => p.trim())
      .join("\n");
  spec["url"] = url;
  return { apiVersion: sourceKind("git").apiVersion, kind: "GitRepository", metadata: meta(ctx, opts, name), spec };
}

function helmRepository(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const url = str(opts, "url")!;
  if (!/^(https?|oci):\/\//.test(url))
    throw new CliError(`invalid --url "${url}": want an http(s):// or oci:// address`);
  const spec: Record<string, unknown> = { interval: durationFlag(opts["interval"] as string, "interval") };
  if (str(opts, "secretRef")) spec["secretRef"] = { name: str(opts, "secretRef") };
  if (url.startsWith("oci://")) spec["type"] = "oci";
  spec["url"] = url;
  return { apiVersion: sourceKind("helm").apiVersion, kind: "HelmRepository", metadata: meta(ctx, opts, name), spec };
}

function ociRepository(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const url = str(opts, "url")!;
  if (!url.startsWith("oci://"))
    throw new CliError(`invalid --url "${url}": an OCI repository address starts with oci://`);
  const ref: Record<string, string> = {};
  const semver = str(opts, "tagSemver") ?? str(opts, "semver");
  if (str(opts, "digest")) ref["digest"] = str(opts, "digest")!;
  if (semver) ref["semver"] = semver;
  if (str(opts, "tag")) ref["tag"] = str(opts, "tag")!;
  if (Object.keys(ref).length === 0)
    throw new CliError("an OCI ref is required, use one of --tag, --tag-semver or --digest");
  const spec: Record<string, unknown> = { interval: durationFlag(opts["interval"] as string, "interval"), ref };
  if (opts["insecure"]) spec["insecure"] = true;
  if (str(opts, "provider")) spec["provider"] = str(opts, "provider");
  if (str(opts, "secretRef")) spec["secretRef"] = { name: str(opts, "secretRef") };
  spec["url"] = url;
  return { apiVersion: sourceKind("oci").apiVersion, kind: "OCIRepository", metadata: meta(ctx, opts, name), spec };
}

/** flux's bucket providers (`flags.SourceBucketProvider`). */
const BUCKET_PROVIDERS = ["generic", "aws", "azure", "gcp"] as const;

function bucketSource(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const bucketName = str(opts, "bucketName");
  if (!bucketName) throw new CliError("bucket-name is required");
  const endpoint = str(opts, "endpoint");
  if (!endpoint) throw new CliError("endpoint is required");
  const provider = str(opts, "provider") ?? "generic";
  if (!(BUCKET_PROVIDERS as readonly string[]).includes(provider)) {
    throw new CliError(
      `invalid argument "${provider}" for "--provider" flag: source bucket provider '${provider}' is not supported, must be one of: ${BUCKET_PROVIDERS.join(", ")}`,
    );
  }
  const spec: Record<string, unknown> = {
    bucketName,
    endpoint,
    interval: durationFlag(opts["interval"] as string, "interval"),
    provider,
  };
  if (opts["insecure"]) spec["insecure"] = true;
  if (str(opts, "region")) spec["region"] = str(opts, "region");
  if (str(opts, "fetchTimeout")) spec["timeout"] = durationFlag(str(opts, "fetchTimeout")!, "fetch-timeout");
  const ignore = ((opts["ignorePaths"] as string[] | undefined) ?? [])
    .flatMap((v) => v.split(","))
    .map((p) => p.trim());
  if (ignore.length > 0) spec["ignore"] = ignore.join("\n");
  if (str(opts, "secretRef")) spec["secretRef"] = { name: str(opts, "secretRef") };
  if (str(opts, "proxySecretRef")) spec["proxySecretRef"] = { name: str(opts, "proxySecretRef") };
  // flux prints spec keys in alphabetical order (its YAML goes through a map).
  const sorted = Object.fromEntries(Object.entries(spec).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { apiVersion: sourceKind("bucket").apiVersion, kind: "Bucket", metadata: meta(ctx, opts, name), spec: sorted };
}

/** The Secret `bucket-<name>` with `--access-key`/`--secret-key` (both given, no `--secret-ref`); sets secretRef. */
function bucketSecret(
  ctx: CommandContext,
  opts: Opts,
  name: string,
  bucket: UnstructuredObject,
): UnstructuredObject | undefined {
  const accessKey = str(opts, "accessKey");
  const secretKey = str(opts, "secretKey");
  if (str(opts, "secretRef") || !accessKey || !secretKey) return undefined;
  const secretName = `bucket-${name}`;
  const spec = bucket["spec"] as Record<string, unknown>;
  // Keep flux's alphabetical order: secretRef goes before timeout.
  const { timeout, ...rest } = spec;
  bucket["spec"] = { ...rest, secretRef: { name: secretName }, ...(timeout !== undefined ? { timeout } : {}) };
  const labels = labelsFlag(opts["label"] as string[] | undefined);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: secretName, namespace: ctx.namespace, ...(labels ? { labels } : {}) },
    stringData: { accesskey: accessKey, secretkey: secretKey },
  } as UnstructuredObject;
}

/** `--source Kind/name` (a bare name means `defaultKind`), checked against the kinds allowed. */
function sourceRef(value: string, defaultKind: string, allowed: readonly string[]): Record<string, string> {
  const ref = value.includes("/") ? parseKindRef(value, "--source") : { kind: defaultKind, name: value };
  const kind = kindByKindName(ref.kind);
  if (!kind || !allowed.includes(kind.kind)) {
    throw new CliError(`invalid --source kind "${ref.kind}": want one of ${allowed.join(", ")}`);
  }
  return { kind: kind.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
}

function dependsOn(values: unknown): { name: string; namespace?: string }[] | undefined {
  const list = values as string[] | undefined;
  if (!list?.length) return undefined;
  return list.map((v) => {
    const [a, b] = v.split("/");
    return b ? { namespace: a!, name: b } : { name: a! };
  });
}

function kustomization(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const spec: Record<string, unknown> = {};
  const deps = dependsOn(opts["dependsOn"]);
  if (deps) spec["dependsOn"] = deps;
  if (str(opts, "healthCheckTimeout"))
    spec["timeout"] = durationFlag(str(opts, "healthCheckTimeout")!, "health-check-timeout");
  spec["interval"] = durationFlag(opts["interval"] as string, "interval");
  let path = str(opts, "path") ?? "./";
  if (!path.startsWith("./") && path !== ".") path = `./${path.replace(/^\/+/, "")}`;
  spec["path"] = path;
  spec["prune"] = Boolean(opts["prune"]);
  if (str(opts, "retryInterval")) spec["retryInterval"] = durationFlag(str(opts, "retryInterval")!, "retry-interval");
  if (str(opts, "serviceAccount")) spec["serviceAccountName"] = str(opts, "serviceAccount");
  spec["sourceRef"] = sourceRef(str(opts, "source")!, "GitRepository", ["GitRepository", "OCIRepository", "Bucket"]);
  if (str(opts, "targetNamespace")) spec["targetNamespace"] = str(opts, "targetNamespace");
  if (opts["wait"]) spec["wait"] = true;
  return { apiVersion: KUSTOMIZATION.apiVersion, kind: "Kustomization", metadata: meta(ctx, opts, name), spec };
}

async function helmRelease(ctx: CommandContext, opts: Opts, name: string): Promise<UnstructuredObject> {
  const chartSpec: Record<string, unknown> = { chart: str(opts, "chart") };
  chartSpec["reconcileStrategy"] = "ChartVersion";
  chartSpec["sourceRef"] = sourceRef(str(opts, "source")!, "HelmRepository", [
    "HelmRepository",
    "GitRepository",
    "Bucket",
  ]);
  if (str(opts, "chartVersion")) chartSpec["version"] = str(opts, "chartVersion");
  const spec: Record<string, unknown> = { chart: { spec: chartSpec } };
  const deps = dependsOn(opts["dependsOn"]);
  if (deps) spec["dependsOn"] = deps;
  if (opts["createTargetNamespace"]) spec["install"] = { createNamespace: true };
  spec["interval"] = durationFlag(opts["interval"] as string, "interval");
  if (str(opts, "releaseName")) spec["releaseName"] = str(opts, "releaseName");
  if (str(opts, "serviceAccount")) spec["serviceAccountName"] = str(opts, "serviceAccount");
  if (str(opts, "targetNamespace")) spec["targetNamespace"] = str(opts, "targetNamespace");
  const files = (opts["values"] as string[] | undefined) ?? [];
  if (files.length > 0) {
    let values: Record<string, unknown> = {};
    for (const file of files) {
      let doc: unknown;
      try {
        doc = parse(await readFile(resolve(ctx.io.cwd, file), "utf8"));
      } catch (err: unknown) {
        throw new CliError(`invalid --values "${file}": ${(err as Error).message.split("\n")[0]}`);
      }
      if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
        throw new CliError(`invalid --values "${file}": the file must hold a YAML map`);
      }
      values = mergeValues(values, (doc ?? {}) as Record<string, unknown>);
    }
    spec["values"] = values;
  }
  return { apiVersion: HELMRELEASE.apiVersion, kind: "HelmRelease", metadata: meta(ctx, opts, name), spec };
}

/** Helm's values merge: maps merge recursively, everything else from `over` wins. */
function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      b && v && typeof b === "object" && typeof v === "object" && !Array.isArray(b) && !Array.isArray(v)
        ? mergeValues(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** With `--username`/`--password`: the basic-auth Secret named like the source (flux's `create source git`). */
function basicAuthSecret(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject | undefined {
  const password = str(opts, "password");
  if (password === undefined) {
    if (str(opts, "username")) throw new CliError("--username requires --password");
    return undefined;
  }
  if (str(opts, "secretRef")) throw new CliError("--secret-ref cannot be combined with --username/--password");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ctx.namespace },
    stringData: { username: str(opts, "username") ?? "git", password },
  } as UnstructuredObject;
}

async function createObject(
  ctx: CommandContext,
  opts: Opts,
  obj: UnstructuredObject,
  isSource: boolean,
  secret?: UnstructuredObject,
): Promise<number> {
  if (opts["export"]) {
    ctx.io.stdout.write((secret ? toYamlDocument(secret) : "") + toYamlDocument(obj));
    return 0;
  }
  if (secret) {
    const p = new Progress(ctx.io);
    p.action(
      obj.kind === "Bucket"
        ? "applying secret with the bucket credentials"
        : "applying secret with repository credentials",
    );
    await ctx.kube().apply(secret, { fieldManager: "sluice", force: true });
    p.success("authentication configured");
  }
  const what = isSource ? `${obj.kind} source` : obj.kind;
  const p = new Progress(ctx.io);
  const kind: CliKind = kindByKindName(obj.kind)!;
  try {
    p.generate(`generating ${what}`);
    p.action(`applying ${what}`);
    const { created } = await upsert(ctx, obj);
    p.success(`${what} ${created ? "created" : "updated"}`);
    p.waiting(`waiting for ${what} reconciliation`);
    const ready = await waitReady(ctx, kind, ctx.namespace, obj.metadata.name!);
    if (isSource) {
      p.success(`${what} reconciliation completed`);
      p.success(`fetched revision: ${revisionOf(ready)}`);
    } else {
      p.success(`${obj.kind} ${obj.metadata.name} is ready`);
      p.success(`applied revision ${revisionOf(ready)}`);
    }
    return 0;
  } finally {
    p.stop();
  }
}
