import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { openApiSchemaFor } from "../../crd/openapi-schema.js";
import { structuralViolations } from "../../crd/structural.js";
import { renderCrds } from "../../crd/write-crds.js";
import { IMAGE_KINDS } from "./index.js";

describe("IMAGE_KINDS", () => {
  it("lists the group's kinds in CRD generation order", () => {
    expect(IMAGE_KINDS.map((k) => k.kind)).toEqual(["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"]);
  });

  it.each(IMAGE_KINDS.map((k) => [k.kind, k] as const))("%s publishes a Kubernetes structural schema", (_name, def) => {
    expect(structuralViolations(openApiSchemaFor(def))).toEqual([]);
  });

  it.each(IMAGE_KINDS.map((k) => [k.kind, k] as const))("%s renders as CRD YAML that parses back", (_name, def) => {
    const [[file, text]] = [...renderCrds([def])] as [[string, string]];
    expect(file).toBe(`${def.group}_${def.plural}.yaml`);
    const crd = parse(text) as { spec: { names: { kind: string } } };
    expect(crd.spec.names.kind).toBe(def.kind);
  });
});
