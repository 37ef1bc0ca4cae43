// The environment git runs in: isolated from the machine's git configuration, never prompting, with
// credentials passed as per-remote configuration through GIT_CONFIG_COUNT/KEY/VALUE environment variables
// and temporary files (mode 0600, in a private directory removed afterwards) — never as arguments.

import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opensshIdentity } from "./ssh-identity.js";
import type { GitAuth } from "./types.js";
import type { ParsedGitUrl } from "./url.js";

/** A prepared environment and the secrets to redact from any output. */
export interface GitEnvironment {
  env: Record<string, string>;
  /** Secret strings that must never appear in messages (passwords, tokens, derived headers). */
  secrets: string[];
  /** Removes the temporary credential files. */
  cleanup(): Promise<void>;
}

// Variables never passed on to git: its own settings, askpass/agent hooks, and programs git could be told to
// run (EDITOR/PAGER…; `npx` and many shells set EDITOR, and simple-git refuses to run with it).
const INHERITED_BLOCKLIST = /^(GIT_|SSH_ASKPASS|SSH_AUTH_SOCK$|DISPLAY$|EDITOR$|VISUAL$|PAGER$|PREFIX$)/i;

/** The process environment minus what must never reach git (see {@link INHERITED_BLOCKLIST}) and `also`. */
export function inheritedEnvironment(also: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !INHERITED_BLOCKLIST.test(k) && !also.includes(k)) env[k] = v;
  }
  return env;
}

/** Single-quotes a value for the POSIX shell git runs `GIT_SSH_COMMAND` with. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Prepares the environment for git commands against `url` with `auth`. Extra `config` entries are added
 * as-is (e.g. `advice.detachedHead=false`).
 */
export async function prepareGitEnvironment(
  url: ParsedGitUrl,
  auth: GitAuth | undefined,
  config: Record<string, string> = {},
): Promise<GitEnvironment> {
  const env = inheritedEnvironment();
  Object.assign(env, {
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    LC_ALL: "C",
    LANG: "C",
  });
  const entries: [string, string][] = Object.entries(config);
  const secrets: string[] = [];
  let dir: string | undefined;
  const file = async (name: string, content: string, mode = 0o600): Promise<string> => {
    dir ??= await mkdtemp(join(tmpdir(), "sluice-git-"));
    await chmod(dir, 0o700);
    const p = join(dir, name);
    await writeFile(p, content.endsWith("\n") ? content : `${content}\n`, { mode });
    return p;
  };
  const cleanup = async (): Promise<void> => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  };

  try {
    const scope = `http.${url.origin}`;
    if (url.transport !== "ssh" && auth) {
      if (auth.bearerToken) {
        entries.push([`${scope}.extraHeader`, `Authorization: Bearer ${auth.bearerToken}`]);
        secrets.push(auth.bearerToken);
      } else if (auth.username || auth.password) {
        const basic = Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64");
        entries.push([`${scope}.extraHeader`, `Authorization: Basic ${basic}`]);
        secrets.push(basic);
        if (auth.password) secrets.push(auth.password);
      }
      if (auth.caCert) entries.push([`${scope}.sslCAInfo`, await file("ca.crt", auth.caCert)]);
      if (auth.clientCert && auth.clientKey) {
        entries.push([`${scope}.sslCert`, await file("tls.crt", auth.clientCert)]);
        entries.push([`${scope}.sslKey`, await file("tls.key", auth.clientKey)]);
      }
    }
    // Never fall back to interactive or stored credentials.
    entries.push(["credential.helper", ""]);
    entries.push(["core.askPass", ""]);

    if (url.transport === "ssh") {
      const args = [
        "ssh",
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "IdentityAgent=none",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "PasswordAuthentication=no",
        "-o",
        "KbdInteractiveAuthentication=no",
        "-o",
        "ConnectTimeout=30",
        "-o",
        "LogLevel=ERROR",
      ];
      args.push("-o", `UserKnownHostsFile=${shellQuote(await file("known_hosts", auth?.knownHosts ?? ""))}`);
      if (auth?.identity)
        args.push("-i", shellQuote(await file("identity", opensshIdentity(auth.identity, auth.password))));
      if (auth?.password) {
        // An encrypted key's passphrase reaches ssh through a forced askpass helper reading a 0600 file.
        const pass = await file("passphrase", auth.password);
        const helper = await file("askpass.sh", `#!/bin/sh\ncat ${shellQuote(pass)}\n`, 0o700);
        env["SSH_ASKPASS"] = helper;
        env["SSH_ASKPASS_REQUIRE"] = "force";
        secrets.push(auth.password);
      } else {
        args.push("-o", "BatchMode=yes");
      }
      env["GIT_SSH_COMMAND"] = args.join(" ");
      env["GIT_SSH_VARIANT"] = "ssh";
    }

    env["GIT_CONFIG_COUNT"] = String(entries.length);
    entries.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    return { env, secrets, cleanup };
  } catch (err: unknown) {
    await cleanup();
    throw err;
  }
}
