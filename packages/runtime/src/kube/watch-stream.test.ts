import { type ApiServer, startApiServer } from "@sluice/apiserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "./api-error.js";
import { KubeClient } from "./kube-client.js";
import { KubeConfig } from "./kube-config.js";
import { type WatchEvent, watchStream } from "./watch-stream.js";

describe("watchStream", () => {
  let server: ApiServer;

  beforeAll(async () => {
    server = await startApiServer({ simulateWorkloads: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  function clientWithToken(token: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: "c", server: server.url, caData: Buffer.from(server.caCert ?? "").toString("base64") }],
      users: [{ name: "u", token }],
      contexts: [{ name: "ctx", cluster: "c", user: "u" }],
      currentContext: "ctx",
    });
    return KubeClient.fromKubeConfig(config, { rateLimit: false });
  }

  it("delivers events in order until aborted, then resolves", async () => {
    const client = clientWithToken(server.token);
    const list = await client.list("v1", "ConfigMap", { namespace: "default" });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = watchStream(
      client.http,
      "/api/v1/namespaces/default/configmaps",
      { resourceVersion: list.resourceVersion },
      (event) => {
        events.push(event);
        if (events.length === 2) abort.abort();
      },
      abort.signal,
    );
    await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w1", namespace: "default" } });
    await client.delete({ apiVersion: "v1", kind: "ConfigMap", name: "w1", namespace: "default" });
    await watching;
    expect(events.map((e) => [e.type, (e.object["metadata"] as { name: string }).name])).toEqual([
      ["ADDED", "w1"],
      ["DELETED", "w1"],
    ]);
    client.close();
  });

  it("rejects with the server's status for a refused watch, and with what the handler throws", async () => {
    const refused = clientWithToken("wrong-token");
    const err = await watchStream(refused.http, "/api/v1/configmaps", {}, () => {}, new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    refused.close();

    const client = clientWithToken(server.token);
    await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w2", namespace: "default" } });
    const thrown = await watchStream(
      client.http,
      "/api/v1/namespaces/default/configmaps",
      {},
      () => {
        throw new Error("handler says stop");
      },
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect((thrown as Error).message).toBe("handler says stop");
    client.close();
  });
});
