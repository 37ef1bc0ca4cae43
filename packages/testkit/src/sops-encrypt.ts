// Test-only SOPS encryptor: writes files in SOPS' format (as getsops/sops 3.9+ does) so the decryptor can be
// tested on inputs we control. The data key is encrypted with the real `age` binary (ASCII-armored, like SOPS'
// age key source); values are AES-256-GCM with a 32-byte IV and the value's path (`a:b:`) as additional data;
// the MAC is the upper-case hex SHA-512 over the plaintext values in document order, encrypted with
// `lastmodified` as additional data. Not a product feature: never import it from src/.
import { execFile } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments, parseDocument, stringify } from "yaml";

const run = promisify(execFile);

/** An age key pair made by the real `age-keygen`. */
export interface AgeKey {
  /** `AGE-SECRET-KEY-1…` */
  identity: string;
  /** `age1…` */
  recipient: string;
  /** The whole key file as age-keygen wrote it (comments included), as users put it in `*.agekey`. */
  file: string;
}

/** Generates an age key pair with `age-keygen -o <dir>/<name>.txt`. */
export async function ageKeygen(dir: string, name = "key"): Promise<AgeKey> {
  const path = join(dir, `${name}.txt`);
  await run("age-keygen", ["-o", path]);
  const file = await readFile(path, "utf8");
  const identity = file.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"));
  const recipient = /public key: (age1\S+)/.exec(file)?.[1];
  if (!identity || !recipient) throw new Error(`age-keygen wrote an unexpected key file: ${path}`);
  return { identity, recipient, file };
}

/** Encryption options (SOPS creation rule fields). */
export interface SopsEncryptOptions {
  recipients: string[];
  encryptedRegex?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  macOnlyEncrypted?: boolean;
  lastModified?: string;
}

type Format = "yaml" | "json" | "dotenv" | "ini" | "binary";
type Value = string | number | bigint | boolean | null | Map<string, Value> | Value[];

/** Encrypts a plaintext document of the given format like `sops --encrypt` (one key group, age recipients). */
export async function sopsEncrypt(plain: string, format: Format, options: SopsEncryptOptions): Promise<string> {
  const dataKey = randomBytes(32);
  const branches = load(plain, format);
  const lastModified = options.lastModified ?? new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const hash = createHash("sha512");
  if (options.macOnlyEncrypted) hash.update(MAC_ONLY_INIT);
  const rule = encryptionRule(options);
  const walk = (value: Value, path: string[]): Value => {
    if (value === null) return null;
    if (value instanceof Map) {
      const out = new Map<string, Value>();
      for (const [k, v] of value) out.set(k, walk(v, [...path, k]));
      return out;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, path));
    const encrypted = rule(path);
    if (!options.macOnlyEncrypted || encrypted) hash.update(toBytes(value));
    return encrypted ? encryptValue(value, dataKey, `${path.join(":")}:`) : value;
  };
  const encrypted = branches.map((b) => walk(b, []) as Map<string, Value>);
  const mac = encryptValue(hash.digest("hex").toUpperCase(), dataKey, lastModified);
  const age = [];
  for (const recipient of options.recipients) {
    const { stdout } = await runWithInput("age", ["--encrypt", "--armor", "-r", recipient], dataKey);
    age.push(
      new Map<string, Value>([
        ["recipient", recipient],
        ["enc", stdout],
      ]),
    );
  }
  const meta = new Map<string, Value>([
    ["age", age],
    ["lastmodified", lastModified],
    ["mac", mac],
  ]);
  if (options.encryptedRegex) meta.set("encrypted_regex", options.encryptedRegex);
  if (options.unencryptedRegex) meta.set("unencrypted_regex", options.unencryptedRegex);
  if (options.encryptedSuffix) meta.set("encrypted_suffix", options.encryptedSuffix);
  if (options.unencryptedSuffix || noRule(options))
    meta.set("unencrypted_suffix", options.unencryptedSuffix ?? "_unencrypted");
  if (options.macOnlyEncrypted) meta.set("mac_only_encrypted", true);
  meta.set("version", "3.10.2");
  return emit(encrypted, meta, format);
}

/** Re-encrypts nothing: replaces one `ENC[…]` or plain scalar line in an encrypted YAML text (tamper helper). */
export function tamper(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`tamper: '${from}' not found`);
  return text.replace(from, to);
}

const MAC_ONLY_INIT = Buffer.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b,
  0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
]);

function noRule(o: SopsEncryptOptions): boolean {
  return !o.encryptedRegex && !o.unencryptedRegex && !o.encryptedSuffix && !o.unencryptedSuffix;
}

function encryptionRule(o: SopsEncryptOptions): (path: string[]) => boolean {
  const unencryptedSuffix = o.unencryptedSuffix ?? (noRule(o) ? "_unencrypted" : "");
  return (path) => {
    if (o.encryptedRegex) return path.some((p) => new RegExp(o.encryptedRegex!).test(p));
    if (o.unencryptedRegex) return !path.some((p) => new RegExp(o.unencryptedRegex!).test(p));
    if (o.encryptedSuffix) return path.some((p) => p.endsWith(o.encryptedSuffix!));
    return !path.some((p) => p.endsWith(unencryptedSuffix));
  };
}

function toBytes(value: string | number | bigint | boolean): Buffer {
  if (typeof value === "boolean") return Buffer.from(value ? "True" : "False");
  return Buffer.from(String(value));
}

function encryptValue(value: string | number | bigint | boolean, key: Buffer, additionalData: string): string {
  if (value === "") return "";
  const type =
    typeof value === "string"
      ? "str"
      : typeof value === "bigint"
        ? "int"
        : typeof value === "number"
          ? "float"
          : "bool";
  const iv = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(additionalData));
  const data = Buffer.concat([cipher.update(toBytes(value)), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}

function toValue(v: unknown): Value {
  if (v instanceof Map) {
    const out = new Map<string, Value>();
    for (const [k, x] of v) out.set(String(k), toValue(x));
    return out;
  }
  if (Array.isArray(v)) return v.map(toValue);
  if (v === undefined) return null;
  return v as Value;
}

function load(text: string, format: Format): Map<string, Value>[] {
  switch (format) {
    case "yaml":
      return parseAllDocuments(text, { intAsBigInt: true }).map(
        (d) => toValue(d.toJS({ mapAsMap: true })) as Map<string, Value>,
      );
    case "json":
      return [toValue(parseDocument(text, { intAsBigInt: true }).toJS({ mapAsMap: true })) as Map<string, Value>];
    case "binary":
      return [new Map([["data", text]])];
    case "dotenv": {
      const m = new Map<string, Value>();
      for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const eq = line.indexOf("=");
        m.set(line.slice(0, eq), line.slice(eq + 1).replaceAll("\\n", "\n"));
      }
      return [m];
    }
    case "ini": {
      const root = new Map<string, Value>([["DEFAULT", new Map()]]);
      let section = root.get("DEFAULT") as Map<string, Value>;
      for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
        const h = /^\[(.*)\]$/.exec(line);
        if (h) {
          section = new Map();
          root.set(h[1]!, section);
          continue;
        }
        const eq = line.indexOf("=");
        section.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      }
      return [root];
    }
  }
}

function plainJs(v: Value): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plainJs(x)]));
  if (Array.isArray(v)) return v.map(plainJs);
  if (typeof v === "bigint") return Number(v);
  return v;
}

function flatten(prefix: string, v: Value, out: [string, string][]): void {
  if (v instanceof Map) {
    for (const [k, x] of v) flatten(prefix === "" ? k : `${prefix}__map_${k}`, x, out);
  } else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) flatten(`${prefix}__list_${i}`, x, out);
  } else {
    out.push([prefix, String(v)]);
  }
}

function emit(branches: Map<string, Value>[], meta: Map<string, Value>, format: Format): string {
  switch (format) {
    case "yaml":
      return branches.map((b) => stringify(new Map([...b, ["sops", meta]]), { lineWidth: 0 })).join("---\n");
    case "json":
    case "binary":
      return `${JSON.stringify(plainJs(new Map([...branches[0]!, ["sops", meta]])), null, "\t")}\n`;
    case "dotenv": {
      const lines = [...branches[0]!].map(([k, v]) => `${k}=${String(v).replaceAll("\n", "\\n")}`);
      const flat: [string, string][] = [];
      flatten("", meta, flat);
      for (const [k, v] of flat) lines.push(`sops_${k}=${v.replaceAll("\n", "\\n")}`);
      return `${lines.join("\n")}\n`;
    }
    case "ini": {
      const lines: string[] = [];
      for (const [name, section] of branches[0]!) {
        if (name === "DEFAULT" && (section as Map<string, Value>).size === 0) continue;
        lines.push(`[${name}]`);
        for (const [k, v] of section as Map<string, Value>) lines.push(`${k} = ${String(v)}`);
        lines.push("");
      }
      lines.push("[sops]");
      const flat: [string, string][] = [];
      flatten("", meta, flat);
      for (const [k, v] of flat) lines.push(`${k} = ${v.replaceAll("\n", "\\n")}`);
      return `${lines.join("\n")}\n`;
    }
  }
}

function runWithInput(cmd: string, args: string[], input: Buffer): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr || err.message}`));
      else resolve({ stdout });
    });
    child.stdin?.end(input);
  });
}
