import { describe, expect, it } from "vitest";
import { sourceRevisionChanged } from "./controller.js";

const chart = (artifact?: { revision: string; digest?: string }) => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmChart",
  metadata: { namespace: "a", name: "c" },
  ...(artifact ? { status: { artifact } } : {}),
});

describe("sourceRevisionChanged (Flux's SourceRevisionChangePredicate)", () => {
  it("is true for a first artifact and a new revision only", () => {
    expect(sourceRevisionChanged(chart(), chart({ revision: "1.0.0" }))).toBe(true);
    expect(sourceRevisionChanged(chart({ revision: "1.0.0" }), chart({ revision: "1.0.1" }))).toBe(true);
    expect(sourceRevisionChanged(chart(), chart())).toBe(false);
    expect(sourceRevisionChanged(chart({ revision: "1.0.0" }), chart({ revision: "1.0.0", digest: "sha256:x" }))).toBe(
      false,
    );
    expect(sourceRevisionChanged(chart({ revision: "1.0.0" }), chart())).toBe(false);
  });
});
