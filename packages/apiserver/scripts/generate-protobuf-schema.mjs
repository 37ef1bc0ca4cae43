#!/usr/bin/env node
// Generates src/protobuf/schema.json: for every Kubernetes API struct the server may receive as protobuf, the
// protobuf field numbers, JSON names, Go shapes (pointer, repeated, map, inline) and omitempty, read from the
// struct tags of the Go API types. Usage:
//   node scripts/generate-protobuf-schema.mjs <k8s.io/api v0.33 checkout> <k8s.io/apimachinery v0.33 checkout>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) {
  console.error("usage: generate-protobuf-schema.mjs <api dir> <apimachinery dir>");
  process.exit(2);
}

const API_PACKAGES = [
  "core/v1",
  "apps/v1",
  "batch/v1",
  "networking/v1",
  "rbac/v1",
  "coordination/v1",
  "events/v1",
  "policy/v1",
  "autoscaling/v1",
  "autoscaling/v2",
  "admissionregistration/v1",
  "authorization/v1",
  "authentication/v1",
  "scheduling/v1",
  "storage/v1",
];

const files = [
  ...API_PACKAGES.map((p) => ({ pkg: p, path: join(apiDir, p, "types.go") })),
  { pkg: "meta/v1", path: join(machineryDir, "pkg/apis/meta/v1/types.go") },
  { pkg: "meta/v1", path: join(machineryDir, "pkg/apis/meta/v1/time_proto.go"), optional: true },
];

const SPECIAL = {
  "meta/v1.Time": "time",
  "meta/v1.MicroTime": "microtime",
  "meta/v1.Duration": "duration",
  "meta/v1.FieldsV1": "raw",
  "resource.Quantity": "quantity",
  "intstr.IntOrString": "intorstring",
  "runtime.RawExtension": "raw",
};

function packageOfImport(path) {
  if (path.startsWith("k8s.io/api/")) return path.slice("k8s.io/api/".length);
  if (path === "k8s.io/apimachinery/pkg/apis/meta/v1") return "meta/v1";
  const last = path.split("/").pop();
  return last;
}

const structs = {};
const named = {};

for (const f of files) {
  let text;
  try {
    text = readFileSync(f.path, "utf8");
  } catch (err) {
    if (f.optional) continue;
    throw err;
  }
  const imports = {};
  for (const m of text.matchAll(/^\s*(\w+)?\s*"([^"]+)"\s*$/gm)) {
    const alias = m[1] ?? m[2].split("/").pop();
    imports[alias] = packageOfImport(m[2]);
  }
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const st = /^type (\w+) struct \{\s*$/.exec(line);
    if (st) {
      const fields = [];
      for (i++; i < lines.length && lines[i] !== "}"; i++) {
        const fm = /^\t(?:(\w+)\s+)?([^\s`]+)\s+`([^`]*)`\s*$/.exec(lines[i]);
        if (!fm) continue;
        const tags = fm[3];
        const pb = /protobuf:"([^"]*)"/.exec(tags);
        if (!pb) continue;
        const json = /json:"([^"]*)"/.exec(tags);
        const jsonParts = (json ? json[1] : "").split(",");
        const pbParts = pb[1].split(",");
        fields.push({
          number: Number(pbParts[1]),
          wire: pbParts[0],
          json: jsonParts[0],
          omitempty: jsonParts.includes("omitempty"),
          inline: jsonParts[0] === "" || jsonParts.includes("inline"),
          goType: fm[2],
          pkg: f.pkg,
          imports,
        });
      }
      structs[`${f.pkg}.${st[1]}`] = fields;
      continue;
    }
    const nt = /^type (\w+) ([^\s{]+)\s*$/.exec(line);
    if (nt) named[`${f.pkg}.${nt[1]}`] = { goType: nt[2], pkg: f.pkg, imports };
  }
}

function qualify(name, pkg, imports) {
  const dot = name.indexOf(".");
  if (dot < 0) return `${pkg}.${name}`;
  const alias = name.slice(0, dot);
  return `${imports[alias] ?? alias}.${name.slice(dot + 1)}`;
}

const SCALARS = {
  string: "string",
  bool: "bool",
  int: "int",
  int32: "int",
  int64: "int",
  uint32: "int",
  uint64: "int",
  float32: "float",
  float64: "float",
  byte: "int",
};

const used = new Set();

// Returns { kind, pointer, repeated } for a Go type expression.
function shape(goType, pkg, imports) {
  let t = goType;
  let pointer = false;
  let repeated = false;
  if (t.startsWith("*")) {
    pointer = true;
    t = t.slice(1);
  }
  if (t === "[]byte") return { kind: "bytes", pointer, repeated };
  if (t.startsWith("[]")) {
    repeated = true;
    t = t.slice(2);
    if (t.startsWith("*")) t = t.slice(1);
  }
  if (t.startsWith("map[")) {
    const close = t.indexOf("]");
    const k = shape(t.slice(4, close), pkg, imports);
    const v = shape(t.slice(close + 1), pkg, imports);
    return { kind: `map:${k.kind}:${v.repeated ? `list:${v.kind}` : v.kind}`, pointer, repeated };
  }
  if (SCALARS[t]) return { kind: SCALARS[t], pointer, repeated };
  const q = qualify(t, pkg, imports);
  if (SPECIAL[q]) return { kind: SPECIAL[q], pointer, repeated };
  if (q === "types.UID") return { kind: "string", pointer, repeated };
  if (structs[q]) {
    used.add(q);
    return { kind: `msg:${q}`, pointer, repeated };
  }
  const n = named[q];
  if (n) {
    const inner = shape(n.goType, n.pkg, n.imports);
    return { kind: inner.kind, pointer, repeated: repeated || inner.repeated };
  }
  throw new Error(`unknown Go type ${goType} (${q})`);
}

const out = {};
for (const [name, fields] of Object.entries(structs)) {
  out[name] = fields.map((f) => {
    const s = shape(f.goType, f.pkg, f.imports);
    let flags = 0;
    if (s.repeated) flags |= 1;
    if (s.pointer) flags |= 2;
    if (f.omitempty) flags |= 4;
    if (f.inline) flags |= 8;
    return [f.number, f.json, s.kind, flags];
  });
}
const sorted = Object.fromEntries(
  Object.keys(out)
    .sort()
    .map((k) => [k, out[k]]),
);
const target = new URL("../src/protobuf/schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(sorted)}\n`);
console.log(`wrote ${Object.keys(sorted).length} structs to ${target.pathname}`);
