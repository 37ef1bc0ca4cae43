import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postJson } from "./post-json.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

describe("postJson", () => {
  it("POSTs the body as JSON and resolves with the status", async () => {
    const seen: Array<{ method: string | undefined; type: string | undefined; body: string }> = [];
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ method: req.method, type: req.headers["content-type"], body });
        res.writeHead(202).end();
      });
    });
    expect(await postJson(url, '{"a":1}', 2000)).toBe(202);
    expect(seen).toEqual([{ method: "POST", type: "application/json", body: '{"a":1}' }]);
  });

  it("sends again on a new connection when a kept-alive one was closed before answering", async () => {
    const sockets = new Set<unknown>();
    let requests = 0;
    const url = await serve((req, res) => {
      requests++;
      req.resume();
      // The second request on the first connection: closed without an answer, as an idle timeout would.
      if (sockets.has(req.socket) && requests === 2) {
        req.socket.destroy();
        return;
      }
      sockets.add(req.socket);
      req.on("end", () => res.writeHead(202).end());
    });
    expect(await postJson(url, "{}", 2000)).toBe(202);
    expect(await postJson(url, "{}", 2000)).toBe(202);
    expect(requests).toBe(3);
  });

  it("rejects with a timeout when no answer comes in time", async () => {
    const url = await serve((req) => req.resume());
    await expect(postJson(url, "{}", 100)).rejects.toThrow("timed out after 100 ms");
  });

  it("rejects when nothing listens", async () => {
    const url = await serve(() => undefined);
    server?.close();
    await expect(postJson(url, "{}", 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
