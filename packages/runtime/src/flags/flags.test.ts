import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { commonControllerFlags } from "./common-options.js";
import { defineControllerFlags, parseFlagTable } from "./controller-flags.js";
import { flagUsage, parseArgsOptions } from "./flag-table.js";
import { splitGoBooleanValues } from "./go-bool.js";
import { InvalidFlagError } from "./invalid-flag-error.js";
import { parseCommonControllerFlags, parseFlagValues } from "./parse-common.js";
import { type CommandFlags, runControllerCommand } from "./run-command.js";
import { flagDuration, flagInteger, flagPositiveNumber } from "./validators.js";

const TABLE = {
  ...commonControllerFlags(3, "objects reconciled at once"),
  extra: { type: "string", default: "x", help: "an extra flag" },
} as const;
const OPTIONS = parseArgsOptions(TABLE);

function parse(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return parseCommonControllerFlags(parseFlagTable(argv, TABLE), env, "test-leader-election");
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe("splitGoBooleanValues", () => {
  it("rewrites --bool=true and takes --bool=false out, leaving other flags alone", () => {
    const { args, falseFlags } = splitGoBooleanValues(
      ["--enable-leader-election=true", "--watch-all-namespaces=false", "--concurrent=true", "--nope=false"],
      OPTIONS,
    );
    expect(args).toEqual(["--enable-leader-election", "--concurrent=true", "--nope=false"]);
    expect(falseFlags).toEqual(["watch-all-namespaces"]);
  });
});

describe("validators", () => {
  it("convert good values and name the flag for bad ones", () => {
    expect(flagDuration("d", "1m30s")).toBe(90_000);
    expect(flagInteger("i", "0", 0)).toBe(0);
    expect(flagPositiveNumber("q", "2.5")).toBe(2.5);
    expect(() => flagDuration("d", "soon")).toThrow(
      new InvalidFlagError('invalid value "soon" for --d: expected a duration such as 30s or 5m'),
    );
    expect(() => flagInteger("i", "1.5", 1)).toThrow('invalid value "1.5" for --i: expected an integer >= 1');
    expect(() => flagPositiveNumber("q", "0")).toThrow('invalid value "0" for --q: expected a number > 0');
  });
});

describe("parseCommonControllerFlags", () => {
  it("gives Flux's defaults", () => {
    const flags = parse([]);
    expect(flags).toEqual({
      controller: {
        concurrency: 3,
        eventsAddr: undefined,
        metricsAddr: ":8080",
        healthAddr: ":9440",
        retryDelay: { min: 750, max: 15 * 60_000 },
        intervalJitterPercentage: 5,
        gracefulShutdownTimeout: 600_000,
        rateLimit: { qps: 50, burst: 300 },
        watchNamespace: undefined,
      },
      runtimeNamespace: "flux-system",
      kubeconfig: undefined,
      logLevel: "info",
      logEncoding: "json",
      help: false,
    });
  });

  it("reads leader election and namespace settings, with RUNTIME_NAMESPACE", () => {
    const flags = parse(
      ["--enable-leader-election", "--leader-election-release-on-cancel=false", "--watch-all-namespaces=false", "-h"],
      { RUNTIME_NAMESPACE: "ops" },
    );
    expect(flags.controller.watchNamespace).toBe("ops");
    expect(flags.help).toBe(true);
    expect(flags.controller.leaderElection).toEqual({
      enabled: true,
      leaseName: "test-leader-election",
      leaseNamespace: "ops",
      leaseDuration: 35_000,
      renewDeadline: 30_000,
      retryPeriod: 5_000,
      releaseOnCancel: false,
    });
  });

  it("refuses inconsistent retry delays, jitter out of range and unknown flags", () => {
    expect(() => parse(["--min-retry-delay=1m", "--max-retry-delay=30s"])).toThrow(
      "--max-retry-delay must not be shorter than --min-retry-delay",
    );
    expect(() => parse(["--interval-jitter-percentage=100"])).toThrow(
      "--interval-jitter-percentage must be in [0, 100)",
    );
    expect(() => parse(["--kube-api-burst", "0"])).toThrow(InvalidFlagError);
    expect(() => parse(["--bogus"])).toThrow(/Unknown option .--bogus/);
  });
});

describe("flagUsage", () => {
  it("prints one aligned line per flag with its default, wrapping a flag too long for the column", () => {
    expect(
      flagUsage({
        "storage-path": { type: "string", arg: "string", help: "artifact directory" },
        "artifact-retention-ttl": { type: "string", default: "60s", arg: "dur", help: "age of old artifacts" },
        "no-remote-bases": { type: "boolean", default: false, help: "refuse remote bases" },
        "watch-all-namespaces": { type: "boolean", default: true, help: "watch all namespaces" },
        "a-very-long-flag-name-for-the-column": { type: "string", default: "", arg: "string", help: "wrapped" },
        help: { type: "boolean", short: "h", help: "print this usage" },
      }),
    ).toBe(
      [
        "  --storage-path string                 artifact directory",
        "  --artifact-retention-ttl dur          age of old artifacts (default 60s)",
        "  --no-remote-bases                     refuse remote bases",
        "  --watch-all-namespaces                watch all namespaces (default true)",
        "  --a-very-long-flag-name-for-the-column string",
        "                                        wrapped",
        "  -h, --help                            print this usage",
      ].join("\n"),
    );
  });
});

describe("defineControllerFlags", () => {
  const commandLine = defineControllerFlags({
    name: "test-controller",
    leaseName: "test-controller-leader-election",
    concurrency: 2,
    concurrentHelp: "tests run at once",
    flags: {
      "storage-path": { type: "string", arg: "string", help: "where to store" },
      label: { type: "string", multiple: true, default: [] as string[], arg: "string", help: "repeatable" },
    },
    options: (values, { env, cwd }) => {
      if (values["storage-path"] === "bad") throw new InvalidFlagError("invalid value for --storage-path");
      return { storagePath: values["storage-path"] ?? env["STORAGE_PATH"] ?? `${cwd}/bin`, labels: values.label };
    },
  });

  it("parses the shared flags and the controller's own into one options object", () => {
    const flags = commandLine.parse(
      ["--concurrent=5", "--label", "a", "--label=b", "--watch-all-namespaces=false", "--log-level=debug"],
      { RUNTIME_NAMESPACE: "ops" },
      "/srv",
    );
    expect(flags.controller).toMatchObject({
      concurrency: 5,
      watchNamespace: "ops",
      storagePath: "/srv/bin",
      labels: ["a", "b"],
      retryDelay: { min: 750, max: 900_000 },
    });
    expect(flags).toMatchObject({ runtimeNamespace: "ops", logLevel: "debug", help: false, kubeconfig: undefined });
    expect(commandLine.parse([], { STORAGE_PATH: "/env" }).controller.storagePath).toBe("/env");
  });

  it("refuses bad values of shared and own flags naming the flag, and unknown flags", () => {
    expect(() => commandLine.parse(["--concurrent=0"], {})).toThrow(InvalidFlagError);
    expect(() => commandLine.parse(["--storage-path=bad"], {})).toThrow("--storage-path");
    expect(() => commandLine.parse(["--bogus"], {})).toThrow(/bogus/);
  });

  it("lets a controller's own flag replace a shared one of the same name", () => {
    const listening = defineControllerFlags({
      name: "listening-controller",
      leaseName: "l",
      concurrency: 1,
      concurrentHelp: "objects reconciled at once",
      flags: { "events-addr": { type: "string", default: ":9090", arg: "string", help: "where events are received" } },
      options: (values) => ({ eventsAddr: values["events-addr"] }),
    });
    expect(listening.parse([], {}).controller.eventsAddr).toBe(":9090");
    expect(listening.parse(["--events-addr=:1234"], {}).controller.eventsAddr).toBe(":1234");
    expect(listening.usage.match(/--events-addr/g)).toHaveLength(1);
    expect(listening.usage).toContain(
      "  --events-addr string                  where events are received (default :9090)",
    );
  });

  it("prints --concurrent, the controller's flags, then the shared ones", () => {
    const lines = commandLine.usage.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "Usage: test-controller [flags]",
      "",
      "  --concurrent int                      tests run at once (default 2)",
      "  --storage-path string                 where to store",
      "  --label string                        repeatable",
    ]);
    expect(lines[5]).toMatch(/^ {2}--events-addr string/);
    expect(lines.at(-2)).toBe("  -h, --help                            print this usage");
    expect(lines.at(-1)).toBe("");
  });
});

describe("runControllerCommand", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-flags-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1" } }]
users: [{ name: u, user: {} }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
  );

  interface Flags extends CommandFlags {
    fail: boolean;
  }
  function command(created: string[]) {
    return {
      name: "test-controller",
      usage: "Usage: test-controller\n",
      parse: (argv: readonly string[]): Flags => {
        const values = parseFlagValues(argv, { ...OPTIONS, fail: { type: "boolean", default: false } } as const);
        return { ...parse(argv.filter((a) => a !== "--fail")), fail: values.fail };
      },
      create: (flags: Flags, kubeConfig: { getCurrentCluster(): { server: string } | null }) => {
        if (flags.fail) throw new Error("cannot create");
        created.push(kubeConfig.getCurrentCluster()?.server ?? "");
        return {
          manager: { handleSignals: () => new AbortController().signal },
          start: (signal: AbortSignal) =>
            new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
        };
      },
    };
  }

  it("prints usage for --help (exit 0) and after a flag error (exit 2)", async () => {
    const out = collect();
    const err = collect();
    const opts = { stdout: out.stream, stderr: err.stream };
    expect(await runControllerCommand(command([]), ["--help"], opts)).toBe(0);
    expect(out.text()).toBe("Usage: test-controller\n");
    expect(await runControllerCommand(command([]), ["--concurrent=0"], opts)).toBe(2);
    expect(err.text()).toBe('invalid value "0" for --concurrent: expected an integer >= 1\n\nUsage: test-controller\n');
  });

  it("runs the created controller until the signal aborts (exit 0) and reports a failure (exit 1)", async () => {
    const created: string[] = [];
    const logs = collect();
    const stop = new AbortController();
    const exit = runControllerCommand(command(created), [`--kubeconfig=${kubeconfig}`], {
      signal: stop.signal,
      logDestination: logs.stream,
      onStart: () => stop.abort(),
    });
    expect(await exit).toBe(0);
    expect(created).toEqual(["http://127.0.0.1:1"]);
    const failed = collect();
    expect(
      await runControllerCommand(command(created), [`--kubeconfig=${kubeconfig}`, "--fail"], {
        logDestination: failed.stream,
      }),
    ).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.text()).toContain('"controller":"test-controller"');
    expect(logs.text()).toContain("test-controller stopped");
    expect(failed.text()).toContain("test-controller failed");
  });
});
