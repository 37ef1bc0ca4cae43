import { type Static, Type } from "@sinclair/typebox";

/** An image reference: name, tag and optional digest. */
export const ImageRefSchema = Type.Object(
  {
    name: Type.String({ description: "Image name without tag." }),
    tag: Type.String({ description: "Image tag." }),
    digest: Type.Optional(Type.String({ description: "Image digest." })),
  },
  { description: "A container image reference." },
);
/** An image reference. */
export type ImageRef = Static<typeof ImageRefSchema>;

/** Formats an image reference as `name:tag[@digest]`. */
export function formatImageRef(ref: ImageRef): string {
  return ref.digest ? `${ref.name}:${ref.tag}@${ref.digest}` : `${ref.name}:${ref.tag}`;
}
