// Runs a container image's entrypoint the way a container runtime would, for tests, without a container
// runtime: in private mount, PID and UTS namespaces (`unshare`), chrooted into the image's root filesystem mounted
// read-only, as the image's user, with only the image's environment plus the given variables, /proc, /dev,
// the host's /etc/hosts, writable tmpfs directories (a Pod's emptyDirs) and bind mounts (e.g. a ServiceAccount
// token at /var/run/secrets/kubernetes.io/serviceaccount, private to the container). The network is the
// host's (so the container reaches servers the test started on 127.0.0.1). tini or the entrypoint is PID 1 of
// its PID namespace: SIGTERM to it is what the kubelet sends; SIGKILL kills every process of the container.
// Needs root (mount namespaces); see {@link containerSupport}.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";

/** The parts of an OCI image config a runtime uses. */
export interface ImageRunConfig {
  entrypoint: string[];
  cmd: string[];
  /** `NAME=value` entries. */
  env: string[];
  /** `uid[:gid]` (numeric). */
  user: string;
  workingDir: string;
}

/** A host path mounted into the container. */
export interface BindMount {
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

/** Options of {@link startContainer}. */
export interface ContainerOptions {
  /** The image's root filesystem (e.g. a `buildah mount` directory); mount points are created in it. */
  rootfs: string;
  config: ImageRunConfig;
  /** Replaces the image's Cmd (a Pod's `args`). */
  args?: readonly string[];
  /** Replaces the image's Entrypoint (a Pod's `command`). */
  command?: readonly string[];
  /** Added to the image's environment. */
  env?: Record<string, string>;
  /** The container's host name (its own UTS namespace), as a Pod's is its name. */
  hostname?: string;
  /** Empty writable directories (tmpfs), e.g. `/tmp`, `/data`. */
  tmpfs?: readonly string[];
  mounts?: readonly BindMount[];
}

/** A started container. */
export interface RunningContainer {
  /** Host PID of the container's PID 1 (the entrypoint). */
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the container exited. */
  readonly exited: Promise<number | string>;
  /** Sends a signal to the container's PID 1 (SIGTERM: graceful stop; SIGKILL: the whole container dies). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | string>;
  /** Resident memory (KiB) of every process of the container, from /proc. */
  rssKiB(): number;
}

/** The absolute path of a host command, or undefined. */
function which(tool: string): string | undefined {
  const res = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8", env: { PATH: HOST_PATH } });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

const HOST_PATH = `${process.env["PATH"] ?? ""}:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin`;

/** Whether this machine can run containers this way; the reason when not. */
export function containerSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== "linux") return { ok: false, reason: "containers need Linux" };
  if (process.getuid?.() !== 0) return { ok: false, reason: "containers need root (mount and PID namespaces)" };
  for (const tool of ["unshare", "chroot", "mount", "env"]) {
    if (!which(tool)) return { ok: false, reason: `${tool} is missing` };
  }
  return { ok: true };
}

/**
 * Resolves `path` inside `root` as the container would see it: symlinks (absolute ones relative to `root`)
 * are followed without ever leaving `root`. Returns the host path.
 */
export function resolveInRoot(root: string, path: string): string {
  const parts = normalize(path)
    .split("/")
    .filter((p) => p !== "" && p !== ".");
  const resolved: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    let link: string | undefined;
    try {
      if (lstatSync(host).isSymbolicLink()) link = readlinkSync(host);
    } catch {
      link = undefined;
    }
    if (link === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new Error(`too many symlinks resolving ${path} in ${root}`);
    if (isAbsolute(link)) resolved.length = 0;
    parts.unshift(...link.split("/").filter((p) => p !== "" && p !== "."));
  }
  return join(root, ...resolved);
}

/** A mount point inside the root filesystem: a directory, or a file for a file bind mount. */
function mountPoint(root: string, target: string, file: boolean): string {
  const host = resolveInRoot(root, target);
  if (file) {
    mkdirSync(resolveInRoot(root, join(target, "..")), { recursive: true });
    if (!existsSync(host)) writeFileSync(host, "");
  } else mkdirSync(host, { recursive: true });
  return host;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts the container; see the module comment for what it gets. */
export function startContainer(options: ContainerOptions): RunningContainer {
  const support = containerSupport();
  if (!support.ok) throw new Error(`cannot run containers here: ${support.reason}`);
  const root = options.rootfs;
  const [uid, gid = uid] = (options.config.user || "0").split(":");
  if (!/^\d+$/.test(uid ?? "") || !/^\d+$/.test(gid ?? "")) {
    throw new Error(`image user "${options.config.user}" is not numeric (uid[:gid])`);
  }
  const script: string[] = [
    "set -e",
    ...(options.hostname ? [`hostname ${quote(options.hostname)}`] : []),
    `mount --bind ${quote(root)} ${quote(root)}`,
    `mount -o remount,bind,ro ${quote(root)}`,
    `mount -t proc proc ${quote(mountPoint(root, "/proc", false))}`,
    `mount --rbind /dev ${quote(mountPoint(root, "/dev", false))}`,
  ];
  if (existsSync("/etc/hosts")) {
    script.push(`mount --bind -o ro /etc/hosts ${quote(mountPoint(root, "/etc/hosts", true))}`);
  }
  for (const dir of options.tmpfs ?? []) {
    script.push(`mount -t tmpfs -o mode=1777 tmpfs ${quote(mountPoint(root, dir, false))}`);
  }
  for (const m of options.mounts ?? []) {
    const target = quote(mountPoint(root, m.target, !lstatSync(m.source).isDirectory()));
    script.push(`mount --bind ${quote(m.source)} ${target}`);
    if (m.readOnly) script.push(`mount -o remount,bind,ro ${target}`);
  }
  const env = new Map<string, string>();
  for (const entry of options.config.env) {
    const eq = entry.indexOf("=");
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(options.env ?? {})) env.set(k, v);
  // A Pod's semantics: a command without args drops the image's Cmd as well as its Entrypoint.
  const argv = options.command
    ? [...options.command, ...(options.args ?? [])]
    : [...options.config.entrypoint, ...(options.args ?? options.config.cmd)];
  if (argv.length === 0) throw new Error("nothing to run: the image has no entrypoint or cmd");
  const inner = ["/usr/bin/env", "-C", options.config.workingDir || "/", ...argv];
  script.push(
    [
      `exec ${quote(which("env")!)} -i`,
      ...[...env].map(([k, v]) => quote(`${k}=${v}`)),
      `${quote(which("chroot")!)} --userspec=${uid}:${gid} --groups=${gid}`,
      quote(root),
      ...inner.map(quote),
    ].join(" "),
  );
  const child: ChildProcess = spawn(
    which("unshare")!,
    ["--mount", "--pid", "--uts", "--fork", "--kill-child", "sh", "-c", script.join("\n")],
    { stdio: ["ignore", "pipe", "pipe"], env: { PATH: HOST_PATH } },
  );
  let output = "";
  child.stdout?.on("data", (b: Buffer) => {
    output += b.toString("utf8");
  });
  child.stderr?.on("data", (b: Buffer) => {
    output += b.toString("utf8");
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  const unsharePid = child.pid;
  if (unsharePid === undefined) throw new Error("unshare did not start");
  /** PID 1 of the container: the child of `unshare`. */
  const initPid = (): number | undefined => {
    try {
      const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim();
      const first = children.split(/\s+/)[0];
      return first ? Number(first) : undefined;
    } catch {
      return undefined;
    }
  };
  const descendants = (pid: number): number[] => {
    const all = [pid];
    try {
      for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)) {
        if (task) all.push(...descendants(Number(task)));
      }
    } catch {
      // gone
    }
    return all;
  };
  return {
    get pid() {
      return initPid() ?? -1;
    },
    output: () => output,
    exited,
    signal(signal) {
      const pid = initPid();
      if (pid !== undefined) process.kill(pid, signal);
    },
    async stop(graceMs = 30_000) {
      this.signal("SIGTERM");
      const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    rssKiB() {
      const pid = initPid();
      if (pid === undefined) return 0;
      let total = 0;
      for (const p of descendants(pid)) {
        try {
          const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
          if (m) total += Number(m[1]);
        } catch {
          // exited meanwhile
        }
      }
      return total;
    },
  };
}
