/** A host and port to listen on. `host` undefined means every interface. */
export interface ListenAddress {
  host: string | undefined;
  port: number;
}

/** Error for an address flag that is not `[host]:port`. */
export class InvalidAddressError extends Error {
  constructor(readonly value: string) {
    super(`invalid address "${value}": expected [host]:port, e.g. :8080 or 127.0.0.1:9440`);
    this.name = "InvalidAddressError";
  }
}

/** Parses `--metrics-addr` / `--health-addr` values: `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`, `[::1]:9440`. */
export function parseListenAddress(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  if (!match) throw new InvalidAddressError(value);
  const port = Number(match[3]);
  if (port > 65535) throw new InvalidAddressError(value);
  const host = match[1] ?? match[2];
  return { host: host ? host : undefined, port };
}
