import { type Static, Type } from "@sinclair/typebox";

/** meta.LocalObjectReference: a reference to an object in the same namespace. */
export const LocalObjectReferenceSchema = Type.Object(
  { name: Type.String({ description: "Name of the referent." }) },
  {
    description:
      "LocalObjectReference contains enough information to locate the referenced object in the same namespace.",
  },
);
export type LocalObjectReference = Static<typeof LocalObjectReferenceSchema>;

/** meta.NamespacedObjectReference: name plus optional namespace. */
export const NamespacedObjectReferenceSchema = Type.Object({
  name: Type.String({ description: "Name of the referent." }),
  namespace: Type.Optional(
    Type.String({ description: "Namespace of the referent, when not specified it acts as LocalObjectReference." }),
  ),
});
export type NamespacedObjectReference = Static<typeof NamespacedObjectReferenceSchema>;

/** meta.SecretKeyReference: a key in a Secret in the same namespace. */
export const SecretKeyReferenceSchema = Type.Object({
  name: Type.String({ description: "Name of the Secret." }),
  key: Type.String({
    description: "Key in the Secret, when not specified an implementation-specific default key is used.",
  }),
});
export type SecretKeyReference = Static<typeof SecretKeyReferenceSchema>;

/** meta.KubeConfigReference: a kubeconfig in a Secret (key `value` or `value.yaml`) or a ConfigMap. */
export const KubeConfigReferenceSchema = Type.Object({
  secretRef: Type.Optional(
    Type.Object({
      name: Type.String({ description: "Name of the Secret." }),
      key: Type.Optional(Type.String({ description: "Key in the Secret, defaults to value or value.yaml." })),
    }),
  ),
  configMapRef: Type.Optional(LocalObjectReferenceSchema),
});
export type KubeConfigReference = Static<typeof KubeConfigReferenceSchema>;
