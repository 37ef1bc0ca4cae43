import { describe, expect, it } from "vitest";
import { InvalidFlagError, leaseNameFor, parseHelmControllerFlags } from "./flags.js";

describe("helm-controller flags", () => {
  it("has Flux's defaults", () => {
    const flags = parseHelmControllerFlags([], {});
    expect(flags.controller).toMatchObject({
      concurrency: 4,
      metricsAddr: ":8080",
      healthAddr: ":9440",
      requeueDependencyMs: 30_000,
      artifactFetchRetries: 9,
      artifactFetchTimeoutMs: 30_000,
      noCrossNamespaceRefs: false,
      insecureKubeConfigExec: false,
      insecureKubeConfigTls: false,
      overrideManagers: [],
      retryDelay: { min: 750, max: 900_000 },
      watchConfigsLabelSelector: "reconcile.fluxcd.io/watch=Enabled",
      watchNamespace: undefined,
    });
    expect(flags.controller.leaderElection).toBeUndefined();
    expect(flags.controller.featureGates?.get("DefaultToRetryOnFailure")).toBe(false);
  });

  it("accepts every flag of Flux's helm-controller main.go", () => {
    const flags = parseHelmControllerFlags(
      [
        "--no-cross-namespace-refs=true",
        "--default-service-account=tenant",
        "--default-kubeconfig-service-account=kc",
        "--http-retry=3",
        "--http-timeout=1m",
        "--override-manager=kubectl",
        "--override-manager",
        "argocd",
        "--snapshot-digest-algo=sha256",
        "--feature-gates=DefaultToRetryOnFailure=true,ExternalArtifact=true",
        "--feature-gates=OOMWatch=false",
        "--insecure-kubeconfig-exec",
        "--insecure-kubeconfig-tls=false",
        "--watch-label-selector=sharding.fluxcd.io/key in (shard1)",
        "--watch-configs-label-selector=team=a",
        "--oom-watch-memory-threshold=90",
        "--oom-watch-interval=1s",
        "--oom-watch-max-memory-path=/sys/fs/cgroup/memory.max",
        "--oom-watch-current-memory-path=/sys/fs/cgroup/memory.current",
        "--token-cache-max-size=10",
        "--token-cache-max-duration=30m",
        "--graceful-shutdown-timeout=1m",
        "--kube-api-qps=20",
        "--kube-api-burst=40",
        "--log-encoding=console",
        "--log-level=debug",
        "--enable-leader-election=true",
        "--leader-election-lease-duration=20s",
        "--leader-election-renew-deadline=15s",
        "--leader-election-retry-period=2s",
        "--leader-election-release-on-cancel=false",
        "--interval-jitter-percentage=10",
        "--events-addr=http://nc",
        "--metrics-addr=:9000",
        "--health-addr=:9001",
      ],
      { RUNTIME_NAMESPACE: "flux" },
    );
    expect(flags.controller).toMatchObject({
      noCrossNamespaceRefs: true,
      defaultServiceAccount: "tenant",
      artifactFetchRetries: 3,
      artifactFetchTimeoutMs: 60_000,
      overrideManagers: ["kubectl", "argocd"],
      insecureKubeConfigExec: true,
      insecureKubeConfigTls: false,
      watchLabelSelector: "sharding.fluxcd.io/key in (shard1)",
      watchConfigsLabelSelector: "team=a",
      gracefulShutdownTimeout: 60_000,
      rateLimit: { qps: 20, burst: 40 },
      intervalJitterPercentage: 10,
      eventsAddr: "http://nc",
      // The shard's own Lease, as fluxcd/pkg's leaderelection.GenerateID names it.
      leaderElection: {
        enabled: true,
        leaseName: leaseNameFor("helm-controller-leader-election", "sharding.fluxcd.io/key in (shard1)"),
        releaseOnCancel: false,
      },
    });
    expect(flags.controller.leaderElection?.leaseName).toMatch(/^helm-controller-leader-election-[0-9a-f]{8}$/);
    expect(flags.controller.featureGates?.get("DefaultToRetryOnFailure")).toBe(true);
    expect(flags.controller.featureGates?.get("ExternalArtifact")).toBe(true);
    expect(flags.logLevel).toBe("debug");
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
    [["--feature-gates=NoSuchGate=true"], /unrecognized feature gate: NoSuchGate/],
    [["--feature-gates=OOMWatch=maybe"], /--feature-gates/],
    [["--snapshot-digest-algo=md5"], /--snapshot-digest-algo/],
    [["--watch-label-selector=a in (b"], /--watch-label-selector/],
    [["--http-timeout=soon"], /--http-timeout/],
  ])("rejects %j naming the flag", (argv, message) => {
    expect(() => parseHelmControllerFlags(argv, {})).toThrow(InvalidFlagError);
    expect(() => parseHelmControllerFlags(argv, {})).toThrow(message);
  });
});
