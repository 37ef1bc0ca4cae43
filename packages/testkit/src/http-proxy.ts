// A forward HTTP proxy for tests: absolute-form requests for plain HTTP and `CONNECT` tunnels for HTTPS, with
// optional `Proxy-Authorization: Basic` credentials (407 otherwise), recording what went through it.

import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";

/** A request the proxy handled. */
export interface ProxiedRequest {
  /** `CONNECT` or the forwarded method. */
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  /** The status the proxy answered (200 for an established tunnel). */
  status: number;
}

/** A running proxy. */
export interface HttpProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/**
 * Starts the proxy on 127.0.0.1 and a free port; with `auth`, requests without those credentials get 407.
 * `route` may send a CONNECT tunnel elsewhere (an internet host's stand-in on a local port).
 */
export async function startHttpProxy(
  options: {
    auth?: { username: string; password: string };
    route?: (host: string, port: number) => { host: string; port: number } | undefined;
  } = {},
): Promise<HttpProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
    : undefined;
  const allowed = (header: string | undefined) => expected === undefined || header === expected;
  const server = createServer((req, res) => {
    const target = req.url ?? "";
    if (!allowed(req.headers["proxy-authorization"])) {
      requests.push({ method: req.method ?? "", target, status: 407 });
      res.writeHead(407, { "Proxy-Authenticate": 'Basic realm="proxy"' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      requests.push({ method: req.method ?? "", target, status: 400 });
      res.writeHead(400).end("absolute URL required\n");
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const upstream = httpRequest(url, { method: req.method, headers }, (up) => {
      requests.push({ method: req.method ?? "", target, status: up.statusCode ?? 0 });
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => {
      requests.push({ method: req.method ?? "", target, status: 502 });
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (!allowed(req.headers["proxy-authorization"])) {
      requests.push({ method: "CONNECT", target, status: 407 });
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n');
      return;
    }
    const asked = {
      host: target.slice(0, target.lastIndexOf(":")).replace(/^\[|\]$/g, ""),
      port: Number(target.slice(target.lastIndexOf(":") + 1)),
    };
    const { host, port } = options.route?.(asked.host, asked.port) ?? asked;
    const upstream = connect(port, host, () => {
      requests.push({ method: "CONNECT", target, status: 200 });
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => {
      requests.push({ method: "CONNECT", target, status: 502 });
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
