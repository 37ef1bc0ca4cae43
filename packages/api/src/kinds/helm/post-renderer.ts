import { type Static, Type } from "@sinclair/typebox";
import { KustomizeImageSchema, KustomizePatchSchema } from "../kustomize/kustomize-overlay.js";

/** A kustomize post-renderer: patches and image overrides applied to the rendered chart. */
export const KustomizePostRendererSchema = Type.Object(
  {
    patches: Type.Optional(Type.Array(KustomizePatchSchema, { description: "Inline patches with targets." })),
    images: Type.Optional(Type.Array(KustomizeImageSchema, { description: "Image name, tag or digest overrides." })),
  },
  { description: "Kustomize post-renderer." },
);
/** `spec.postRenderers[].kustomize`. */
export type KustomizePostRenderer = Static<typeof KustomizePostRendererSchema>;

/** One post-renderer, applied in list order. */
export const PostRendererSchema = Type.Object(
  { kustomize: Type.Optional(KustomizePostRendererSchema) },
  { description: "A Helm post-renderer." },
);
/** A `spec.postRenderers` entry. */
export type PostRenderer = Static<typeof PostRendererSchema>;
