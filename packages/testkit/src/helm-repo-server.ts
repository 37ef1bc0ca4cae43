// A real local Helm chart repository for tests: charts made with `helm create` + `helm package`, the index
// built with `helm repo index`, served by a node:http server on 127.0.0.1 with optional basic auth.

import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { promisify } from "node:util";
import { resolveTool } from "@sluice/runtime";

const run = promisify(execFile);

/** A chart repository directory managed with the real helm binary. */
export interface HelmChartRepo {
  /** The directory holding the packaged charts and index.yaml. */
  dir: string;
  /** `helm create <name>`, set the version, `helm package` into the repository, `helm repo index`. */
  addChart(name: string, version: string): Promise<void>;
  /** The current index.yaml bytes. */
  index(): Promise<Buffer>;
}

/** Creates an empty chart repository under `root` (work files in `root/work`). */
export async function createHelmChartRepo(root: string, baseUrl: () => string): Promise<HelmChartRepo> {
  const helm = resolveTool("helm").path;
  const dir = join(root, "charts");
  const work = join(root, "work");
  await mkdir(dir, { recursive: true });
  await mkdir(work, { recursive: true });
  const env = { ...process.env, HELM_CACHE_HOME: join(root, "cache"), HELM_CONFIG_HOME: join(root, "config") };
  return {
    dir,
    async addChart(name, version) {
      const chartDir = join(work, `${name}-${version}`);
      await rm(chartDir, { recursive: true, force: true });
      await mkdir(chartDir, { recursive: true });
      await run(helm, ["create", name], { cwd: chartDir, env });
      const chartYaml = join(chartDir, name, "Chart.yaml");
      const text = await readFile(chartYaml, "utf8");
      await writeFile(chartYaml, text.replace(/^version: .*$/m, `version: ${version}`));
      await run(helm, ["package", join(chartDir, name), "--destination", dir], { env });
      await run(helm, ["repo", "index", dir, "--url", baseUrl()], { env });
    },
    index: () => readFile(join(dir, "index.yaml")),
  };
}

/** A request the server saw. */
export interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A running chart repository server. */
export interface HelmRepoServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  baseUrl: string;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

/**
 * Serves `dir` read-only on 127.0.0.1 and a free port; with `auth`, requests without those basic
 * credentials get 401. `redirects` maps a path to another path (302). With `tls`, HTTPS with that
 * server certificate.
 */
export async function startHelmRepoServer(
  dir: string,
  options: {
    auth?: { username: string; password: string };
    redirects?: Record<string, string>;
    tls?: { key: string; cert: string };
  } = {},
): Promise<HelmRepoServer> {
  const requests: SeenRequest[] = [];
  const handler: RequestListener = (req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/");
    requests.push({ path, headers: req.headers });
    if (options.auth) {
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="charts"' }).end("unauthorized\n");
        return;
      }
    }
    const redirect = options.redirects?.[path];
    if (redirect) {
      res.writeHead(302, { Location: redirect }).end();
      return;
    }
    const rel = normalize(path).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, rel);
    if (!file.startsWith(dir)) {
      res.writeHead(404).end();
      return;
    }
    stat(file).then(
      (s) => {
        if (!s.isFile()) {
          res.writeHead(404).end("not found\n");
          return;
        }
        res.writeHead(200, { "Content-Length": s.size, "Content-Type": "text/yaml" });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end("not found\n"),
    );
  };
  const server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
