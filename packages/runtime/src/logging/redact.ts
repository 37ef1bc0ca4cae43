import { cleanLogLine } from "./clean-line.js";
import { SENSITIVE_KEY } from "./sensitive-key.js";

/** What redacted values are replaced with. */
export const REDACTED = "[REDACTED]";

/** `Bearer abc…` / `Basic abc…` in free text. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/gi;
/** `scheme://user:pass@host` or `scheme://token@host`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/** Removes credentials from free text: authorization header values and URL user info. */
export function redactText(text: string): string {
  return text.replace(AUTH_SCHEME, `$1 ${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** True when a key names a credential. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A copy of `value` safe to log: Secret objects lose the values of `data` and `stringData` (keys stay
 * visible), credential-named keys lose their values, and strings lose bearer/basic tokens and URL user info.
 * Errors become `{ type, message, stack }` with the same scrubbing. Cycles are cut.
 */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: redactText(value.message),
      ...(value.stack ? { stack: redactText(value.stack) } : {}),
    };
    for (const [k, v] of Object.entries(value)) out[k] = isSensitiveKey(k) ? REDACTED : redactValue(v, seen);
    if (value.cause !== undefined) out["cause"] = redactValue(value.cause, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return REDACTED;
  const isSecret = isRecord(value) && value["kind"] === "Secret";
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecret && (k === "data" || k === "stringData") && isRecord(v)) {
      out[k] = Object.fromEntries(Object.keys(v).map((key) => [key, REDACTED]));
    } else if (isSensitiveKey(k) && v !== null && v !== undefined && typeof v !== "object") {
      out[k] = REDACTED;
    } else {
      out[k] = redactValue(v, seen);
    }
  }
  return out;
}

/**
 * Redacts one serialized log line (a JSON object, or plain text when it does not parse) — the last pass
 * before output, so child-logger bindings and anything pino serialized itself are covered too.
 */
export function redactLogLine(line: string): string {
  const trimmed = line.endsWith("\n") ? line.slice(0, -1) : line;
  const clean = cleanLogLine(trimmed);
  if (clean !== undefined) return `${clean}\n`;
  try {
    return `${JSON.stringify(redactValue(JSON.parse(trimmed)))}\n`;
  } catch {
    return `${redactText(trimmed)}\n`;
  }
}
