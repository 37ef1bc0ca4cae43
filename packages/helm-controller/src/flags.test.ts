import { describe, expect, it } from "vitest";
import { InvalidFlagError, parseHelmControllerFlags } from "./flags.js";

describe("helm-controller flags", () => {
  it("has Flux's defaults", () => {
    const flags = parseHelmControllerFlags([], {});
    expect(flags.controller).toMatchObject({
      concurrency: 4,
      metricsAddr: ":8080",
      healthAddr: ":9440",
      requeueDependencyMs: 5_000,
      retryDelay: { min: 750, max: 900_000 },
      watchConfigsLabelSelector: "reconcile.fluxcd.io/watch=Enabled",
      watchNamespace: undefined,
    });
    expect(flags.controller.leaderElection).toBeUndefined();
  });

  it("reads Flux's flag names, Go-style booleans and RUNTIME_NAMESPACE", () => {
    const flags = parseHelmControllerFlags(
      [
        "--concurrent=8",
        "--default-service-account",
        "deployer",
        "--watch-all-namespaces=false",
        "--enable-leader-election",
        "--requeue-dependency=10s",
      ],
      { RUNTIME_NAMESPACE: "flux" },
    );
    expect(flags.controller).toMatchObject({
      concurrency: 8,
      defaultServiceAccount: "deployer",
      watchNamespace: "flux",
      requeueDependencyMs: 10_000,
      leaderElection: { enabled: true, leaseNamespace: "flux", leaseName: "helm-controller-leader-election" },
    });
  });

  it.each([
    [["--concurrent=0"], /--concurrent/],
    [["--requeue-dependency=soon"], /--requeue-dependency/],
    [["--min-retry-delay=10s", "--max-retry-delay=1s"], /--max-retry-delay/],
  ])("rejects %j naming the flag", (argv, message) => {
    expect(() => parseHelmControllerFlags(argv, {})).toThrow(InvalidFlagError);
    expect(() => parseHelmControllerFlags(argv, {})).toThrow(message);
  });
});
