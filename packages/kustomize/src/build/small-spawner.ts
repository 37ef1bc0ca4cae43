// Runs commands from a small helper process instead of from this one. Spawning forks the calling process and
// blocks its event loop meanwhile; a controller process of a few hundred MiB running many kustomize builds
// at once spent more time blocked in fork than anything else (issue 17). The helper (a bare `node -e`, tens
// of MiB) forks cheaply; requests and outputs travel over its IPC channel.

import { type ChildProcess, type ExecFileException, execFile, spawn } from "node:child_process";

/** What `execFile` reports, as the helper sends it back. */
export interface SpawnOutcome {
  error?:
    | {
        message: string;
        code?: number | string | null | undefined;
        killed?: boolean | undefined;
        signal?: string | null | undefined;
      }
    | undefined;
  stdout: string;
  stderr: string;
}

/** Options passed through to `execFile` in the helper. */
export interface SpawnOptions {
  timeout: number;
  maxBuffer: number;
  env: Record<string, string>;
}

interface Request {
  id: number;
  file: string;
  args: string[];
  options: SpawnOptions;
}

// The helper: runs each request with execFile and answers; when this process goes, it stops its children.
const HELPER = `
const { execFile } = require("node:child_process");
const running = new Set();
process.on("message", (m) => {
  const child = execFile(m.file, m.args, { ...m.options, encoding: "utf8" }, (err, stdout, stderr) => {
    running.delete(child);
    const error = err ? { message: err.message, code: err.code, killed: err.killed, signal: err.signal } : undefined;
    if (process.connected) process.send({ id: m.id, error, stdout, stderr });
  });
  running.add(child);
});
process.on("disconnect", () => {
  for (const child of running) child.kill("SIGKILL");
  process.exit(0);
});
`;

let helper: ChildProcess | undefined;
let nextId = 1;
const pending = new Map<number, (outcome: SpawnOutcome) => void>();

function startHelper(): ChildProcess {
  const child = spawn(process.execPath, ["--max-old-space-size=64", "-e", HELPER], {
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    env: {},
  });
  child.on("message", (m: SpawnOutcome & { id: number }) => {
    const done = pending.get(m.id);
    if (!done) return;
    pending.delete(m.id);
    if (pending.size === 0) idle(child);
    done(m);
  });
  const gone = (why: string) => {
    if (helper === child) helper = undefined;
    for (const [id, done] of pending) {
      pending.delete(id);
      done({ error: { message: `the spawn helper ${why}` }, stdout: "", stderr: "" });
    }
  };
  child.on("exit", (code, signal) => gone(`exited (${signal ?? code})`));
  child.on("error", (err) => gone(`failed: ${err.message}`));
  idle(child);
  return child;
}

// An idle helper does not keep this process alive.
function idle(child: ChildProcess): void {
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
}

function busy(child: ChildProcess): void {
  child.ref();
  (child.channel as { ref?: () => void } | undefined)?.ref?.();
}

/**
 * Runs `file args` as `execFile` would, from the shared helper process. Falls back to spawning here when the
 * helper cannot run (no IPC, it died mid-request is reported as an error of that request).
 */
export function execFileFromHelper(file: string, args: string[], options: SpawnOptions): Promise<SpawnOutcome> {
  let child: ChildProcess;
  try {
    helper ??= startHelper();
    child = helper;
  } catch {
    return execFileHere(file, args, options);
  }
  const request: Request = { id: nextId++, file, args, options };
  return new Promise((resolve) => {
    pending.set(request.id, resolve);
    busy(child);
    try {
      child.send(request);
    } catch {
      pending.delete(request.id);
      resolve(execFileHere(file, args, options));
    }
  });
}

function execFileHere(file: string, args: string[], options: SpawnOptions): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, encoding: "utf8" }, (err: ExecFileException | null, stdout, stderr) => {
      resolve({
        ...(err ? { error: { message: err.message, code: err.code, killed: err.killed, signal: err.signal } } : {}),
        stdout,
        stderr,
      });
    });
  });
}
