import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderCrds } from "../../crd/write-crds.js";
import { SOURCE_API_VERSION, SOURCE_KINDS } from "./index.js";

describe("SOURCE_KINDS", () => {
  it("lists the six source.toolkit.fluxcd.io/v1 kinds", () => {
    expect(SOURCE_KINDS.map((k) => k.kind).sort()).toEqual([
      "Bucket",
      "ExternalArtifact",
      "GitRepository",
      "HelmChart",
      "HelmRepository",
      "OCIRepository",
    ]);
    for (const kind of SOURCE_KINDS) expect(kind.apiVersion).toBe(SOURCE_API_VERSION);
  });

  it("renders one CRD file per kind, named as Flux names them", () => {
    const files = renderCrds(SOURCE_KINDS);
    expect([...files.keys()].sort()).toEqual([
      "source.toolkit.fluxcd.io_buckets.yaml",
      "source.toolkit.fluxcd.io_externalartifacts.yaml",
      "source.toolkit.fluxcd.io_gitrepositories.yaml",
      "source.toolkit.fluxcd.io_helmcharts.yaml",
      "source.toolkit.fluxcd.io_helmrepositories.yaml",
      "source.toolkit.fluxcd.io_ocirepositories.yaml",
    ]);
  });

  // Kubernetes rejects non-structural CRD schemas: every node needs a type (unless it preserves unknown
  // fields), and anyOf/oneOf/const/patternProperties are not allowed where TypeBox would emit them.
  // status.conditions and status artifacts are built by src/meta (ConditionSchema, ArtifactSchema) and are
  // left to that module's tests.
  const META_OWNED = new Set([".status.conditions", ".status.artifact", ".status.includedArtifacts"]);
  it.each(SOURCE_KINDS.map((k) => [k.kind, k] as const))("%s publishes a structural schema", (_name, kind) => {
    const text = renderCrds([kind]).values().next().value as string;
    const crd = parse(text.replace(/^#.*\n/, "")) as {
      spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> };
    };
    const problems: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      if (META_OWNED.has(path)) return;
      for (const banned of ["anyOf", "oneOf", "allOf", "not", "const", "patternProperties", "$id", "$ref"]) {
        if (banned in node) problems.push(`${path}: ${banned}`);
      }
      if (!("type" in node) && !node["x-kubernetes-preserve-unknown-fields"]) problems.push(`${path}: no type`);
      const props = node["properties"] as Record<string, Record<string, unknown>> | undefined;
      for (const [key, sub] of Object.entries(props ?? {})) walk(sub, `${path}.${key}`);
      const items = node["items"] as Record<string, unknown> | undefined;
      if (items) walk(items, `${path}[]`);
      const additional = node["additionalProperties"];
      if (additional && typeof additional === "object") walk(additional as Record<string, unknown>, `${path}{}`);
    };
    walk(crd.spec.versions[0]?.schema.openAPIV3Schema ?? {}, "");
    expect(problems).toEqual([]);
  });
});
