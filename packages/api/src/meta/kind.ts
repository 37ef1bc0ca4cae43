import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { ObjectMeta } from "./object-meta.js";
import type { ValidationRule } from "./schema-helpers.js";

/** A column `kubectl get` shows for a custom resource (CRD additionalPrinterColumns). */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** Everything needed to type, validate and publish one custom resource kind. */
export interface KindDefinitionInput<TSpec extends TObject, TStatus extends TObject> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  scope?: "Namespaced" | "Cluster";
  description: string;
  spec: TSpec;
  /** Omit for static kinds that have no status (Flux's v1beta3 Alert and Provider). */
  status?: TStatus;
  printerColumns?: PrinterColumn[];
  /** `x-kubernetes-validations` on the root object (rules that see `self.spec` and `self.metadata`). */
  rootValidations?: ValidationRule[];
  /** Whether `spec` is required at the root, as `+required` marks it in Flux's Go types. */
  specRequired?: boolean;
}

/** A registered kind: its identity, schemas and CRD facts. */
export interface KindDefinition<TSpec extends TObject = TObject, TStatus extends TObject = TObject>
  extends Required<Pick<KindDefinitionInput<TSpec, TStatus>, "group" | "version" | "kind" | "plural" | "singular">> {
  apiVersion: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: TSpec;
  status: TStatus | undefined;
  printerColumns: PrinterColumn[];
  rootValidations: ValidationRule[];
  specRequired: boolean;
}

/** Declares a kind; the single source from which its TS type, validator and CRD YAML are derived. */
export function defineKind<TSpec extends TObject, TStatus extends TObject>(
  input: KindDefinitionInput<TSpec, TStatus>,
): KindDefinition<TSpec, TStatus> {
  return {
    group: input.group,
    version: input.version,
    kind: input.kind,
    plural: input.plural,
    singular: input.singular,
    apiVersion: `${input.group}/${input.version}`,
    listKind: `${input.kind}List`,
    shortNames: input.shortNames ?? [],
    categories: input.categories ?? [],
    scope: input.scope ?? "Namespaced",
    description: input.description,
    spec: input.spec,
    status: input.status,
    printerColumns: input.printerColumns ?? [],
    rootValidations: input.rootValidations ?? [],
    specRequired: input.specRequired ?? false,
  };
}

/** The TypeScript type of an object of a kind: apiVersion, kind, metadata, spec, status. */
export interface KubeObject<TSpec, TStatus> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: TSpec;
  status?: TStatus;
}

/** The object type of a kind definition (`ObjectOf<typeof GitRepositoryKind>`). */
export type ObjectOf<K> = K extends KindDefinition<infer S, infer T> ? KubeObject<Static<S>, Static<T>> : never;

/** Anything that is a JSON schema for a part of an object. */
export type SchemaOf = TSchema;
