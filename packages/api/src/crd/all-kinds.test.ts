import { describe, expect, it } from "vitest";
import { ALL_KINDS } from "../kinds/index.js";
import { crdFor } from "./crd-for.js";
import { openApiSchemaFor } from "./openapi-schema.js";
import { structuralViolations } from "./structural.js";

describe.each(ALL_KINDS.map((k) => [`${k.kind}.${k.group}`, k] as const))("CRD of %s", (_name, def) => {
  it("is a Kubernetes structural schema", () => {
    expect(structuralViolations(openApiSchemaFor(def))).toEqual([]);
  });

  it("is named <plural>.<group>, served and stored at its one version", () => {
    const crd = crdFor(def) as { metadata: { name: string }; spec: { versions: Array<Record<string, unknown>> } };
    expect(crd.metadata.name).toBe(`${def.plural}.${def.group}`);
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({ name: def.version, served: true, storage: true });
  });

  it("defaults status.observedGeneration to -1 when the kind has a status", () => {
    const schema = openApiSchemaFor(def) as { properties: Record<string, { default?: unknown }> };
    if (def.status?.properties["observedGeneration"]) {
      expect(schema.properties["status"]?.default).toEqual({ observedGeneration: -1 });
    } else {
      expect(schema.properties["status"]?.default).toBeUndefined();
    }
  });
});

describe("ALL_KINDS", () => {
  it("has no two kinds with the same plural in one group", () => {
    const names = ALL_KINDS.map((k) => `${k.plural}.${k.group}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
