import { isObject, type JsonObject, type JsonValue } from "../util/json.js";

/**
 * A set of field paths in the fieldsV1 shape: a tree whose nodes are path elements (`f:name`,
 * `k:{"name":"x"}`, `v:"value"`, `i:0`), where `self` marks the path itself as a member.
 */
export class FieldSet {
  self = false;
  readonly children = new Map<string, FieldSet>();

  /** Child node for a path element, created on demand. */
  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  /** Inserts a path. */
  insert(path: readonly string[]): void {
    let node: FieldSet = this;
    for (const pe of path) node = node.child(pe);
    node.self = true;
  }

  /** Tells whether a path is a member. */
  has(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path) {
      node = node.children.get(pe);
      if (!node) return false;
    }
    return node.self;
  }

  /** Tells whether the set has no member. */
  isEmpty(): boolean {
    if (this.self) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Every member path. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]): void => {
      if (node.self) out.push(prefix);
      for (const [pe, c] of node.children) walk(c, [...prefix, pe]);
    };
    walk(this, []);
    return out;
  }

  /** A new set with the members of both. */
  union(other: FieldSet): FieldSet {
    const out = this.clone();
    for (const p of other.paths()) out.insert(p);
    return out;
  }

  /** A new set with the members of this set that are not in `other`. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths()) if (!other.has(p)) out.insert(p);
    return out;
  }

  /** A new set with the members in both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths()) if (other.has(p)) out.insert(p);
    return out;
  }

  /** Deep copy. */
  clone(): FieldSet {
    const out = new FieldSet();
    out.self = this.self;
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  /** Serializes as fieldsV1, with the element order structured-merge-diff writes. */
  toFieldsV1(): JsonObject {
    return emit(this, false);
  }

  /** Parses a fieldsV1 object. */
  static fromFieldsV1(v: JsonValue | undefined): FieldSet {
    const out = new FieldSet();
    const walk = (node: FieldSet, obj: JsonObject): void => {
      for (const [k, val] of Object.entries(obj)) {
        if (k === ".") {
          node.self = true;
          continue;
        }
        const c = node.child(k);
        if (isObject(val) && Object.keys(val).length > 0) walk(c, val);
        else c.self = true;
      }
    };
    if (isObject(v)) walk(out, v);
    return out;
  }
}

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Orders path elements: fields, then keys, then values, then indexes. */
export function comparePathElements(a: string, b: string): number {
  const ta = ORDER[a[0]!] ?? 4;
  const tb = ORDER[b[0]!] ?? 4;
  if (ta !== tb) return ta - tb;
  if (a[0] === "i") return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

function emit(node: FieldSet, includeSelf: boolean): JsonObject {
  const out: JsonObject = {};
  const keys = [...node.children.keys()].filter((k) => !node.children.get(k)!.isEmpty());
  if (includeSelf && node.self && keys.length > 0) out["."] = {};
  for (const k of keys.sort(comparePathElements)) {
    const c = node.children.get(k)!;
    out[k] = emit(c, true);
  }
  return out;
}

/** `f:<name>`. */
export function fieldPe(name: string): string {
  return `f:${name}`;
}

/** `k:{...}` with the key fields sorted by name. */
export function keyPe(item: JsonObject, keys: readonly string[]): string {
  const sorted = [...keys].sort();
  const parts = sorted
    .filter((k) => item[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(item[k])}`);
  return `k:{${parts.join(",")}}`;
}

/** `v:<json>`. */
export function valuePe(value: JsonValue): string {
  return `v:${JSON.stringify(value)}`;
}

/** `i:<index>`. */
export function indexPe(i: number): string {
  return `i:${i}`;
}

/** Formats a path as structured-merge-diff prints it: `.spec.containers[name="x"].image`. */
export function formatPath(path: readonly string[]): string {
  let out = "";
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case "f":
        out += `.${body}`;
        break;
      case "k": {
        const obj = JSON.parse(body) as JsonObject;
        out += `[${Object.entries(obj)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}]`;
        break;
      }
      case "v":
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}
