import { KustomizeAnnotation, KustomizeDisabledValue } from "@sluice/api";
import { parse, stringify } from "yaml";
import { envsubst } from "./envsubst.js";

/** Options of {@link substituteObject} and {@link substituteObjects}. */
export interface SubstituteOptions {
  /** `--feature-gates=StrictPostBuildSubstitutions`: a variable without default that is unset is an error. */
  strict?: boolean | undefined;
  /** `postBuild.substituteStrategy: Always`: substitute even when no variable is defined (for defaults). */
  always?: boolean | undefined;
}

/** Variable substitution failed on one object (maps to `BuildFailed`; the message names the object). */
export class PostBuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PostBuildError";
  }
}

/** Variable names kustomize-controller accepts. */
export const VARIABLE_NAME_PATTERN = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/**
 * Whether the object opted out of substitution with the label or annotation
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` (exact value, as Flux compares it).
 */
export function substitutionDisabled(obj: ObjectLike): boolean {
  const key = KustomizeAnnotation.Substitute;
  return (
    obj.metadata?.labels?.[key] === KustomizeDisabledValue ||
    obj.metadata?.annotations?.[key] === KustomizeDisabledValue
  );
}

/**
 * Substitutes `${...}` variables in one built object as kustomize-controller does: on the object's YAML text
 * (`source`, as kustomize printed it so quoting styles are kept; the object re-serialised when absent), then
 * parsed back (so an unquoted `replicas: ${N}` becomes a number, a quoted one stays a string). Returns the
 * object unchanged when it opted out, or when `vars` is empty and `always` is not set. Throws {@link PostBuildError} naming the object for an invalid
 * variable name, bad `${...}` syntax, an unset variable in strict mode, or output that is no longer YAML.
 */
export function substituteObject<T extends ObjectLike>(
  obj: T,
  vars: ReadonlyMap<string, string>,
  options: SubstituteOptions = {},
  source?: string,
): T {
  if (substitutionDisabled(obj)) return obj;
  if (vars.size === 0 && options.always !== true) return obj;
  const where = describe(obj);
  for (const name of vars.keys()) {
    if (!VARIABLE_NAME_PATTERN.test(name)) {
      throw new PostBuildError(
        `post build failed for '${where}': envsubst error: '${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`,
      );
    }
  }
  const input = source ?? stringify(obj, { lineWidth: 0 });
  // Without a `$` the expansion is the identity: skip the re-parse.
  if (!input.includes("$")) return obj;
  let text: string;
  try {
    text = envsubst(input, (name) => {
      const value = vars.get(name);
      if (options.strict === true) return [value ?? "", value !== undefined];
      return [value ?? "", true];
    });
  } catch (err: unknown) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new PostBuildError(
      `post build failed for '${where}': envsubst error: variable substitution failed: ${cause}`,
      {
        cause: err,
      },
    );
  }
  try {
    return parse(text) as T;
  } catch (err: unknown) {
    const cause = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
    throw new PostBuildError(`post build failed for '${where}': envsubst error: YAMLToJSON: ${cause}`, { cause: err });
  }
}

/** {@link substituteObject} over every built object, in order, with their kustomize YAML when given. */
export function substituteObjects<T extends ObjectLike>(
  objects: readonly T[],
  vars: ReadonlyMap<string, string>,
  options: SubstituteOptions = {},
  sources?: readonly string[],
): T[] {
  return objects.map((obj, i) => substituteObject(obj, vars, options, sources?.[i]));
}

function describe(obj: ObjectLike): string {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const slash = apiVersion.indexOf("/");
  const group = slash === -1 ? "" : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  // Kustomize's Gvk string, as Flux prints it in this error: `~G` stands for the core group.
  const gvk = `${group || "~G"}_${version}_${String(obj.kind ?? "")}`;
  return `${gvk}/${String(obj.metadata?.name ?? "")}`;
}
