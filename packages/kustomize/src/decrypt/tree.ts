/**
 * A SOPS document tree: ordered mappings (`Map`, key order is what the MAC is computed over), sequences and
 * scalars. Integers are `bigint` so they stay distinct from floats, as in SOPS' Go tree.
 */
export type SopsValue = string | number | bigint | boolean | null | SopsMap | SopsValue[];

/** An ordered SOPS mapping. */
export type SopsMap = Map<string, SopsValue>;

/** Whether a tree value is a mapping. */
export function isSopsMap(value: unknown): value is SopsMap {
  return value instanceof Map;
}

/**
 * Converts a value parsed with `yaml`'s `toJS({ mapAsMap: true })` (non-string keys stringified) into a tree.
 * Anything else (a Date, a Set, a Buffer from `!!binary`) becomes its string form.
 */
export function toSopsValue(value: unknown): SopsValue {
  if (value === null || value === undefined) return null;
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  if (value instanceof Map) {
    const out: SopsMap = new Map();
    for (const [k, v] of value) out.set(String(k), toSopsValue(v));
    return out;
  }
  if (Array.isArray(value)) return value.map(toSopsValue);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "object") {
    const out: SopsMap = new Map();
    for (const [k, v] of Object.entries(value)) out.set(k, toSopsValue(v));
    return out;
  }
  return String(value);
}

/** Converts a tree back to plain JSON-compatible JavaScript (mappings become objects, integers numbers). */
export function fromSopsValue(value: SopsValue): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (isSopsMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[k] = fromSopsValue(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(fromSopsValue);
  return value;
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatGoFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = "", intPart = "", fracPart = "", expText = "0"] = match;
  const digits = intPart + fracPart;
  const exp = Number(expText);
  const point = intPart.length + exp;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** SOPS' `ToBytes` of a scalar: the bytes its MAC is computed over. */
export function scalarBytes(value: string | number | bigint | boolean): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (typeof value === "boolean") return Buffer.from(value ? "True" : "False");
  if (typeof value === "bigint") return Buffer.from(value.toString());
  return Buffer.from(Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : formatGoFloat(value));
}
