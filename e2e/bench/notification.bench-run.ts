// notification-controller through `sluice up`'s own wiring (startUp: embedded API server, every controller
// in-process with sluice up's defaults):
// - events/s accepted (answered 202) and dispatched (received by a local generic-provider endpoint), for a
//   burst of distinct events POSTed with 32 in flight;
// - push → GitHub-signed webhook → objects applied, for a 10-object Kustomization, timed from the moment the
//   `git push` returns (the user's action), idle and while the event burst runs. No timing is asserted.

import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AVAILABLE_CONTROLLERS, startUp } from "@sluice/cli/up";
import { createLogger, type UnstructuredObject } from "@sluice/runtime";
import { createFixtureRepo, startGitHttpServer } from "@sluice/testkit";
import { describe, it } from "vitest";

const NS = "bench-notify";
const EVENTS = Number(process.env["BENCH_EVENTS"] ?? 3000);
const TOKEN = "bench-webhook-token";

const manifests = (value: number) =>
  Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [
      `deploy/cm-${i}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${NS}\ndata:\n  value: "${value}"\n`,
    ]),
  );

describe("notification-controller through sluice up", () => {
  it("prints events/s and push → webhook → applied latency", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nc-bench-"));
    const received = { n: 0, last: 0 };
    const sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        received.n++;
        received.last = performance.now();
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
    const session = await startUp({
      controllers: [...AVAILABLE_CONTROLLERS.keys()],
      logger: await createLogger({ level: "error" }),
    });
    const git = await startGitHttpServer({ root: join(dir, "git") });
    try {
      const nc = session.controllers.find((c) => c.name === "notification-controller");
      if (!nc?.addresses.events || !nc.addresses.receiver) throw new Error("notification-controller is not running");
      const eventsUrl = `${nc.addresses.events}/`;
      const c = session.client;
      await c.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
      await c.create({
        apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
        kind: "Provider",
        metadata: { namespace: NS, name: "sink" },
        spec: { type: "generic", address: sinkUrl },
      } as UnstructuredObject);
      await c.create({
        apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
        kind: "Alert",
        metadata: { namespace: NS, name: "all" },
        spec: { providerRef: { name: "sink" }, eventSources: [{ kind: "HelmRelease", name: "*" }] },
      } as UnstructuredObject);
      await new Promise((r) => setTimeout(r, 1000));

      const burst = async (count: number, tag: string) => {
        const before = received.n;
        const start = performance.now();
        let next = 0;
        const worker = async () => {
          while (next < count) {
            const i = next++;
            const res = await fetch(eventsUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                involvedObject: {
                  kind: "HelmRelease",
                  namespace: NS,
                  name: `app-${i % 50}`,
                  apiVersion: "helm.toolkit.fluxcd.io/v2",
                },
                severity: "info",
                timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
                message: `${tag} upgrade ${i}`,
                reason: "UpgradeSucceeded",
                reportingController: "helm-controller",
              }),
            });
            await res.body?.cancel();
          }
        };
        await Promise.all(Array.from({ length: 32 }, worker));
        const accepted = performance.now();
        const deadline = Date.now() + 120_000;
        while (received.n - before < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return {
          acceptedPerS: count / ((accepted - start) / 1000),
          dispatchedPerS: (received.n - before) / ((received.last - start) / 1000),
          delivered: received.n - before,
        };
      };

      const warm = await burst(200, "warm");
      const b = await burst(EVENTS, "run");
      const load = execFileSync("uptime").toString().trim();
      console.log(
        `[bench] notification events: ${EVENTS} distinct events, 32 in flight: accepted ${b.acceptedPerS.toFixed(0)} events/s, dispatched ${b.dispatchedPerS.toFixed(0)} events/s (${b.delivered}/${EVENTS} delivered; warm-up ${warm.acceptedPerS.toFixed(0)}/s) — load: ${load}`,
      );

      // push → webhook → applied
      const repo = await createFixtureRepo(join(dir, "git"), "app");
      await repo.commit(manifests(0), "v0");
      await repo.push();
      await c.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { namespace: NS, name: "hook" },
        stringData: { token: TOKEN },
      } as UnstructuredObject);
      await c.create({
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { namespace: NS, name: "app" },
        spec: { url: git.url("app.git"), interval: "1h", ref: { branch: "master" } },
      } as UnstructuredObject);
      await c.create({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { namespace: NS, name: "app" },
        spec: { interval: "1h", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "app" } },
      } as UnstructuredObject);
      await c.create({
        apiVersion: "notification.toolkit.fluxcd.io/v1",
        kind: "Receiver",
        metadata: { namespace: NS, name: "gh" },
        spec: {
          type: "github",
          events: ["push"],
          secretRef: { name: "hook" },
          resources: [{ kind: "GitRepository", name: "app" }],
        },
      } as UnstructuredObject);
      const applied = async (value: number) => {
        const list = await c.list<UnstructuredObject & { data?: Record<string, string> }>("v1", "ConfigMap", {
          namespace: NS,
        });
        return (
          list.items.filter((cm) => cm.metadata.name?.startsWith("cm-") && cm.data?.["value"] === String(value))
            .length === 10
        );
      };
      const until = async (check: () => Promise<boolean>, what: string) => {
        const deadline = Date.now() + 180_000;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await until(() => applied(0), "the first revision");
      let path = "";
      await until(async () => {
        const r = await c.get<UnstructuredObject & { status?: { webhookPath?: string } }>({
          apiVersion: "notification.toolkit.fluxcd.io/v1",
          kind: "Receiver",
          namespace: NS,
          name: "gh",
        });
        path = r.status?.webhookPath ?? "";
        return path !== "";
      }, "the receiver");
      const once = async (value: number, withLoad: boolean) => {
        const sha = await repo.commit(manifests(value), `v${value}`);
        const loadRun = withLoad ? burst(EVENTS, `load${value}`) : Promise.resolve(undefined);
        await repo.push();
        const t0 = performance.now();
        const body = JSON.stringify({ ref: "refs/heads/master", after: sha });
        const res = await fetch(`${nc.addresses.receiver}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "X-GitHub-Event": "push",
            "X-Hub-Signature-256": `sha256=${createHmac("sha256", TOKEN).update(body).digest("hex")}`,
          },
          body,
        });
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        await until(() => applied(value), `revision ${value}`);
        const ms = performance.now() - t0;
        await loadRun;
        return ms;
      };
      const idle: number[] = [];
      const loaded: number[] = [];
      for (let v = 1; v <= 3; v++) idle.push(await once(v, false));
      for (let v = 4; v <= 6; v++) loaded.push(await once(v, true));
      const fmt = (xs: number[]) => xs.map((x) => `${(x / 1000).toFixed(2)}s`).join(", ");
      console.log(
        `[bench] push → signed webhook → 10 objects applied (sluice up): idle ${fmt(idle)}; during a ${EVENTS}-event burst ${fmt(loaded)} — load: ${execFileSync("uptime").toString().trim()}`,
      );
    } finally {
      await git.stop();
      await session.stop();
      sink.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
