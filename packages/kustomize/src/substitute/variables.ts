import type { SubstituteReference } from "@sluice/api";

/** A `substituteFrom` reference with the data the caller fetched: undefined when the object was not found. */
export interface FetchedSubstituteSource {
  reference: SubstituteReference;
  /** ConfigMap `data`, or Secret `data` (base64 values, as the API returns them); undefined when not found. */
  data: Readonly<Record<string, string>> | undefined;
}

/** A non-optional `substituteFrom` object is missing (the reconcile fails and is retried). */
export class SubstituteSourceNotFoundError extends Error {
  constructor(readonly reference: SubstituteReference) {
    super(`substitute from '${reference.kind}/${reference.name}' error: ${reference.kind} not found`);
    this.name = "SubstituteSourceNotFoundError";
  }
}

/**
 * Merges post-build variables as kustomize-controller does: the `substituteFrom` sources in order (later keys
 * win; a missing `optional` source is skipped, a missing required one throws
 * {@link SubstituteSourceNotFoundError}; Secret values are base64-decoded), then the inline `substitute` map
 * on top. Newlines are removed from every value.
 */
export function mergeSubstituteVariables(
  sources: readonly FetchedSubstituteSource[],
  inline: Readonly<Record<string, string>> | undefined,
): Map<string, string> {
  const vars = new Map<string, string>();
  for (const { reference, data } of sources) {
    if (data === undefined) {
      if (reference.optional === true) continue;
      throw new SubstituteSourceNotFoundError(reference);
    }
    for (const [key, raw] of Object.entries(data)) {
      const value = reference.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw;
      vars.set(key, stripNewlines(value));
    }
  }
  for (const [key, value] of Object.entries(inline ?? {})) vars.set(key, stripNewlines(value));
  return vars;
}

function stripNewlines(value: string): string {
  return value.split("\n").join("");
}
