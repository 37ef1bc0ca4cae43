import { describe, expect, it } from "vitest";
import { InvalidFlagError, parseFeatureGates, parseKustomizeControllerFlags } from "./flags.js";

describe("parseKustomizeControllerFlags", () => {
  it("has Flux's defaults", () => {
    const flags = parseKustomizeControllerFlags([], {});
    expect(flags.controller).toMatchObject({
      concurrency: 4,
      concurrentSsa: 4,
      dependencyRequeueMs: 30_000,
      noRemoteBases: false,
      noCrossNamespaceRefs: false,
      defaultServiceAccount: undefined,
      artifactFetchRetries: 9,
      strictSubstitutions: true,
      retryDelay: { min: 750, max: 900_000 },
      watchNamespace: undefined,
    });
    expect(flags.help).toBe(false);
  });

  it("reads the multi-tenancy lockdown flags, repeated override managers and feature gates", () => {
    const flags = parseKustomizeControllerFlags(
      [
        "--no-remote-bases=true",
        "--no-cross-namespace-refs",
        "--default-service-account=default",
        "--override-manager=helm",
        "--override-manager",
        "argocd",
        "--concurrent=8",
        "--concurrent-ssa=2",
        "--requeue-dependency=5s",
        "--feature-gates=StrictPostBuildSubstitutions=false,ExternalArtifact=true",
        "--watch-all-namespaces=false",
        "--custom-apply-stage-kinds=rbac.authorization.k8s.io/Role, ServiceAccount",
      ],
      { RUNTIME_NAMESPACE: "flux-system", SOURCE_CONTROLLER_LOCALHOST: "localhost:9090" },
    );
    expect(flags.controller).toMatchObject({
      noRemoteBases: true,
      noCrossNamespaceRefs: true,
      defaultServiceAccount: "default",
      overrideManagers: ["helm", "argocd"],
      concurrency: 8,
      concurrentSsa: 2,
      dependencyRequeueMs: 5_000,
      strictSubstitutions: false,
      allowExternalArtifact: true,
      watchNamespace: "flux-system",
      artifactHostOverride: "localhost:9090",
      customStageKinds: ["rbac.authorization.k8s.io/Role", "ServiceAccount"],
    });
  });

  it.each([
    [["--concurrent=0"], "--concurrent"],
    [["--requeue-dependency=soon"], "--requeue-dependency"],
    [["--feature-gates=Nope=true"], "unknown feature gate 'Nope'"],
    [["--custom-apply-stage-kinds=rbac/role"], "--custom-apply-stage-kinds"],
    [["--min-retry-delay=1m", "--max-retry-delay=1s"], "--max-retry-delay"],
  ])("refuses %j naming the flag", (argv, text) => {
    expect(() => parseKustomizeControllerFlags(argv, {})).toThrow(InvalidFlagError);
    expect(() => parseKustomizeControllerFlags(argv, {})).toThrow(text);
  });

  it("refuses unknown flags", () => {
    expect(() => parseKustomizeControllerFlags(["--bogus"], {})).toThrow(/bogus/);
  });
});

describe("parseFeatureGates", () => {
  it("parses name=bool pairs; a bare name means true", () => {
    expect([...parseFeatureGates("StrictPostBuildSubstitutions")]).toEqual([["StrictPostBuildSubstitutions", true]]);
    expect([...parseFeatureGates("StrictPostBuildSubstitutions=false")]).toEqual([
      ["StrictPostBuildSubstitutions", false],
    ]);
    expect(() => parseFeatureGates("StrictPostBuildSubstitutions=maybe")).toThrow(/true or false/);
  });
});
