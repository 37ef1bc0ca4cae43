import { describe, expect, it } from "vitest";
import { InvalidFlagError, parseSourceControllerFlags } from "./flags.js";

describe("parseSourceControllerFlags", () => {
  it("applies Flux's defaults", () => {
    const flags = parseSourceControllerFlags([], {}, "/work");
    expect(flags.controller).toMatchObject({
      storagePath: "/work/bin",
      storageAddr: ":9090",
      concurrency: 2,
      metricsAddr: ":8080",
      healthAddr: ":9440",
      artifactRetentionTtlMs: 60_000,
      artifactRetentionRecords: 2,
      requeueDependencyMs: 30_000,
      helmCacheMaxSize: 0,
      helmCacheTtlMs: 900_000,
      helmCachePurgeIntervalMs: 60_000,
      retryDelay: { min: 750, max: 900_000 },
      rateLimit: { qps: 50, burst: 300 },
    });
    expect(flags.controller.storageAdvAddr).toBeUndefined();
    expect(flags.controller.eventsAddr).toBeUndefined();
    expect(flags.controller.leaderElection).toBeUndefined();
    expect(flags.controller.watchNamespace).toBeUndefined();
    expect(flags).toMatchObject({ logLevel: "info", logEncoding: "json", help: false });
  });

  it("reads Flux's flag names in both --flag value and --flag=value forms", () => {
    const flags = parseSourceControllerFlags(
      [
        "--concurrent=8",
        "--storage-path",
        "/data",
        "--storage-addr=0.0.0.0:9090",
        "--storage-adv-addr=source-controller.flux-system.svc.cluster.local.",
        "--events-addr=http://notification-controller.flux-system.svc.cluster.local./",
        "--artifact-retention-ttl=2m",
        "--artifact-retention-records=5",
        "--min-retry-delay=1s",
        "--max-retry-delay=5m",
        "--log-level=debug",
        "--log-encoding=console",
        "--enable-leader-election",
        "--watch-all-namespaces=false",
        "--watch-label-selector=sharding.fluxcd.io/key in (shard1, shard2)",
      ],
      { RUNTIME_NAMESPACE: "gitops" },
    );
    expect(flags.controller).toMatchObject({
      concurrency: 8,
      storagePath: "/data",
      storageAddr: "0.0.0.0:9090",
      storageAdvAddr: "source-controller.flux-system.svc.cluster.local.",
      eventsAddr: "http://notification-controller.flux-system.svc.cluster.local./",
      artifactRetentionTtlMs: 120_000,
      artifactRetentionRecords: 5,
      retryDelay: { min: 1000, max: 300_000 },
      watchNamespace: "gitops",
      watchLabelSelector: "sharding.fluxcd.io/key in (shard1, shard2)",
      leaderElection: {
        enabled: true,
        leaseName: "source-controller-leader-election",
        leaseNamespace: "gitops",
        leaseDuration: 35_000,
        renewDeadline: 30_000,
        retryPeriod: 5_000,
        releaseOnCancel: true,
      },
    });
    expect(flags).toMatchObject({ logLevel: "debug", logEncoding: "console" });
  });

  it("falls back to STORAGE_* environment variables", () => {
    const flags = parseSourceControllerFlags([], {
      STORAGE_PATH: "/env/data",
      STORAGE_ADDR: ":9999",
      STORAGE_ADV_ADDR: "example:80",
    });
    expect(flags.controller).toMatchObject({
      storagePath: "/env/data",
      storageAddr: ":9999",
      storageAdvAddr: "example:80",
    });
  });

  it.each([
    [["--concurrent=0"], /--concurrent/],
    [["--artifact-retention-ttl=soon"], /--artifact-retention-ttl/],
    [["--min-retry-delay=10m", "--max-retry-delay=1m"], /--max-retry-delay/],
    [["--log-level=loud"], /--log-level/],
    [["--interval-jitter-percentage=100"], /--interval-jitter-percentage/],
    [["--watch-label-selector=a in b"], /--watch-label-selector/],
  ])("refuses %j naming the flag", (argv, message) => {
    expect(() => parseSourceControllerFlags(argv, {})).toThrow(message);
  });

  it("refuses unknown flags", () => {
    expect(() => parseSourceControllerFlags(["--no-such-flag"], {})).toThrow(/no-such-flag/);
    expect(() => parseSourceControllerFlags(["--concurrent=x"], {})).toThrow(InvalidFlagError);
  });
});
