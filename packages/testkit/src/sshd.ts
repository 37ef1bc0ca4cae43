// A throwaway OpenSSH server for tests: its own host key, one authorized user key, bound to 127.0.0.1 on a
// free port, run in the foreground (`sshd -D -e -f <config>`) as the current user. Git is reached at
// `ssh://<user>@127.0.0.1:<port>/<absolute path of a bare repo>`.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/** Where Debian's openssh-server installs the daemon. */
export const SSHD_PATH = "/usr/sbin/sshd";

/** Whether sshd is installed. */
export function hasSshd(): boolean {
  return existsSync(SSHD_PATH);
}

/** A generated SSH key pair (OpenSSH format). */
export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Generates an ed25519 key pair with `ssh-keygen`, encrypted with `passphrase` when given. */
export async function generateKeyPair(passphrase = ""): Promise<SshKeyPair> {
  const dir = await mkdtemp(join(tmpdir(), "sc-sshkey-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "sluice-test", "-f", join(dir, "key")]);
    return {
      privateKey: await readFile(join(dir, "key"), "utf8"),
      publicKey: (await readFile(join(dir, "key.pub"), "utf8")).trim(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A running test sshd. */
export interface TestSshd {
  port: number;
  user: string;
  /** The server's (first) host key in known_hosts format for `[127.0.0.1]:<port>`. */
  knownHosts: string;
  /** Each host key's known_hosts line by key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
  hostKeys: Record<string, string>;
  /** `ssh://<user>@127.0.0.1:<port><absPath>` */
  url(absPath: string): string;
  /** Adds a public key to authorized_keys (sshd reads it on every login). */
  authorize(publicKey: string): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startSshd}. */
export interface SshdOptions {
  /** Public keys allowed to log in. */
  authorizedKeys: string[];
  /** Accept the client's GIT_PROTOCOL variable (protocol v2); without it git falls back to v0. */
  acceptGitProtocol?: boolean;
  /** Host key types (`ssh-keygen -t`), in this order in the config; default `["ed25519"]`. */
  hostKeyTypes?: ("ed25519" | "ecdsa" | "rsa")[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not start listening on ${port}: ${stderr()}`);
}

/** Starts sshd with a fresh host key; resolves once it accepts connections. */
export async function startSshd(options: SshdOptions): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), "sc-sshd-"));
  const types = options.hostKeyTypes ?? ["ed25519"];
  const hostKeyFiles = types.map((t) => join(dir, `host_key_${t}`));
  types.forEach((t, i) => {
    execFileSync("ssh-keygen", ["-q", "-t", t, "-N", "", "-f", hostKeyFiles[i]!]);
  });
  await writeFile(join(dir, "authorized_keys"), `${options.authorizedKeys.join("\n")}\n`, { mode: 0o600 });
  const user = userInfo().username;
  // Privilege separation directory that Debian's sshd expects.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    ...hostKeyFiles.map((f) => `HostKey ${f}`),
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "PermitRootLogin yes",
    "StrictModes no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "PrintMotd no",
    "LogLevel ERROR",
    options.acceptGitProtocol === false ? "" : "AcceptEnv GIT_PROTOCOL",
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);
  const child = spawn(SSHD_PATH, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  await waitForPort(port, child, () => err);
  const hostKeys: Record<string, string> = {};
  for (const f of hostKeyFiles) {
    const [type, key] = (await readFile(`${f}.pub`, "utf8")).trim().split(" ");
    hostKeys[type!] = `[127.0.0.1]:${port} ${type} ${key}`;
  }
  return {
    port,
    user,
    knownHosts: Object.values(hostKeys)[0]!,
    hostKeys,
    url: (absPath) => `ssh://${user}@127.0.0.1:${port}${absPath}`,
    authorize: (publicKey) => appendFile(join(dir, "authorized_keys"), `${publicKey.trim()}\n`),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
