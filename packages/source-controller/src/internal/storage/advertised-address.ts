// The host (and port) artifact URLs advertise, and the URLs themselves.

import { hostname as osHostname } from "node:os";
import { StorageError } from "./errors.js";

/** A `host:port` listen address split into its parts (`:9090` → host "", port 9090). */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses a Go-style listen address (`:9090`, `0.0.0.0:9090`, `[::1]:9090`, `localhost:0`), as given to
 * `--storage-addr`. Throws {@link StorageError} when the port is missing or invalid.
 */
export function parseListenAddress(address: string): ListenAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new StorageError(`invalid storage address "${address}": expected host:port`, "InvalidStorageAddress");
  }
  return { host: m[1] ?? m[2] ?? "", port };
}

/** `host:port`, with brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The address artifact URLs advertise (Flux's rules): `--storage-adv-addr` when set; otherwise the
 * `--storage-addr` host and port, with an empty host becoming `localhost` and `0.0.0.0` becoming `$HOSTNAME`
 * (or the machine's hostname).
 */
export function advertisedAddress(
  storageAddr: string,
  storageAdvAddr?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (storageAdvAddr) return storageAdvAddr;
  const { host, port } = parseListenAddress(storageAddr);
  let h = host;
  if (h === "") h = "localhost";
  else if (h === "0.0.0.0") h = env["HOSTNAME"] || osHostname();
  return joinHostPort(h, port);
}

/**
 * The URL of an artifact path: `http://<address>/<path>`, or `<address>/<path>` when the advertised address
 * already carries an `http://` / `https://` scheme.
 */
export function artifactUrl(address: string, path: string): string {
  const p = path.replace(/^\/+/, "");
  const base = address.replace(/\/+$/, "");
  if (base.startsWith("http://") || base.startsWith("https://")) return `${base}/${p}`;
  return `http://${base}/${p}`;
}
