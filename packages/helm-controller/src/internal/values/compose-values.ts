// A HelmRelease's effective values: `valuesFrom` ConfigMaps/Secrets merged in order, then `spec.values`, as
// helm-controller's ChartValuesFromReferences composes them; plus the config digest of the result.

import { createHash } from "node:crypto";
import type { HelmRelease, ValuesReference } from "@sluice/api";
import { isNotFound, type KubeClient } from "@sluice/runtime";
import { parse as parseYaml } from "yaml";
import { mergeValues, type Values } from "./merge-values.js";
import { setAtTargetPath, TargetPathError } from "./target-path.js";

/** A valuesFrom reference that could not be resolved; `missing` when the object or key does not exist. */
export class ValuesReferenceError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ValuesReferenceError";
  }
}

interface DataObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string };
  data?: Record<string, string> | null;
}

/** Default data key of a valuesFrom reference. */
export const DEFAULT_VALUES_KEY = "values.yaml";

async function readKey(client: KubeClient, namespace: string, ref: ValuesReference): Promise<string | undefined> {
  let obj: DataObject;
  try {
    obj = await client.get<DataObject>({ apiVersion: "v1", kind: ref.kind, namespace, name: ref.name });
  } catch (err: unknown) {
    if (isNotFound(err)) {
      if (ref.optional) return undefined;
      throw new ValuesReferenceError(`could not find ${ref.kind} '${namespace}/${ref.name}'`, true, { cause: err });
    }
    throw err;
  }
  const key = ref.valuesKey || DEFAULT_VALUES_KEY;
  const raw = obj.data?.[key];
  if (raw === undefined) {
    if (ref.optional) return undefined;
    throw new ValuesReferenceError(`missing key '${key}' in ${ref.kind} '${namespace}/${ref.name}'`, true);
  }
  return ref.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw;
}

/**
 * Resolves `spec.valuesFrom` (in the HelmRelease's namespace) and merges them in order, then `spec.values`.
 * An entry with `targetPath` sets that single path (Helm `--set` syntax); without, the key's YAML is merged
 * at the root. Throws {@link ValuesReferenceError} naming the object and key.
 */
export async function composeValues(client: KubeClient, hr: HelmRelease): Promise<Values> {
  const namespace = hr.metadata.namespace ?? "";
  let result: Values = {};
  for (const ref of hr.spec.valuesFrom ?? []) {
    const text = await readKey(client, namespace, ref);
    if (text === undefined) continue;
    const where = `${ref.kind} '${namespace}/${ref.name}' key '${ref.valuesKey || DEFAULT_VALUES_KEY}'`;
    if (ref.targetPath) {
      try {
        setAtTargetPath(result, ref.targetPath, text.trimEnd(), ref.literal ?? false);
      } catch (err: unknown) {
        const reason = err instanceof TargetPathError ? err.message : String(err);
        throw new ValuesReferenceError(`unable to merge value from ${where}: ${reason}`, false, { cause: err });
      }
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (err: unknown) {
      throw new ValuesReferenceError(`unable to read values from ${where}: ${(err as Error).message}`, false, {
        cause: err,
      });
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ValuesReferenceError(`unable to read values from ${where}: not a YAML map`, false);
    }
    result = mergeValues(result, parsed as Values);
  }
  if (hr.spec.values) result = mergeValues(result, hr.spec.values as Values);
  return result;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** `sha256:<hex>` over the values as Go's encoding/json writes them (sorted keys): helm-controller's config digest. */
export function valuesDigest(values: Values | null | undefined): string {
  const json = JSON.stringify(canonical(values ?? {}))
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
  return `sha256:${createHash("sha256").update(json).digest("hex")}`;
}
