import { afterEach, describe, expect, it } from "vitest";
import { MetricsRecorder } from "../metrics/metrics-recorder.js";
import { InvalidAddressError, parseListenAddress } from "./listen-address.js";
import { ProbeServer } from "./probe-server.js";

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function get(srv: ProbeServer, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const route = path.startsWith("/metrics") ? "/metrics" : path.startsWith("/healthz") ? "/healthz" : "/readyz";
  const address = srv.addressOf(route);
  if (!address) throw new Error(`${route} not served`);
  const res = await fetch(`http://127.0.0.1:${address.port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
}

describe("ProbeServer", () => {
  it("serves /metrics on the metrics address and probes on the health address", async () => {
    const metrics = new MetricsRecorder({ processMetrics: false });
    metrics.recordDuration({ kind: "GitRepository", namespace: "ns", name: "r" }, 0.5);
    server = new ProbeServer({ metricsAddr: "127.0.0.1:0", healthAddr: "127.0.0.1:0", metrics });
    await server.start();
    expect(server.addressOf("/metrics")?.port).not.toBe(server.addressOf("/healthz")?.port);
    const m = await get(server, "/metrics");
    expect(m.status).toBe(200);
    expect(m.type).toContain("text/plain");
    expect(m.body).toContain('gotk_reconcile_duration_seconds_count{kind="GitRepository",name="r",namespace="ns"} 1');
    const h = await get(server, "/healthz");
    expect(h).toMatchObject({ status: 200, body: "ok" });
    // /metrics is not on the health port.
    const port = server.addressOf("/healthz")?.port;
    const wrong = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(wrong.status).toBe(404);
  });

  it("reports not ready until the readiness check passes, naming the failure", async () => {
    let synced = false;
    server = new ProbeServer({ healthAddr: "127.0.0.1:0" });
    server.addReadyzCheck("informers", () => {
      if (!synced) throw new Error("caches not synced: GitRepository");
    });
    server.addReadyzCheck("leader", async () => {});
    await server.start();
    const notReady = await get(server, "/readyz");
    expect(notReady.status).toBe(500);
    expect(notReady.body).toContain("[-]informers failed: caches not synced: GitRepository");
    expect(notReady.body).not.toContain("[+]leader");
    synced = true;
    expect(await get(server, "/readyz")).toMatchObject({ status: 200, body: "ok" });
    const verbose = await get(server, "/readyz?verbose");
    expect(verbose.body).toContain("[+]informers ok\n[+]leader ok");
    expect((await get(server, "/readyz/leader")).status).toBe(200);
    expect((await get(server, "/readyz/nope")).status).toBe(404);
  });

  it("fails /healthz when a liveness check throws", async () => {
    server = new ProbeServer({ healthAddr: "127.0.0.1:0" });
    server.addHealthzCheck("watch", () => {
      throw new Error("watch stalled");
    });
    await server.start();
    const res = await get(server, "/healthz");
    expect(res.status).toBe(500);
    expect(res.body).toContain("[-]watch failed: watch stalled");
  });

  it("serves everything from one server when both addresses are the same", async () => {
    const probe = new ProbeServer({ healthAddr: "127.0.0.1:0" });
    await probe.start();
    const port = probe.addressOf("/healthz")?.port ?? 0;
    await probe.stop();
    server = new ProbeServer({
      metricsAddr: `127.0.0.1:${port}`,
      healthAddr: `127.0.0.1:${port}`,
      metrics: new MetricsRecorder({ processMetrics: false }),
    });
    await server.start();
    expect(server.addressOf("/metrics")?.port).toBe(port);
    expect(server.addressOf("/readyz")?.port).toBe(port);
    expect((await get(server, "/metrics")).status).toBe(200);
    expect((await get(server, "/readyz")).status).toBe(200);
  });
});

describe("parseListenAddress", () => {
  it.each([
    { value: ":8080", want: { host: undefined, port: 8080 } },
    { value: "0.0.0.0:9440", want: { host: "0.0.0.0", port: 9440 } },
    { value: "127.0.0.1:0", want: { host: "127.0.0.1", port: 0 } },
    { value: "[::1]:9090", want: { host: "::1", port: 9090 } },
  ])("parses $value", ({ value, want }) => {
    expect(parseListenAddress(value)).toEqual(want);
  });
  it.each(["8080", "host:", "host:99999", ":x"])("rejects %s", (value) => {
    expect(() => parseListenAddress(value)).toThrow(InvalidAddressError);
  });
});
