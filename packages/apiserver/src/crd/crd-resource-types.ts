import { sortVersions } from "../resources/registry.js";
import {
  type PrinterColumn,
  type ResourceType,
  type ScaleSubresource,
  STANDARD_VERBS,
} from "../resources/resource-type.js";
import { getPath, isObject, type JsonObject, type JsonValue } from "../util/json.js";

/** One served version of a CRD with its schema. */
export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: JsonObject | undefined;
  status: boolean;
  scale?: ScaleSubresource;
  columns: PrinterColumn[];
  selectableFields: string[];
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

const AGE_COLUMN: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description:
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

/** Reads the versions of a CRD (apiextensions.k8s.io/v1). */
export function crdVersions(crd: JsonObject): CrdVersion[] {
  const versions = getPath(crd, ["spec", "versions"]);
  if (!Array.isArray(versions)) return [];
  return versions.filter(isObject).map((v) => {
    const schema = getPath(v, ["schema", "openAPIV3Schema"]);
    const scale = getPath(v, ["subresources", "scale"]);
    const cols = v["additionalPrinterColumns"];
    const columns: PrinterColumn[] = Array.isArray(cols)
      ? cols.filter(isObject).map((c) => {
          const col: PrinterColumn = {
            name: String(c["name"]),
            type: String(c["type"] ?? "string"),
            jsonPath: String(c["jsonPath"] ?? ""),
          };
          if (typeof c["format"] === "string") col.format = c["format"];
          if (typeof c["description"] === "string") col.description = c["description"];
          if (typeof c["priority"] === "number") col.priority = c["priority"];
          return col;
        })
      : [];
    const selectable = v["selectableFields"];
    const out: CrdVersion = {
      name: String(v["name"]),
      served: v["served"] !== false,
      storage: v["storage"] === true,
      schema: isObject(schema) ? schema : undefined,
      status: isObject(getPath(v, ["subresources", "status"])),
      columns: columns.length > 0 ? columns : [AGE_COLUMN],
      selectableFields: Array.isArray(selectable)
        ? selectable.filter(isObject).map((s) => String(s["jsonPath"] ?? "").replace(/^\./, ""))
        : [],
    };
    if (isObject(scale)) {
      const s: ScaleSubresource = {
        specReplicasPath: String(scale["specReplicasPath"] ?? ".spec.replicas"),
        statusReplicasPath: String(scale["statusReplicasPath"] ?? ".status.replicas"),
      };
      if (typeof scale["labelSelectorPath"] === "string") s.labelSelectorPath = scale["labelSelectorPath"];
      out.scale = s;
    }
    return out;
  });
}

/** The resource types a CRD serves (one per served version). */
export function crdResourceTypes(crd: JsonObject): ResourceType[] {
  const spec = isObject(crd["spec"]) ? crd["spec"] : {};
  const names = isObject(spec["names"]) ? spec["names"] : {};
  const group = str(spec["group"]) ?? "";
  const kind = str(names["kind"]) ?? "";
  const versions = crdVersions(crd);
  const served = sortVersions(versions.filter((v) => v.served).map((v) => v.name));
  const storage = versions.find((v) => v.storage)?.name ?? served[0] ?? "";
  const crdName = String((crd["metadata"] as JsonObject)["name"]);
  return versions
    .filter((v) => v.served)
    .map((v) => {
      const rt: ResourceType = {
        group,
        version: v.name,
        servedVersions: served,
        storageVersion: storage,
        resource: str(names["plural"]) ?? "",
        singular: str(names["singular"]) ?? kind.toLowerCase(),
        kind,
        listKind: str(names["listKind"]) ?? `${kind}List`,
        namespaced: spec["scope"] !== "Cluster",
        shortNames: Array.isArray(names["shortNames"]) ? names["shortNames"].map(String) : [],
        categories: Array.isArray(names["categories"]) ? names["categories"].map(String) : [],
        verbs: [...STANDARD_VERBS],
        hasStatus: v.status,
        generation: "spec",
        returnDeletedObject: true,
        fieldSelectors: v.selectableFields,
        columns: v.columns,
        ageColumn: false,
        crdName,
      };
      if (v.scale) rt.scale = v.scale;
      return rt;
    });
}
