import { badRequest } from "../errors.js";
import type { JsonObject, JsonValue } from "../util/json.js";
import schemaJson from "./schema.json" with { type: "json" };

/** One field of a message: [number, jsonName, kind, flags] (flags: 1 repeated, 2 pointer, 4 omitempty, 8 inline). */
type FieldSpec = [number, string, string, number];

const REPEATED = 1;
const POINTER = 2;
const OMITEMPTY = 4;
const INLINE = 8;

const SCHEMA = schemaJson as unknown as Record<string, FieldSpec[]>;

/** The 4-byte prefix of Kubernetes protobuf bodies. */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly end = buf.length,
  ) {}

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error("varint too long");
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Error("truncated bytes");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

function toInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** Iterates the (field number, wire type, reader positioned at the value) of a message. */
function* fields(buf: Buffer): Generator<{ num: number; wire: number; r: Reader }> {
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const key = Number(r.varint());
    yield { num: key >>> 3, wire: key & 7, r };
  }
}

const GO_ZERO_SECONDS = -62135596800;

function formatTime(msg: Buffer, micro: boolean): string | null {
  let seconds = 0;
  let nanos = 0;
  for (const { num, wire, r } of fields(msg)) {
    if (num === 1 && wire === 0) seconds = toInt(r.varint());
    else if (num === 2 && wire === 0) nanos = toInt(r.varint());
    else r.skip(wire);
  }
  if (seconds === GO_ZERO_SECONDS && nanos === 0) return null;
  const d = new Date(seconds * 1000);
  const base = d.toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}

function formatDuration(msg: Buffer): string {
  let ns = 0n;
  for (const { num, wire, r } of fields(msg)) {
    if (num === 1 && wire === 0) ns = BigInt.asIntN(64, r.varint());
    else r.skip(wire);
  }
  return goDuration(ns);
}

/** Formats nanoseconds like Go's time.Duration.String (`1h2m3.5s`, `150ms`, `0s`). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    const units: [bigint, string][] = [
      [1_000_000n, "ms"],
      [1_000n, "µs"],
      [1n, "ns"],
    ];
    const [div, name] = units.find(([d]) => u >= d) ?? [1n, "ns"];
    out = `${trimFraction(u, div)}${name}`;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = `${trimFraction(u, 1_000_000_000n)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: bigint, div: bigint): string {
  const whole = v / div;
  const frac = v % div;
  if (frac === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, "0").replace(/0+$/, "")}`;
}

function singleString(msg: Buffer): string {
  for (const { num, wire, r } of fields(msg)) {
    if (num === 1 && wire === 2) return r.bytes().toString("utf8");
    r.skip(wire);
  }
  return "";
}

function intOrString(msg: Buffer): JsonValue {
  let type = 0;
  let intVal = 0;
  let strVal = "";
  for (const { num, wire, r } of fields(msg)) {
    if (num === 1 && wire === 0) type = toInt(r.varint());
    else if (num === 2 && wire === 0) intVal = toInt(r.varint());
    else if (num === 3 && wire === 2) strVal = r.bytes().toString("utf8");
    else r.skip(wire);
  }
  return type === 1 ? strVal : intVal;
}

function rawJson(msg: Buffer): JsonValue {
  for (const { num, wire, r } of fields(msg)) {
    if (num === 1 && wire === 2) {
      const raw = r.bytes();
      if (raw.length === 0) return null;
      return JSON.parse(raw.toString("utf8")) as JsonValue;
    }
    r.skip(wire);
  }
  return null;
}

/** Decodes one value of a kind from a reader positioned at it (wire type already known). */
function decodeValue(kind: string, wire: number, r: Reader): JsonValue {
  switch (kind) {
    case "string":
      return r.bytes().toString("utf8");
    case "bytes":
      return r.bytes().toString("base64");
    case "bool":
      return r.varint() !== 0n;
    case "int":
      return toInt(r.varint());
    case "float": {
      if (wire === 1) {
        const v = r.buf.readDoubleLE(r.pos);
        r.pos += 8;
        return v;
      }
      const v = r.buf.readFloatLE(r.pos);
      r.pos += 4;
      return v;
    }
    case "time":
      return formatTime(r.bytes(), false);
    case "microtime":
      return formatTime(r.bytes(), true);
    case "duration":
      return formatDuration(r.bytes());
    case "quantity":
      return singleString(r.bytes());
    case "intorstring":
      return intOrString(r.bytes());
    case "raw":
      return rawJson(r.bytes());
    default:
      if (kind.startsWith("msg:")) return decodeMessage(kind.slice(4), r.bytes());
      throw new Error(`cannot decode kind ${kind}`);
  }
}

function decodeMapEntry(kind: string, buf: Buffer): [string, JsonValue] {
  const [, keyKind, ...rest] = kind.split(":");
  const valueKind = rest.join(":");
  let key = "";
  let value: JsonValue = valueKind.startsWith("list:") ? [] : defaultFor(valueKind);
  for (const { num, wire, r } of fields(buf)) {
    if (num === 1) key = String(decodeValue(keyKind!, wire, r));
    else if (num === 2) {
      if (valueKind.startsWith("list:")) {
        // map[string][]T: the value is a message with a repeated field 1 (e.g. StringArray).
        const items: JsonValue[] = [];
        for (const inner of fields(r.bytes())) {
          if (inner.num === 1) items.push(decodeValue(valueKind.slice(5), inner.wire, inner.r));
          else inner.r.skip(inner.wire);
        }
        value = items;
      } else value = decodeValue(valueKind, wire, r);
    } else r.skip(wire);
  }
  return [key, value];
}

function defaultFor(kind: string): JsonValue {
  if (kind === "string" || kind === "bytes" || kind === "quantity") return "";
  if (kind === "int" || kind === "float") return 0;
  if (kind === "bool") return false;
  return null;
}

function isEmpty(v: JsonValue): boolean {
  if (v === "" || v === 0 || v === false || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** Decodes a message of a named struct (`core/v1.ConfigMap`) into its JSON form. */
export function decodeMessage(type: string, buf: Buffer): JsonObject {
  const spec = SCHEMA[type];
  if (!spec) throw new Error(`no protobuf schema for ${type}`);
  const byNumber = new Map<number, FieldSpec>();
  for (const f of spec) byNumber.set(f[0], f);
  const values = new Map<FieldSpec, JsonValue>();
  for (const { num, wire, r } of fields(buf)) {
    const f = byNumber.get(num);
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [, , kind, flags] = f;
    if (kind.startsWith("map:")) {
      const obj = (values.get(f) as JsonObject | undefined) ?? {};
      const [k, v] = decodeMapEntry(kind, r.bytes());
      obj[k] = v;
      values.set(f, obj);
      continue;
    }
    if (flags & REPEATED) {
      const arr = (values.get(f) as JsonValue[] | undefined) ?? [];
      if (wire === 2 && (kind === "int" || kind === "bool" || kind === "float")) {
        const packed = new Reader(r.bytes());
        while (packed.pos < packed.end) arr.push(decodeValue(kind, kind === "float" ? 1 : 0, packed));
      } else arr.push(decodeValue(kind, wire, r));
      values.set(f, arr);
      continue;
    }
    values.set(f, decodeValue(kind, wire, r));
  }
  const out: JsonObject = {};
  for (const f of spec) {
    if (!values.has(f)) continue;
    const [, name, kind, flags] = f;
    const v = values.get(f)!;
    if (flags & INLINE) {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) Object.assign(out, v);
      continue;
    }
    if (v === null) continue;
    const isMsg = kind.startsWith("msg:");
    if (flags & OMITEMPTY && !(flags & POINTER) && !isMsg && isEmpty(v)) continue;
    if (kind.startsWith("map:") && flags & OMITEMPTY && Object.keys(v as JsonObject).length === 0) continue;
    out[name] = v;
  }
  return out;
}

function packageOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return `core/${apiVersion}`;
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  return `${group === "meta.k8s.io" ? "meta" : group.split(".")[0]}/${version}`;
}

/**
 * Decodes a Kubernetes protobuf request body (`k8s\0` + runtime.Unknown envelope) into the JSON object it
 * represents, for the kinds whose Go types the schema covers. Throws 400 BadRequest otherwise.
 */
export function decodeKubernetesProtobuf(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw badRequest("provided protobuf is not a Kubernetes object: missing magic prefix");
  }
  let apiVersion = "";
  let kind = "";
  let raw: Buffer | undefined;
  try {
    for (const { num, wire, r } of fields(body.subarray(4))) {
      if (num === 1 && wire === 2) {
        for (const tm of fields(r.bytes())) {
          if (tm.num === 1 && tm.wire === 2) apiVersion = tm.r.bytes().toString("utf8");
          else if (tm.num === 2 && tm.wire === 2) kind = tm.r.bytes().toString("utf8");
          else tm.r.skip(tm.wire);
        }
      } else if (num === 2 && wire === 2) raw = r.bytes();
      else r.skip(wire);
    }
    // Options types (DeleteOptions) travel with the request's group version but live in meta/v1.
    let type = `${packageOf(apiVersion)}.${kind}`;
    if (!SCHEMA[type] && SCHEMA[`meta/v1.${kind}`]) type = `meta/v1.${kind}`;
    if (!SCHEMA[type]) throw badRequest(`no protobuf decoding for ${apiVersion}, Kind=${kind}; send application/json`);
    const obj = decodeMessage(type, raw ?? Buffer.alloc(0));
    return { apiVersion, kind, ...obj };
  } catch (err: unknown) {
    if (err instanceof Error && err.name === "ApiError") throw err;
    throw badRequest(`unable to decode protobuf body: ${err instanceof Error ? err.message : String(err)}`);
  }
}
