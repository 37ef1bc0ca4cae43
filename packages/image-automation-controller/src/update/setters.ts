// The Setters update strategy (Flux's update.UpdateWithSetters): in YAML files under `update.path`, a
// scalar followed on its line by `# {"$imagepolicy": "<ns>:<name>[:tag|:name|:digest]"}` gets the latest
// image (`name:tag[@digest]`), tag, name or digest of that ImagePolicy. Only the scalar's bytes are replaced,
// in the quoting style it had, so comments, order, indentation and every other byte stay as they were.
// Markers naming a policy that isn't given are left alone; a file that doesn't parse is reported and left
// untouched.

import { lstat, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { type Document, parseAllDocuments, type Scalar, stringify, visit } from "yaml";

/** The latest image of one ImagePolicy, keyed by `<namespace>:<name>`. */
export interface PolicyImage {
  /** `<namespace>:<name>` of the ImagePolicy. */
  setter: string;
  name: string;
  tag: string;
  digest?: string | undefined;
}

/** One field changed (Flux's update.Change). */
export interface Change {
  OldValue: string;
  NewValue: string;
  /** The setter that changed it: `<ns>:<name>` or with `:tag`/`:name`/`:digest`. */
  Setter: string;
}

/** The Kubernetes object a change is in (Flux's ObjectIdentifier). */
export interface ObjectIdentifier {
  APIVersion: string;
  Kind: string;
  Name: string;
  Namespace: string;
}

/** What the update changed (Flux's update.Result): file (relative to the update path) → object → changes. */
export interface UpdateResult {
  FileChanges: Map<string, Map<string, { object: ObjectIdentifier; changes: Change[] }>>;
  /** Files holding a marker that could not be parsed (not rewritten). */
  problemFiles: string[];
}

/** The marker token a file must contain to be read at all (Flux's ScreeningLocalReader). */
export const SETTER_TOKEN = '"$imagepolicy"';
const MARKER = /^[ \t]*#[ \t]*(\{.*\})[ \t]*$/;

/** The value a setter gives, or undefined for a setter of no known policy (left untouched). */
export function setterValue(setter: string, policies: ReadonlyMap<string, PolicyImage>): string | undefined {
  const parts = setter.split(":");
  const base = parts.slice(0, 2).join(":");
  const field = parts[2];
  const policy = policies.get(base);
  if (!policy || parts.length > 3) return undefined;
  const image = `${policy.name}:${policy.tag}${policy.digest ? `@${policy.digest}` : ""}`;
  switch (field) {
    case undefined:
      return image;
    case "tag":
      return policy.tag;
    case "name":
      return policy.name;
    case "digest":
      return policy.digest || undefined;
    default:
      return undefined;
  }
}

/** The setter named by the marker comment right after `end` on the same line, if any. */
function markerAfter(text: string, end: number): string | undefined {
  const eol = text.indexOf("\n", end);
  const rest = text.slice(end, eol < 0 ? text.length : eol).replace(/\r$/, "");
  const m = MARKER.exec(rest);
  if (!m?.[1]) return undefined;
  try {
    const value = (JSON.parse(m[1]) as Record<string, unknown>)["$imagepolicy"];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `value` written in the quoting style of `node`; undefined for block scalars (not rewritten). */
function render(node: Scalar, value: string): string | undefined {
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return JSON.stringify(value);
    case "QUOTE_SINGLE":
      return `'${value.replace(/'/g, "''")}'`;
    case "PLAIN":
    case undefined:
      return stringify(value).trimEnd();
    default:
      return undefined;
  }
}

function identify(doc: Document): ObjectIdentifier {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    APIVersion: str(doc.get("apiVersion")),
    Kind: str(doc.get("kind")),
    Name: str(doc.getIn(["metadata", "name"])),
    Namespace: str(doc.getIn(["metadata", "namespace"])),
  };
}

/**
 * Applies the setters of `policies` to one file's text. Returns the new text and the changes, or throws
 * the parse error (the file is then not rewritten).
 */
export function updateText(
  text: string,
  policies: ReadonlyMap<string, PolicyImage>,
): { text: string; changes: { object: ObjectIdentifier; change: Change }[] } {
  const docs = parseAllDocuments(text, { keepSourceTokens: false });
  if (!Array.isArray(docs)) return { text, changes: [] };
  const edits: { start: number; end: number; value: string; object: ObjectIdentifier; change: Change }[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? "invalid YAML");
    const object = identify(doc);
    visit(doc, {
      Scalar(key, node) {
        if (key === "key" || !node.range) return;
        const [start, end] = node.range;
        const setter = markerAfter(text, end);
        if (!setter) return;
        const value = setterValue(setter, policies);
        const old = typeof node.value === "string" ? node.value : String(node.value);
        if (value === undefined || value === old) return;
        const rendered = render(node, value);
        if (rendered === undefined) return;
        edits.push({ start, end, value: rendered, object, change: { OldValue: old, NewValue: value, Setter: setter } });
      },
    });
  }
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.value + out.slice(e.end);
  return { text: out, changes: edits.map((e) => ({ object: e.object, change: e.change })) };
}

async function* yamlFiles(root: string, dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === ".git") continue;
      yield* yamlFiles(root, path);
    } else if (entry.isFile() && (/\.ya?ml$/.test(entry.name) || entry.name === "Kustomization")) {
      yield path;
    }
  }
}

/**
 * Applies the setters of `policies` to every YAML file under `root` that mentions `"$imagepolicy"`,
 * rewriting only files that change. Symlinks are not followed.
 */
export async function updateWithSetters(root: string, policies: readonly PolicyImage[]): Promise<UpdateResult> {
  const byName = new Map(policies.map((p) => [p.setter, p]));
  const result: UpdateResult = { FileChanges: new Map(), problemFiles: [] };
  if (!(await lstat(root)).isDirectory()) return result;
  for await (const path of yamlFiles(root, root)) {
    const text = await readFile(path, "utf8");
    if (!text.includes(SETTER_TOKEN)) continue;
    const file = relative(root, path).split(sep).join("/");
    let updated: ReturnType<typeof updateText>;
    try {
      updated = updateText(text, byName);
    } catch {
      result.problemFiles.push(file);
      continue;
    }
    if (updated.changes.length === 0) continue;
    await writeFile(path, updated.text);
    const objects = new Map<string, { object: ObjectIdentifier; changes: Change[] }>();
    for (const { object, change } of updated.changes) {
      const key = `${object.APIVersion}/${object.Kind}/${object.Namespace}/${object.Name}`;
      const entry = objects.get(key) ?? { object, changes: [] };
      entry.changes.push(change);
      objects.set(key, entry);
    }
    result.FileChanges.set(file, objects);
  }
  return result;
}
