import { type Static, Type } from "@sinclair/typebox";

/** meta.DependencyReference: an object (same kind) that must be ready first, with an optional CEL check. */
export const DependencyReferenceSchema = Type.Object(
  {
    name: Type.String({ description: "Name of the dependency." }),
    namespace: Type.Optional(Type.String({ description: "Namespace of the dependency; defaults to the referrer's." })),
    readyExpr: Type.Optional(
      Type.String({ description: "CEL expression over dep and self that replaces the built-in readiness check." }),
    ),
  },
  { description: "A dependency that must be ready before this object is reconciled." },
);
/** A `dependsOn` entry. */
export type DependencyReference = Static<typeof DependencyReferenceSchema>;

/** Formats a dependency as Flux does in messages: `[namespace/]name[@readyExpr]`. */
export function formatDependencyReference(dep: DependencyReference): string {
  const name = dep.namespace ? `${dep.namespace}/${dep.name}` : dep.name;
  return dep.readyExpr ? `${name}@${dep.readyExpr}` : name;
}

/**
 * Parses Flux's dependency shorthand `[namespace/]name[@readyExpr]` (as `flux create --depends-on`
 * takes it). Everything after the first `@` is the CEL expression; `@` cannot occur in names.
 */
export function parseDependencyReference(text: string): DependencyReference {
  const at = text.indexOf("@");
  const ref = at === -1 ? text : text.slice(0, at);
  const slash = ref.indexOf("/");
  const dep: DependencyReference =
    slash === -1 ? { name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
  if (at !== -1) dep.readyExpr = text.slice(at + 1);
  return dep;
}
