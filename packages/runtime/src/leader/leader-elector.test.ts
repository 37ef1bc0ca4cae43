import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces } from "../../test/support/test-crd.js";
import type { KubeClient } from "../kube/kube-client.js";
import { LeaderElector } from "./leader-elector.js";
import { LEASE_API_VERSION, type Lease, type LeaseSpec } from "./lease.js";

let cluster: EmbeddedTestCluster;
let client: KubeClient;
let n = 0;

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  client = cluster.client;
  await ensureNamespaces(client, "flux-system");
});
afterAll(async () => {
  await cluster?.stop();
});

const timing = { leaseDuration: 400, renewDeadline: 250, retryPeriod: 50 };

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  await untilAsync(async () => check(), what, ms);
}

async function untilAsync(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function candidate(leaseName: string, identity: string, releaseOnCancel = true, through: KubeClient = client) {
  const elector = new LeaderElector({
    client: through,
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

async function lease(name: string): Promise<LeaseSpec | undefined> {
  const read = await client.getOptional<Lease>({
    apiVersion: LEASE_API_VERSION,
    kind: "Lease",
    namespace: "flux-system",
    name,
  });
  return read?.spec;
}

describe("LeaderElector", () => {
  it("creates the lease, leads and keeps renewing it", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a");
    await until(() => a.state.leading, "leadership");
    expect(a.elector.isLeader()).toBe(true);
    expect(await lease(name)).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 1, leaseTransitions: 0 });
    const firstRenew = (await lease(name))?.renewTime;
    expect(firstRenew).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await untilAsync(async () => (await lease(name))?.renewTime !== firstRenew, "a renewal");
    a.abort.abort();
    await a.done;
    expect(a.state).toMatchObject({ leading: false, started: 1, stopped: 1 });
    expect(a.state.leaderSignal?.aborted).toBe(true);
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
    expect(await lease(name)).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    b.abort.abort();
    await b.done;
  });

  it("takes over a lease whose holder stopped renewing, after the lease duration", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a", false);
    await until(() => a.state.leading, "a leads");
    a.abort.abort();
    await a.done;
    expect((await lease(name))?.holderIdentity).toBe("a");
    const t0 = Date.now();
    const b = candidate(name, "b");
    await until(() => b.state.leading, "b takes over");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000 - 50);
    expect(await lease(name)).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    b.abort.abort();
    await b.done;
  });

  it("gives up leadership when it cannot renew within the renew deadline", async () => {
    // Its own API server, which goes away while the candidate leads.
    const lonely = await startEmbeddedCluster();
    try {
      await ensureNamespaces(lonely.client, "flux-system");
      const a = candidate(`lease-${++n}`, "a", true, lonely.client);
      await until(() => a.state.leading, "a leads");
      const t0 = Date.now();
      await lonely.pause();
      await a.done;
      expect(a.state).toMatchObject({ leading: false, stopped: 1 });
      expect(a.state.leaderSignal?.aborted).toBe(true);
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(timing.renewDeadline - timing.retryPeriod);
      expect(elapsed).toBeLessThan(timing.leaseDuration + 200);
    } finally {
      await lonely.stop();
    }
  });

  it("loses leadership to a candidate that took the lease over, and does not take it back", async () => {
    const name = `lease-${++n}`;
    const a = candidate(name, "a");
    await until(() => a.state.leading, "a leads");
    // Another party (e.g. an operator with kubectl) hands the lease to "intruder" and keeps renewing it.
    const ref = { apiVersion: LEASE_API_VERSION, kind: "Lease", namespace: "flux-system", name };
    const seize = () =>
      client.patch(
        ref,
        { spec: { holderIdentity: "intruder", renewTime: new Date().toISOString().replace("Z", "000Z") } },
        { type: "application/merge-patch+json" },
      );
    await seize();
    const renewing = setInterval(() => void seize().catch(() => undefined), 50);
    try {
      await a.done;
      expect(a.state).toMatchObject({ leading: false, started: 1, stopped: 1 });
      expect(a.state.leaders).toEqual(["a", "intruder"]);
      expect((await lease(name))?.holderIdentity).toBe("intruder");
    } finally {
      clearInterval(renewing);
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
