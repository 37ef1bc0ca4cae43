// Waiting for an in-process controller's Manager to serve its probes and report ready (caches synced),
// failing fast when the controller stops instead.

import type { AddressInfo } from "node:net";
import type { Manager } from "@sluice/runtime/manager";

/** Error for a controller that did not become ready. */
export class ControllerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ControllerStartError";
  }
}

/** `http://host:port` of a bound address. */
export function httpAddress(address: AddressInfo | undefined): string | undefined {
  if (!address) return undefined;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Resolves with the manager's metrics and health base URLs once `GET /readyz` answers 200; rejects when
 * `running` settles first (the controller failed or stopped) or after `timeoutMs` (default 2 min).
 */
export async function waitForManagerReady(
  name: string,
  manager: Manager,
  running: Promise<void>,
  timeoutMs = 120_000,
): Promise<{ metrics: string | undefined; health: string | undefined }> {
  let settled: { error: unknown } | undefined;
  running.then(
    () => {
      settled = { error: new ControllerStartError(`${name} stopped before it became ready`) };
    },
    (err: unknown) => {
      settled = { error: err };
    },
  );
  const deadline = Date.now() + timeoutMs;
  let last = "probes not listening yet";
  for (;;) {
    if (settled)
      throw new ControllerStartError(`${name} failed to start: ${describe(settled.error)}`, { cause: settled.error });
    const health = httpAddress(manager.probes.addressOf("/readyz"));
    if (health) {
      try {
        const res = await fetch(`${health}/readyz`);
        last = (await res.text()).trim();
        if (res.ok) return { metrics: httpAddress(manager.probes.addressOf("/metrics")), health };
      } catch (err: unknown) {
        last = describe(err);
      }
    }
    if (Date.now() > deadline) {
      throw new ControllerStartError(`${name} not ready after ${Math.round(timeoutMs / 1000)}s: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
