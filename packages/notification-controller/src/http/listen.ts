// Binding a node:http server to a Flux-style listen address (`:9090`, `127.0.0.1:0`).

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseListenAddress } from "@sluice/runtime/http";

/** Starts `server` on `addr`; resolves with the bound address. */
export async function listen(server: Server, addr: string): Promise<AddressInfo> {
  const { host, port } = parseListenAddress(addr);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Stops accepting connections and waits up to `graceMs` for open requests, then closes the rest. */
export async function close(server: Server, graceMs = 5_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}

/** `http://host:port` of a bound address (IPv6 in brackets, the any-address as 127.0.0.1). */
export function httpUrl(address: AddressInfo): string {
  const host = address.address === "::" || address.address === "0.0.0.0" ? "127.0.0.1" : address.address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}
