import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { Agent, request } from "node:http";
import { join, resolve } from "node:path";

const PKG = resolve(import.meta.dirname, "../..");
/** The server's entry point as users run it. */
export const MAIN_JS = join(PKG, "dist/main.js");
/** Token the server processes of these tests accept. */
export const TOKEN = "process-test-token";

/** Compiles `dist/` (incremental; a no-op when up to date) so the tests run the current source. */
export function buildDist(): void {
  const build = spawnSync(join(PKG, "../../node_modules/.bin/tsc"), ["-b", "tsconfig.build.json"], {
    cwd: PKG,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`tsc -b failed: ${build.stdout}${build.stderr}`);
}

/** A `dist/main.js` child process. */
export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/** A started server process and the URL it serves (plain HTTP on 127.0.0.1, token {@link TOKEN}). */
export interface RunningServer extends ServerProcess {
  url: string;
}

/**
 * Spawns `node dist/main.js` on `dataDir` (plain HTTP, port 0, no workload simulation). `umask` (octal, e.g.
 * "000") runs it under that umask.
 */
export function spawnServer(dataDir: string, opts: { umask?: string } = {}): ServerProcess {
  const args = [
    MAIN_JS,
    "--port",
    "0",
    "--insecure-http",
    "--token",
    TOKEN,
    "--no-simulate-workloads",
    "--data-dir",
    dataDir,
  ];
  const child =
    opts.umask === undefined
      ? spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] })
      : spawn("sh", ["-c", `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, ...args], {
          stdio: ["pipe", "pipe", "pipe"],
        });
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return { child, pid: child.pid ?? 0, exited, stderr: () => err };
}

/** Spawns a server process and waits until it serves (rejects with its output if it exits first). */
export async function startServer(dataDir: string, opts: { umask?: string } = {}): Promise<RunningServer> {
  const p = spawnServer(dataDir, opts);
  const url = await new Promise<string>((resolvePromise, reject) => {
    let out = "";
    p.child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.includes('"msg":"serving"'));
      if (line) resolvePromise((JSON.parse(line) as { url: string }).url);
    });
    void p.exited.then((code) => reject(new Error(`server exited early (${code}): ${out}${p.stderr()}`)));
  });
  return { ...p, url };
}

/** SIGKILLs a server process and waits until it is gone. */
export async function killServer(p: ServerProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await p.exited;
}

/** An HTTP answer. */
export interface HttpAnswer {
  status: number;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** One request with the test token; rejects on a connection error (e.g. the server was killed). */
export function call(url: string, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" };
    const contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json";
    if (body !== undefined) headers["Content-Type"] = contentType;
    const req = request(new URL(path, url), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolvePromise({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
