// The object page's log stream against the embedded API server and `sluice up`-style log files: the recent
// lines about the object only, then a line appended to a controller's file arrives live. No controller Pod
// runs in flux-system, so the UI reads the files (the pods/log path runs in e2e/ui through `sluice up`, whose
// controllers are Pods whose log the API server serves).

import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KUSTOMIZE_API_VERSION } from "@sluice/api";
import { type ApiCluster, applyChartCrds, ensureNamespace, eventually, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUiServer, type UiServer } from "../src/index.js";
import type { LogLine, LogMessage } from "../src/shared/api.js";

let cluster: ApiCluster;
let ui: UiServer;
let dir: string;

function line(level: string, kind: string, name: string, msg: string, ts: string): string {
  return `${JSON.stringify({ level, ts, msg, controller: kind.toLowerCase(), controllerKind: kind, name, namespace: "apps" })}\n`;
}

/** Reads the SSE stream into `messages` until aborted. */
async function follow(path: string, messages: LogMessage[], signal: AbortSignal): Promise<void> {
  const res = await fetch(`${ui.url}${path}`, { signal });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.getReader();
  let buffer = "";
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        let i = buffer.indexOf("\n\n");
        while (i >= 0) {
          const data = buffer
            .slice(0, i)
            .split("\n")
            .find((l) => l.startsWith("data: "));
          if (data) messages.push(JSON.parse(data.slice(6)) as LogMessage);
          buffer = buffer.slice(i + 2);
          i = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
}

const linesOf = (messages: LogMessage[]): LogLine[] => messages.flatMap((m) => (m.type === "lines" ? m.lines : []));

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client);
  await ensureNamespace(cluster.client, "apps");
  await ensureNamespace(cluster.client, "flux-system");
  await cluster.client.create({
    apiVersion: KUSTOMIZE_API_VERSION,
    kind: "Kustomization",
    metadata: { name: "web", namespace: "apps" },
    spec: { interval: "5m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
  });
  dir = await mkdtemp(join(tmpdir(), "sluice-ui-logs-"));
  await writeFile(
    join(dir, "kustomize-controller.log"),
    line("info", "Kustomization", "web", "server-side apply completed", "2026-12-07T10:00:01Z") +
      line("info", "Kustomization", "other", "not about web", "2026-12-07T10:00:02Z") +
      "not json: a panic's text\n" +
      line("error", "Kustomization", "web", "Reconciler error", "2026-12-07T10:00:03Z"),
  );
  await writeFile(
    join(dir, "source-controller.log"),
    line("info", "GitRepository", "web", "same name, other kind", "2026-12-07T10:00:00Z"),
  );
  ui = await startUiServer({ kubeConfig: cluster.kubeConfig, port: 0, logs: { namespace: "flux-system", dir } });
  await ui.waitForSync();
});

afterAll(async () => {
  await ui?.stop();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("controller logs of an object", () => {
  it("sends the object's recent lines, then new ones live", async () => {
    const abort = new AbortController();
    const messages: LogMessage[] = [];
    await follow("/api/logs/Kustomization/apps/web", messages, abort.signal);
    await eventually("the source message", () => messages.find((m) => m.type === "source"));
    expect(messages.find((m) => m.type === "source")).toEqual({ type: "source", source: "files" });
    expect(linesOf(messages).map((l) => [l.level, l.msg, l.controller])).toEqual([
      ["info", "server-side apply completed", "kustomize-controller"],
      ["error", "Reconciler error", "kustomize-controller"],
    ]);
    await appendFile(
      join(dir, "kustomize-controller.log"),
      line("info", "Kustomization", "other", "still not about web", "2026-12-07T10:00:04Z") +
        line("info", "Kustomization", "web", "a new line", "2026-12-07T10:00:05Z"),
    );
    await eventually("the appended line", () => linesOf(messages).find((l) => l.msg === "a new line"));
    expect(linesOf(messages).some((l) => l.msg.includes("not about web"))).toBe(false);
    abort.abort();
  });

  it("says why when neither controller Pods nor log files are there", async () => {
    const bare = await startUiServer({ kubeConfig: cluster.kubeConfig, port: 0, logs: { namespace: "flux-system" } });
    try {
      await bare.waitForSync();
      const res = await fetch(`${bare.url}/api/logs/Kustomization/apps/web`);
      const text = await res.text();
      const m = JSON.parse(/data: (.*)/.exec(text)?.[1] ?? "{}") as LogMessage;
      expect(m).toEqual({
        type: "error",
        message:
          "no running controller Pod in namespace flux-system (label app.kubernetes.io/part-of in (flux,sluice))",
      });
    } finally {
      await bare.stop();
    }
  });

  it("answers 404 for an object the UI does not know", async () => {
    expect((await fetch(`${ui.url}/api/logs/Kustomization/apps/missing`)).status).toBe(404);
  });
});
