import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { openApiSchemaFor } from "../../crd/openapi-schema.js";
import { structuralViolations } from "../../crd/structural.js";
import { renderCrds } from "../../crd/write-crds.js";
import { NOTIFICATION_KINDS } from "./index.js";

describe("NOTIFICATION_KINDS", () => {
  it("lists the group's kinds in CRD generation order", () => {
    expect(NOTIFICATION_KINDS.map((k) => k.kind)).toEqual(["Provider", "Alert", "Receiver"]);
  });

  it.each(NOTIFICATION_KINDS.map((k) => [k.kind, k] as const))(
    "%s publishes a Kubernetes structural schema",
    (_name, def) => {
      expect(structuralViolations(openApiSchemaFor(def))).toEqual([]);
    },
  );

  it.each(NOTIFICATION_KINDS.map((k) => [k.kind, k] as const))(
    "%s renders as CRD YAML that parses back",
    (_name, def) => {
      const [[file, text]] = [...renderCrds([def])] as [[string, string]];
      expect(file).toBe(`${def.group}_${def.plural}.yaml`);
      const crd = parse(text) as { spec: { names: { kind: string } } };
      expect(crd.spec.names.kind).toBe(def.kind);
    },
  );
});
