import { type Static, Type } from "@sinclair/typebox";

// The kustomize building blocks Flux shares between Kustomization and HelmRelease post-renderers
// (fluxcd/pkg apis/kustomize): target selectors, inline patches and image overrides.

/** kustomize.Selector: picks the objects a patch or ignore rule applies to (all given fields must match). */
export const KustomizeSelectorSchema = Type.Object(
  {
    group: Type.Optional(Type.String({ description: "API group of the objects." })),
    version: Type.Optional(Type.String({ description: "API version of the objects." })),
    kind: Type.Optional(Type.String({ description: "Kind of the objects." })),
    namespace: Type.Optional(Type.String({ description: "Namespace of the objects." })),
    name: Type.Optional(Type.String({ description: "Name (regular expression) of the objects." })),
    annotationSelector: Type.Optional(Type.String({ description: "Label-selector expression over annotations." })),
    labelSelector: Type.Optional(Type.String({ description: "Label-selector expression over labels." })),
  },
  { description: "Selects the objects matching every given field." },
);
/** A kustomize target selector. */
export type KustomizeSelector = Static<typeof KustomizeSelectorSchema>;

/** kustomize.Patch: an inline strategic-merge or JSON 6902 patch with an optional target. */
export const KustomizePatchSchema = Type.Object(
  {
    patch: Type.String({ description: "Strategic-merge patch or JSON 6902 operation list, as YAML text." }),
    target: Type.Optional(KustomizeSelectorSchema),
  },
  { description: "An inline patch and the objects it applies to." },
);
/** A kustomize patch. */
export type KustomizePatch = Static<typeof KustomizePatchSchema>;

/** kustomize.Image: rewrites an image's name, tag or digest. */
export const KustomizeImageSchema = Type.Object(
  {
    name: Type.String({ description: "Image name without tag to match." }),
    newName: Type.Optional(Type.String({ description: "Replacement image name." })),
    newTag: Type.Optional(Type.String({ description: "Replacement tag." })),
    digest: Type.Optional(Type.String({ description: "Replacement digest; takes precedence over newTag." })),
  },
  { description: "An image override." },
);
/** A kustomize image override. */
export type KustomizeImage = Static<typeof KustomizeImageSchema>;
