import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeApiServer, sendStatus } from "../../test/support/fake-api-server.js";
import { KubeClient } from "../kube/kube-client.js";
import { LeaderElector } from "./leader-elector.js";
import { LEASE_API_VERSION, type LeaseSpec } from "./lease.js";

let server: FakeApiServer;
let client: KubeClient;
let n = 0;

beforeAll(async () => {
  server = await FakeApiServer.start([
    { apiVersion: LEASE_API_VERSION, kind: "Lease", plural: "leases", namespaced: true },
  ]);
  client = KubeClient.fromKubeConfig(server.kubeConfig, { rateLimit: false });
});
afterAll(async () => {
  await server.stop();
});

const timing = { leaseDuration: 400, renewDeadline: 250, retryPeriod: 50 };

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function candidate(leaseName: string, identity: string, releaseOnCancel = true) {
  const elector = new LeaderElector({
    client,
    leaseName,
    leaseNamespace: "flux-system",
    identity,
    releaseOnCancel,
    ...timing,
  });
  const state = {
    leading: false,
    started: 0,
    stopped: 0,
    leaderSignal: undefined as AbortSignal | undefined,
    leaders: [] as string[],
  };
  const abort = new AbortController();
  const done = elector.run(abort.signal, {
    onStartedLeading: (signal) => {
      state.leading = true;
      state.started++;
      state.leaderSignal = signal;
    },
    onStoppedLeading: () => {
      state.leading = false;
      state.stopped++;
    },
    onNewLeader: (id) => state.leaders.push(id),
  });
  return { elector, state, abort, done };
}

function lease(name: string): LeaseSpec | undefined {
  return server.get(LEASE_API_VERSION, "Lease", "flux-system", name)?.["spec"] as LeaseSpec | undefined;
}

describe("LeaderElector", () => {
  it("creates the lease, leads and keeps renewing it", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a");
    await until(() => a.state.leading, "leadership");
    expect(a.elector.isLeader()).toBe(true);
    expect(lease(name)).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 1, leaseTransitions: 0 });
    const firstRenew = lease(name)?.renewTime;
    expect(firstRenew).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await until(() => lease(name)?.renewTime !== firstRenew, "a renewal");
    a.abort.abort();
    await a.done;
    expect(a.state).toMatchObject({ leading: false, started: 1, stopped: 1 });
    expect(a.state.leaderSignal?.aborted).toBe(true);
    expect(lease(name)?.holderIdentity).toBeNull();
  });

  it("lets only one of two candidates lead, and hands over at once when the leader releases", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a");
    await until(() => a.state.leading, "a leads");
    const b = candidate(name, "b");
    await new Promise((r) => setTimeout(r, 200));
    expect(b.state.leading).toBe(false);
    expect(b.state.leaders).toEqual(["a"]);
    const t0 = Date.now();
    a.abort.abort();
    await a.done;
    await until(() => b.state.leading, "b takes over");
    // Released leases are free at once: no need to wait the 400 ms lease duration.
    expect(Date.now() - t0).toBeLessThan(400);
    expect(lease(name)).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    b.abort.abort();
    await b.done;
  });

  it("takes over a lease whose holder stopped renewing, after the lease duration", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a", false);
    await until(() => a.state.leading, "a leads");
    a.abort.abort();
    await a.done;
    expect(lease(name)?.holderIdentity).toBe("a");
    const t0 = Date.now();
    const b = candidate(name, "b");
    await until(() => b.state.leading, "b takes over");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000 - 50);
    expect(lease(name)).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    b.abort.abort();
    await b.done;
  });

  it("gives up leadership when it cannot renew within the renew deadline", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a");
    await until(() => a.state.leading, "a leads");
    server.intercept = (req, res) => {
      if (!req.path.endsWith(`/leases/${name}`)) return false;
      sendStatus(res, 503, "ServiceUnavailable", "etcd unavailable");
      return true;
    };
    try {
      const t0 = Date.now();
      await a.done;
      expect(a.state).toMatchObject({ leading: false, stopped: 1 });
      expect(a.state.leaderSignal?.aborted).toBe(true);
      expect(Date.now() - t0).toBeLessThan(timing.leaseDuration + 200);
    } finally {
      server.intercept = undefined;
    }
  });

  it("rejects timings that cannot work", () => {
    expect(
      () =>
        new LeaderElector({
          client,
          leaseName: "x",
          leaseNamespace: "y",
          leaseDuration: 10,
          renewDeadline: 20,
          retryPeriod: 1,
        }),
    ).toThrow(RangeError);
  });
});
