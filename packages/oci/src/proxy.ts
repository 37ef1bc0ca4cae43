// Reaching a registry through an HTTP proxy (`proxySecretRef`), as Go's http.Transport does: plain-HTTP
// requests go to the proxy in absolute form, HTTPS requests through a `CONNECT host:port` tunnel with TLS
// on top; `Proxy-Authorization: Basic` when the proxy has credentials.

import { request as httpRequest, type RequestOptions } from "node:http";
import type { Socket } from "node:net";
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from "node:tls";
import { OciTransportError } from "./errors.js";

/** An HTTP proxy (`proxySecretRef`: `address`, optional `username`/`password`). */
export interface ProxyOptions {
  /** `http://host:port` of the proxy. */
  url: URL;
  username?: string | undefined;
  password?: string | undefined;
}

/** The `Proxy-Authorization` header value of `proxy`, if it has credentials. */
export function proxyAuthorization(proxy: ProxyOptions): string | undefined {
  if (proxy.username === undefined && proxy.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username ?? ""}:${proxy.password ?? ""}`).toString("base64")}`;
}

/** Request options sending an `http:` request for `target` to the proxy in absolute form. */
export function viaProxyAbsolute(target: URL, proxy: ProxyOptions, options: RequestOptions): RequestOptions {
  const auth = proxyAuthorization(proxy);
  return {
    ...options,
    host: proxy.url.hostname.replace(/^\[|\]$/g, ""),
    port: proxy.url.port || 80,
    path: target.toString(),
    headers: {
      ...(options.headers as Record<string, string>),
      Host: target.host,
      ...(auth ? { "Proxy-Authorization": auth } : {}),
    },
  };
}

/**
 * A `createConnection` for `https.request`: opens a CONNECT tunnel to `target` through `proxy` and starts
 * TLS on it with `tls` (servername = the target host). A refused CONNECT fails the request with
 * {@link OciTransportError} `proxy <proxy> refused CONNECT <host:port>: <status>`.
 */
export function tunnelThroughProxy(
  target: URL,
  proxy: ProxyOptions,
  tls: ConnectionOptions,
  signal: AbortSignal | undefined,
): (opts: unknown, callback: (err: Error | null, socket?: TLSSocket) => void) => undefined {
  return (_opts, callback) => {
    const hostPort = `${target.hostname}:${target.port || 443}`;
    const auth = proxyAuthorization(proxy);
    const connect = httpRequest({
      host: proxy.url.hostname.replace(/^\[|\]$/g, ""),
      port: proxy.url.port || 80,
      method: "CONNECT",
      path: hostPort,
      headers: { Host: hostPort, ...(auth ? { "Proxy-Authorization": auth } : {}) },
      ...(signal ? { signal } : {}),
    });
    connect.once("connect", (res, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(
          new OciTransportError(
            `proxy ${proxy.url.host} refused CONNECT ${hostPort}: ${res.statusCode} ${res.statusMessage ?? ""}`.trim(),
          ),
        );
        return;
      }
      const secure = tlsConnect({ ...tls, socket, servername: target.hostname.replace(/^\[|\]$/g, "") });
      let done = false;
      secure.once("secureConnect", () => {
        done = true;
        callback(null, secure);
      });
      secure.once("error", (err) => {
        if (!done) callback(err);
      });
    });
    connect.once("error", (err) => callback(err));
    connect.end();
    return undefined;
  };
}
