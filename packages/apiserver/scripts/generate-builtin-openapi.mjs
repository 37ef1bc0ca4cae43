#!/usr/bin/env node
// Generates generated/builtin-openapi.json (ignored by git): the OpenAPI v2 definitions of the Kubernetes built-in
// types, rebuilt from the models of the official JavaScript client @kubernetes/client-node, which openapi-generator
// produced from the Kubernetes OpenAPI spec of the version this server claims (v1.33.0). From each model it takes
// the JSON field names, types and formats (attributeTypeMap), which fields are required (non-optional properties
// of the declaration) and the descriptions (doc comments of the declaration). Definition names
// (`io.k8s.api.apps.v1.DeploymentSpec`) come from the client's API classes (which group each kind belongs to)
// and, for nested types, from src/protobuf/schema.json (the Go package of every struct); quantities, which the
// client flattens to strings, are marked from that file too. Runs at install and before every build; skips the
// work when the output is newer than its inputs.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const outFile = join(pkgDir, "generated", "builtin-openapi.json");
const goSchemaFile = join(pkgDir, "src", "protobuf", "schema.json");

function clientDir() {
  const require = createRequire(join(pkgDir, "package.json"));
  let dir = dirname(require.resolve("@kubernetes/client-node"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

const client = clientDir();
const clientPkg = JSON.parse(readFileSync(join(client, "package.json"), "utf8"));
const modelsDir = join(client, "dist", "gen", "models");
const apisDir = join(client, "dist", "gen", "apis");

if (
  existsSync(outFile) &&
  statSync(outFile).mtimeMs > statSync(join(client, "package.json")).mtimeMs &&
  statSync(outFile).mtimeMs > statSync(goSchemaFile).mtimeMs &&
  statSync(outFile).mtimeMs > statSync(fileURLToPath(import.meta.url)).mtimeMs
) {
  process.exit(0);
}

const specVersion = /OpenAPI spec version: (v[0-9.]+)/.exec(readFileSync(join(modelsDir, "V1Pod.js"), "utf8"))?.[1];

/** Go package (`apps/v1`) → OpenAPI definition prefix. */
function definitionPrefix(pkg) {
  const [group, version] = pkg.split("/");
  if (group === "meta") return `io.k8s.apimachinery.pkg.apis.meta.${version}`;
  if (group === "apiextensions") return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (group === "apiregistration") return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}`;
  if (group === "version") return "io.k8s.apimachinery.pkg.version";
  return `io.k8s.api.${group}.${version}`;
}

// Go packages of every struct the Go schema knows, by "<Version><Name>" (V1DeploymentSpec).
const goSchema = JSON.parse(readFileSync(goSchemaFile, "utf8"));
const goPackages = new Map();
for (const key of Object.keys(goSchema)) {
  const [pkg, name] = key.split(".");
  const version = pkg.split("/")[1];
  const cls = `${version[0].toUpperCase()}${version.slice(1)}${name}`;
  if (!goPackages.has(cls)) goPackages.set(cls, []);
  goPackages.get(cls).push(pkg);
}

function goFieldKind(pkg, name, field) {
  for (const [, json, kind] of goSchema[`${pkg}.${name}`] ?? []) if (json === field) return kind;
  return undefined;
}

const PREFIXED =
  /^(Core|Events|Rbac|Storage|Authentication|Discovery|Admissionregistration|Apiextensions|Apiregistration|Flowcontrol)(V\d+(?:alpha\d+|beta\d+)?)(.+)$/;

// Which API class imports which model: the package of the top-level kinds.
const importers = new Map();
for (const file of readdirSync(apisDir)) {
  const m = /^([A-Z][a-z]+)[A-Za-z]*?(V\d+(?:alpha\d+|beta\d+)?)Api\.d\.ts$/.exec(file);
  if (!m) continue;
  const pkg = `${m[1].toLowerCase()}/${m[2].toLowerCase()}`;
  for (const im of readFileSync(join(apisDir, file), "utf8").matchAll(/import \{ (\w+) \} from '\.\.\/models\//g)) {
    if (!importers.has(im[1])) importers.set(im[1], new Set());
    importers.get(im[1]).add(pkg);
  }
}

function unescapeDoc(s) {
  return s.replace(/\\(['"\\])/g, "$1");
}

/** Descriptions and optionality from a model's declaration file. */
function readDeclaration(cls) {
  const text = readFileSync(join(modelsDir, `${cls}.d.ts`), "utf8");
  const classDoc = /\/\*\*\n\* ([\s\S]*?)\n\*\/\nexport declare class/.exec(text)?.[1];
  const props = new Map();
  const re = /(?:\/\*\*\n {4}\* ([\s\S]*?)\n {4}\*\/\n)? {4}'([^']+)'(\??): /g;
  for (const m of text.matchAll(re)) props.set(m[2], { description: m[1], optional: m[3] === "?" });
  return { description: classDoc === undefined ? undefined : unescapeDoc(classDoc), props };
}

const models = new Map();
for (const file of readdirSync(modelsDir)) {
  if (!file.endsWith(".js") || file === "all.js" || file === "ObjectSerializer.js") continue;
  const cls = file.slice(0, -3);
  const mod = await import(pathToFileURL(join(modelsDir, file)).href);
  const c = mod[cls];
  if (typeof c?.getAttributeTypeMap !== "function") continue;
  models.set(cls, c.getAttributeTypeMap());
}

// Resolve the Go package of every model class.
const packages = new Map();
function candidates(cls) {
  const m = PREFIXED.exec(cls);
  if (m) return [`${m[1].toLowerCase()}/${m[2].toLowerCase()}`];
  return goPackages.get(cls) ?? [];
}
function assign(cls, parentPkg) {
  if (packages.has(cls) || !models.has(cls)) return;
  let pkg;
  const cands = candidates(cls);
  if (cands.length === 1) pkg = cands[0];
  else if (cands.length > 1)
    pkg = cands.includes(parentPkg) ? parentPkg : (cands.find((c) => c.startsWith("meta/")) ?? cands[0]);
  else {
    const imp = [...(importers.get(cls) ?? [])];
    pkg = imp.length === 1 ? imp[0] : parentPkg;
  }
  if (!pkg) return;
  packages.set(cls, pkg);
  for (const attr of models.get(cls)) for (const ref of referencedClasses(attr.type)) assign(ref, pkg);
}
function referencedClasses(type) {
  return [...type.matchAll(/\b((?:[A-Z][a-z]+)?V\d+(?:alpha\d+|beta\d+)?[A-Z]\w*)\b/g)].map((m) => m[1]);
}
// Top-level kinds first (their package is the API that serves them), then everything they reach.
for (const [cls, imps] of importers) if (imps.size === 1) assign(cls, [...imps][0]);
for (const cls of models.keys()) if (candidates(cls).length > 0) assign(cls, undefined);

function nameOf(cls) {
  const pkg = packages.get(cls);
  const base = PREFIXED.exec(cls)?.[3] ?? cls.replace(/^V\d+(?:alpha\d+|beta\d+)?/, "");
  return `${definitionPrefix(pkg)}.${base}`;
}

function schemaOf(type, format, goKind) {
  if (type.startsWith("Array<")) {
    const inner = type.slice(6, -1);
    return { type: "array", items: schemaOf(inner, format === "byte" ? "" : format, undefined) };
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    const valueKind = goKind?.startsWith("map:") ? goKind.split(":").slice(2).join(":") : undefined;
    return { type: "object", additionalProperties: schemaOf(map[1], format, valueKind) };
  }
  if (goKind === "quantity") return { $ref: "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity" };
  switch (type) {
    case "string":
      return format ? { type: "string", format } : { type: "string" };
    case "number":
      if (format === "int32" || format === "int64") return { type: "integer", format };
      return format ? { type: "number", format } : { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "Date":
    case "V1MicroTime":
      return { type: "string", format: "date-time" };
    case "IntOrString":
      return { $ref: "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString" };
    case "any":
      return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    default:
      if (models.has(type) && packages.has(type)) return { $ref: `#/definitions/${nameOf(type)}` };
      return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  }
}

const definitions = {
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    description:
      "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.",
    type: "string",
    format: "quantity",
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    description:
      "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
    type: "string",
    format: "int-or-string",
  },
};
for (const [cls, attrs] of [...models].sort(([a], [b]) => (a < b ? -1 : 1))) {
  if (!packages.has(cls)) continue;
  const pkg = packages.get(cls);
  const base = nameOf(cls).split(".").pop();
  const decl = readDeclaration(cls);
  const properties = {};
  const required = [];
  for (const attr of attrs) {
    const goKind = goFieldKind(pkg, base, attr.baseName);
    const schema = schemaOf(attr.type, attr.format, goKind);
    const prop = decl.props.get(attr.name);
    if (prop?.description) schema.description = unescapeDoc(prop.description);
    if (prop && !prop.optional) required.push(attr.baseName);
    properties[attr.baseName] = schema;
  }
  const def = {};
  if (decl.description) def.description = decl.description;
  def.type = "object";
  if (required.length > 0) def.required = required;
  def.properties = properties;
  definitions[nameOf(cls)] = def;
}

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  `${JSON.stringify({ source: `${clientPkg.name}@${clientPkg.version}`, specVersion, definitions })}\n`,
);
process.stdout.write(
  `generate-builtin-openapi: ${Object.keys(definitions).length} definitions from ${clientPkg.name}@${clientPkg.version} (${specVersion})\n`,
);
