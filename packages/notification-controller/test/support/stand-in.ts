// A local HTTP server standing in for an internet service (Slack, GitHub, …): it records every request
// (method, path with query, headers, body) and answers with what the test scripted, by default 200 `{}`.
// A response can hang (never answered) to prove that a slow provider delays no other.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** One recorded request. */
export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  at: number;
}

/** What to answer: a status and body, or `hang` to never answer. */
export type Scripted = { status: number; body?: string } | "hang";

/** A running stand-in. */
export interface StandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  calls: RecordedCall[];
  /** Sets the answer for requests whose `METHOD path` (path without query) matches (default for all). */
  respond(answer: Scripted | ((call: RecordedCall) => Scripted), match?: string): void;
  /** Resolves when `n` calls have arrived (rejects after `timeoutMs`). */
  waitForCalls(n: number, timeoutMs?: number): Promise<RecordedCall[]>;
  stop(): Promise<void>;
}

/** Starts a stand-in on 127.0.0.1 and a free port (HTTPS with `tls`). */
export async function startStandIn(tls?: { key: string; cert: string }): Promise<StandIn> {
  const calls: RecordedCall[] = [];
  const rules: Array<{ match: string | undefined; answer: Scripted | ((call: RecordedCall) => Scripted) }> = [];
  const waiters: Array<() => void> = [];
  const hanging: ServerResponse[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const call: RecordedCall = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        json,
        at: Date.now(),
      };
      calls.push(call);
      for (const w of waiters.splice(0)) w();
      const key = `${call.method} ${call.path.split("?")[0]}`;
      const rule = [...rules].reverse().find((r) => r.match === undefined || r.match === key);
      const answer = rule
        ? typeof rule.answer === "function"
          ? rule.answer(call)
          : rule.answer
        : { status: 200, body: "{}" };
      if (answer === "hang") {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body ?? "{}");
    });
  };
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    calls,
    respond(answer, match) {
      rules.push({ match, answer });
    },
    async waitForCalls(n, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (calls.length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} calls (got ${calls.length})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 250);
        });
      }
      return calls.slice(0, n);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
