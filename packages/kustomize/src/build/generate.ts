import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { KustomizationSpec, KustomizeImage, KustomizeSelector } from "@sluice/api";
import { replaceFile } from "@sluice/runtime/artifact";
import { parseAllDocuments, type parseDocument, stringify } from "yaml";
import {
  findKustomizationFile,
  isLocalRelativePath,
  isNotFound,
  KUSTOMIZATION_FILE_NAMES,
} from "./kustomization-files.js";

/** Whether {@link generateKustomization} wrote a new kustomization file or edited the existing one. */
export type GenerateAction = "created" | "unchanged";

/** The spec fields that change the kustomization file. */
export type GeneratorSpec = Pick<
  KustomizationSpec,
  "targetNamespace" | "namePrefix" | "nameSuffix" | "patches" | "images" | "components" | "ignoreMissingComponents"
> & { buildMetadata?: readonly string[] | undefined };

/** Result of {@link generateKustomization}. */
export interface GenerateResult {
  /** Path of the kustomization file written. */
  file: string;
  action: GenerateAction;
  /** The kustomization written, as an object. */
  kustomization: Record<string, unknown>;
}

/** A bad spec or unreadable manifest found while generating the kustomization file (maps to `BuildFailed`). */
export class GenerateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GenerateError";
  }
}

const KUSTOMIZE_API_VERSION = "kustomize.config.k8s.io/v1beta1";

/**
 * Writes the kustomization file kustomize-controller builds `dir` with, as Flux's generator does: when `dir`
 * has none, one listing every Kubernetes YAML file under it (recursively, sub-directories holding their own
 * kustomization listed as directories and not descended into; a file that does not decode as Kubernetes
 * objects is an error); then sets `namespace` (targetNamespace), `namePrefix`, `nameSuffix`, appends
 * `patches` and local `components`, merges `images` by name. Edits `dir` in place: call it on a copy.
 * Throws {@link GenerateError}.
 */
export async function generateKustomization(dir: string, spec: GeneratorSpec): Promise<GenerateResult> {
  const found = await findKustomizationFile(dir);
  let kus: Record<string, unknown>;
  let action: GenerateAction;
  let file: string;
  if (found) {
    file = found;
    action = "unchanged";
    kus = parseKustomizationFile(found, await readFile(found, "utf8"));
    if (!Array.isArray(kus["resources"]) || kus["resources"].length === 0) {
      // An existing file without resources would fail as "kustomization.yaml is empty" once we edit it.
      kus["buildMetadata"] = ["originAnnotations"];
    }
  } else {
    file = join(dir, KUSTOMIZATION_FILE_NAMES[0]);
    action = "created";
    const resources = await scanManifests(dir);
    kus = { apiVersion: KUSTOMIZE_API_VERSION, kind: "Kustomization" };
    // Without resources, a placeholder namespace avoids kustomize's "kustomization.yaml is empty" error.
    if (resources.length === 0) kus["namespace"] = "_placeholder";
    else kus["resources"] = resources;
  }
  await applySpec(kus, dir, spec);
  // Replaced, not written through: the tree may be hard links into a shared artifact extraction.
  await replaceFile(file, stringify(kus));
  return { file, action, kustomization: kus };
}

function parseKustomizationFile(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs)) throw new Error("not a YAML stream");
    const first = docs[0];
    if (first?.errors.length) throw first.errors[0];
    value = first?.toJS() ?? {};
  } catch (err: unknown) {
    throw new GenerateError(`failed to parse ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GenerateError(`failed to parse ${path}: not a YAML mapping`);
  }
  const kus = value as Record<string, unknown>;
  kus["apiVersion"] ??= KUSTOMIZE_API_VERSION;
  kus["kind"] ??= "Kustomization";
  return kus;
}

async function applySpec(kus: Record<string, unknown>, dir: string, spec: GeneratorSpec): Promise<void> {
  if (spec.targetNamespace !== undefined) kus["namespace"] = spec.targetNamespace;
  if (spec.namePrefix !== undefined) kus["namePrefix"] = spec.namePrefix;
  if (spec.nameSuffix !== undefined) kus["nameSuffix"] = spec.nameSuffix;
  if (spec.patches?.length) {
    const patches = arrayField(kus, "patches");
    for (const p of spec.patches)
      patches.push(p.target ? { patch: p.patch, target: selector(p.target) } : { patch: p.patch });
  }
  if (spec.components?.length) {
    const components: string[] = [];
    for (const component of spec.components) {
      if (!isLocalRelativePath(component)) {
        throw new GenerateError(`component path '${component}' must be local and relative`);
      }
      if (spec.ignoreMissingComponents === true && !(await exists(join(dir, component)))) continue;
      components.push(component);
    }
    if (components.length > 0) arrayField(kus, "components").push(...components);
  }
  if (spec.images?.length) mergeImages(arrayField(kus, "images") as Array<Record<string, unknown>>, spec.images);
  if (spec.buildMetadata?.length) kus["buildMetadata"] = [...spec.buildMetadata];
}

function arrayField(kus: Record<string, unknown>, key: string): unknown[] {
  const current = kus[key];
  if (Array.isArray(current)) return current;
  const fresh: unknown[] = [];
  kus[key] = fresh;
  return fresh;
}

function selector(target: KustomizeSelector): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"] as const) {
    const value = target[key];
    if (value) out[key] = value;
  }
  return out;
}

/**
 * Merges image overrides by name as Flux does: a new name adds an entry; an existing entry gets `newName` when
 * set, and `newTag`/`digest` replaced together when either is set (one version selector, never both stale).
 */
function mergeImages(images: Array<Record<string, unknown>>, overrides: readonly KustomizeImage[]): void {
  for (const image of overrides) {
    const existing = images.find((i) => i["name"] === image.name);
    if (existing) {
      if (image.newName) existing["newName"] = image.newName;
      if (image.newTag || image.digest) {
        setOrDelete(existing, "newTag", image.newTag);
        setOrDelete(existing, "digest", image.digest);
      }
    } else {
      const entry: Record<string, unknown> = { name: image.name };
      if (image.newName) entry["newName"] = image.newName;
      if (image.newTag) entry["newTag"] = image.newTag;
      if (image.digest) entry["digest"] = image.digest;
      images.push(entry);
    }
  }
}

function setOrDelete(target: Record<string, unknown>, key: string, value: string | undefined): void {
  if (value) target[key] = value;
  else delete target[key];
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err: unknown) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Lists the resources of a generated kustomization: `./`-relative paths of every `.yaml`/`.yml` file under
 * `base` holding Kubernetes objects, and of every sub-directory holding its own kustomization file (not
 * descended into), in lexical walk order. A YAML file that does not decode as Kubernetes objects is an error.
 */
export async function scanManifests(base: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (await findKustomizationFile(path)) out.push(toResource(base, path));
        else await walk(path);
        continue;
      }
      // Like Go's filepath.Walk: symlinks are not descended into, but a symlinked YAML file is read through.
      if (!(entry.isFile() || entry.isSymbolicLink())) continue;
      if (!(entry.name.endsWith(".yaml") || entry.name.endsWith(".yml"))) continue;
      checkKubernetesYaml(relative(base, path), await readFile(path, "utf8"));
      out.push(toResource(base, path));
    }
  };
  await walk(base);
  return out;
}

function toResource(base: string, path: string): string {
  return `.${sep}${relative(base, path)}`.split(sep).join("/");
}

/**
 * Throws unless every non-empty document decodes as kustomize's resource factory requires: a mapping with a
 * `kind`, and a `metadata.name` unless the kind is a `…List`.
 */
function checkKubernetesYaml(path: string, text: string): void {
  let why = verdicts.get(text);
  if (why === undefined) {
    why = kubernetesYamlProblem(text);
    if (verdictChars + text.length > MAX_VERDICT_CHARS) {
      verdicts.clear();
      verdictChars = 0;
    }
    verdicts.set(text, why);
    verdictChars += text.length;
  }
  if (why !== null) throw new GenerateError(`failed to decode Kubernetes YAML from ${path}: ${why}`);
}

/**
 * Verdicts of {@link kubernetesYamlProblem} by file content: Kustomizations of one artifact (and every reconcile
 * of one Kustomization) hold the same files, and parsing them was most of a generated build's own CPU with 1000
 * Kustomizations of one repository (issue 17). Bounded by the characters of the texts kept.
 */
const verdicts = new Map<string, string | null>();
let verdictChars = 0;
const MAX_VERDICT_CHARS = 8 * 1024 * 1024;

/** Why `text` is not Kubernetes YAML, or null when it is. */
function kubernetesYamlProblem(text: string): string | null {
  for (const doc of parseAllDocuments(text) as Array<ReturnType<typeof parseDocument>>) {
    const first = doc.errors[0];
    if (first) return first.message.split("\n")[0] ?? first.message;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) return "document is not a mapping";
    const obj = value as { kind?: unknown; metadata?: { name?: unknown } };
    if (typeof obj.kind !== "string" || obj.kind === "") return "missing kind in object";
    const kind = obj.kind;
    if (!kind.endsWith("List") && (typeof obj.metadata?.name !== "string" || obj.metadata.name === "")) {
      return `missing metadata.name in ${kind} object`;
    }
  }
  return null;
}
