import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A TCP relay in front of a server: counts client connections and can make pooled ones go stale. */
export interface TcpRelay {
  /** `http://127.0.0.1:<port>` of the relay. */
  url: string;
  /** Client connections accepted so far. */
  readonly connections: number;
  /**
   * Makes every open client connection stale: its next request is met by a closed socket, as when a server
   * closes an idle keep-alive connection just as the client reuses it.
   */
  staleOpenConnections(): void;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 forwarding to `target` (host:port of an http URL). */
export async function startTcpRelay(target: URL): Promise<TcpRelay> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const inbound = new Set<Socket>();
  const stale = new WeakSet<Socket>();
  const server: Server = createServer((client) => {
    connections++;
    inbound.add(client);
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
    client.on("close", () => inbound.delete(client));
    client.on("data", (chunk: Buffer) => {
      if (stale.has(client)) {
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    staleOpenConnections() {
      for (const s of inbound) stale.add(s);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
