import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage } from "../errors/reconcile-errors.js";
import { type ListenAddress, parseListenAddress } from "./listen-address.js";

/** A health or readiness check: resolves when fine, throws (with the reason) when not. */
export type Check = () => void | Promise<void>;

/** Something that renders Prometheus metrics (a prom-client Registry or the MetricsRecorder). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** Options of {@link ProbeServer}. */
export interface ProbeServerOptions {
  /** `--metrics-addr` (Flux default `:8080`); omit or `0` to not serve metrics. */
  metricsAddr?: string;
  /** `--health-addr` (Flux default `:9440`). */
  healthAddr?: string;
  metrics?: MetricsSource;
}

type Route = "/metrics" | "/healthz" | "/readyz";

/**
 * The controller's HTTP endpoints (controller-runtime's metrics and health probe servers): `/metrics` on
 * the metrics address, `/healthz` and `/readyz` on the health address, one node:http server per distinct
 * address. Checks are pluggable; `/healthz` and `/readyz` answer 200 `ok` when all pass and 500 listing
 * the failures otherwise (`?verbose` lists every check; `/readyz/<name>` runs one).
 */
export class ProbeServer {
  private readonly healthChecks = new Map<string, Check>();
  private readonly readyChecks = new Map<string, Check>();
  private readonly servers: Server[] = [];
  private readonly bound: Array<{ routes: Route[]; address: AddressInfo }> = [];

  constructor(private readonly options: ProbeServerOptions) {
    this.healthChecks.set("ping", () => undefined);
  }

  /** Adds a liveness check under `name`. */
  addHealthzCheck(name: string, check: Check): void {
    this.healthChecks.set(name, check);
  }

  /** Adds a readiness check under `name` (e.g. `informers`: throws until caches have synced). */
  addReadyzCheck(name: string, check: Check): void {
    this.readyChecks.set(name, check);
  }

  /** Starts listening; resolves once every server is bound. */
  async start(): Promise<void> {
    const byAddress = new Map<string, { address: ListenAddress; routes: Route[] }>();
    const add = (addr: string | undefined, routes: Route[]) => {
      if (!addr || addr === "0") return;
      const address = parseListenAddress(addr);
      const key = `${address.host ?? ""}:${address.port}`;
      const entry = byAddress.get(key);
      // Port 0 means "any free port": never merge two of those.
      if (entry && address.port !== 0) entry.routes.push(...routes);
      else byAddress.set(address.port === 0 ? `${key}#${byAddress.size}` : key, { address, routes: [...routes] });
    };
    if (this.options.metrics) add(this.options.metricsAddr, ["/metrics"]);
    add(this.options.healthAddr, ["/healthz", "/readyz"]);
    for (const { address, routes } of byAddress.values()) {
      const server = createServer((req, res) => {
        this.handle(routes, req, res).catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(`internal error: ${errorMessage(err)}\n`);
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(address.port, address.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      this.servers.push(server);
      this.bound.push({ routes, address: server.address() as AddressInfo });
    }
  }

  /** Where `route` is served (after {@link start}); useful with port 0. */
  addressOf(route: Route): AddressInfo | undefined {
    return this.bound.find((b) => b.routes.includes(route))?.address;
  }

  /** Stops every server. */
  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    this.servers.length = 0;
    this.bound.length = 0;
  }

  private async handle(routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const [, first, sub] = url.pathname.split("/");
    const route = `/${first ?? ""}` as Route;
    if (!routes.includes(route) || (sub !== undefined && route === "/metrics")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
      return;
    }
    if (route === "/metrics") {
      const metrics = this.options.metrics as MetricsSource;
      const body = await metrics.metrics();
      res.writeHead(200, { "content-type": metrics.contentType }).end(req.method === "HEAD" ? undefined : body);
      return;
    }
    const checks = route === "/healthz" ? this.healthChecks : this.readyChecks;
    await this.runChecks(checks, sub ? decodeURIComponent(sub) : undefined, url.searchParams.has("verbose"), req, res);
  }

  private async runChecks(
    checks: Map<string, Check>,
    only: string | undefined,
    verbose: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const selected =
      only === undefined ? [...checks] : checks.has(only) ? [[only, checks.get(only) as Check] as const] : [];
    if (only !== undefined && selected.length === 0) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`no such check: ${only}\n`);
      return;
    }
    const results = await Promise.all(
      selected.map(async ([name, check]) => {
        try {
          await check();
          return { name, error: undefined as string | undefined };
        } catch (err: unknown) {
          return { name, error: errorMessage(err) };
        }
      }),
    );
    const failed = results.filter((r) => r.error !== undefined);
    const lines = results
      .filter((r) => verbose || r.error !== undefined)
      .map((r) => (r.error === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.error}`));
    const ok = failed.length === 0;
    const body = ok
      ? verbose
        ? `${lines.join("\n")}\nhealthz check passed\n`
        : "ok"
      : `${lines.join("\n")}\nhealthz check failed\n`;
    res
      .writeHead(ok ? 200 : 500, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" })
      .end(req.method === "HEAD" ? undefined : body);
  }
}
