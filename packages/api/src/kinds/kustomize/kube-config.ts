import { type Static, Type } from "@sinclair/typebox";
import { KubeConfigReferenceSchema } from "../../meta/references.js";

const EXACTLY_ONE = "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified";

/**
 * `spec.kubeConfig` of Kustomization and HelmRelease: meta.KubeConfigReference with the two CEL rules
 * Flux's CRDs put on it (exactly one of secretRef and configMapRef).
 */
export const KubeConfigSpecSchema = Type.Object(KubeConfigReferenceSchema.properties, {
  description: "Kubeconfig of a remote cluster, from a Secret or a ConfigMap.",
  "x-kubernetes-validations": [
    { rule: "has(self.configMapRef) || has(self.secretRef)", message: EXACTLY_ONE },
    { rule: "!has(self.configMapRef) || !has(self.secretRef)", message: EXACTLY_ONE },
  ],
});
/** `spec.kubeConfig`. */
export type KubeConfigSpec = Static<typeof KubeConfigSpecSchema>;
