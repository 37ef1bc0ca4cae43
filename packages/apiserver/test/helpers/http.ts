import { request } from "node:https";
import type { ApiServer } from "../../src/index.js";

/** A raw HTTP response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** Sends one request to the server over HTTPS, trusting its generated CA. */
export function apiRequest(
  server: ApiServer,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string | string[]>; token?: string | null } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    // A list value goes out as one header line per value.
    const headers: Record<string, string | string[]> = { Accept: "application/json", ...opts.headers };
    if (opts.token !== null) headers["Authorization"] = `Bearer ${opts.token ?? server.token}`;
    if (opts.body !== undefined && headers["Content-Type"] === undefined) headers["Content-Type"] = "application/json";
    const req = request(url, { method, headers, ca: server.caCert }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: <T>() => JSON.parse(body) as T,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Opens a watch and collects its events until stopped. */
export function openWatch(server: ApiServer, path: string, headers: Record<string, string> = {}) {
  const events: { type: string; object: Record<string, unknown> }[] = [];
  /** The event lines as sent. */
  const lines: string[] = [];
  let status = 0;
  let ended = false;
  let buffer = "";
  const url = new URL(path, server.url);
  const req = request(
    url,
    {
      method: "GET",
      headers: { Accept: "application/json", Authorization: `Bearer ${server.token}`, ...headers },
      ca: server.caCert,
    },
    (res) => {
      status = res.statusCode ?? 0;
      res.on("data", (c: Buffer) => {
        buffer += c.toString("utf8");
        let i = buffer.indexOf("\n");
        while (i >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.trim() !== "") {
            lines.push(line);
            events.push(JSON.parse(line));
          }
          i = buffer.indexOf("\n");
        }
      });
      res.on("end", () => {
        ended = true;
      });
    },
  );
  req.on("error", () => {
    ended = true;
  });
  req.end();
  return {
    events,
    lines,
    status: () => status,
    ended: () => ended,
    async waitFor(
      pred: (e: { type: string; object: Record<string, unknown> }[]) => boolean,
      timeoutMs = 5000,
    ): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (Date.now() > deadline)
          throw new Error(`watch condition not met; events: ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => req.destroy(),
  };
}
