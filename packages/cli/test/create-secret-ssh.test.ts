// create secret git --url=ssh://… against a real sshd: generated key pairs of each algorithm (PKCS#8 PEM as
// flux writes them), known_hosts scanned from the server, --private-key-file with --password, and a
// GitRepository that clones over SSH with the Secret once the printed deploy key is authorised.

import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import {
  createFixtureRepo,
  type FixtureRepo,
  generateKeyPair,
  hasSshd,
  SSHD_PATH,
  startSshd,
  type TestSshd,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

const PASSPHRASE = "deploy-key-passphrase";

describe("sluice create secret git over SSH", () => {
  let env: CliEnv;
  let sshd: TestSshd;
  let repo: FixtureRepo;
  let head: string;

  beforeAll(async () => {
    if (!hasSshd()) throw new Error(`${SSHD_PATH} is missing: install openssh-server (scripts/setup.sh does)`);
    env = await startCliEnv({ withSourceController: true });
    repo = await createFixtureRepo(join(env.workDir, "git"), "app", "main");
    head = await repo.commit({ "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" });
    await repo.push();
    sshd = await startSshd({ authorizedKeys: [] });
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    await env?.stop();
  });

  const exported = async (...flags: string[]) => {
    const r = await env.sluice("create", "secret", "git", "deploy", "--url", sshd.url(repo.bare), ...flags, "--export");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return parse(r.stdout.slice(4)) as { stringData: Record<string, string> };
  };

  /** The public key OpenSSH derives from a private key (ssh-keygen -y), to check identity.pub against. */
  const derivedPublicKey = async (identity: string, passphrase = "") => {
    const path = join(env.workDir, `key-${Date.now()}`);
    await writeFile(path, identity, { mode: 0o600 });
    return execFileSync("ssh-keygen", ["-y", "-P", passphrase, "-f", path]).toString().trim();
  };

  it("generates a key pair per algorithm as flux does, with the server's host key in known_hosts", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^ecdsa-sha2-nistp384 /],
      [["--ssh-key-algorithm", "ecdsa", "--ssh-ecdsa-curve", "p256"], /^ecdsa-sha2-nistp256 /],
      [["--ssh-key-algorithm", "rsa", "--ssh-rsa-bits", "1024"], /^ssh-rsa /],
      [["--ssh-key-algorithm", "ed25519"], /^ssh-ed25519 /],
    ];
    for (const [flags, type] of cases) {
      const { stringData } = await exported(...flags);
      expect(Object.keys(stringData)).toEqual(["identity", "identity.pub", "known_hosts"]);
      expect(stringData["identity"]).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      expect(stringData["identity.pub"]).toMatch(type);
      expect(stringData["identity.pub"]).toMatch(/^\S+ \S+\n$/);
      // OpenSSH loads ed25519 PKCS#8 keys only after @sluice/git rewrites them; the others it reads directly.
      if (!flags.includes("ed25519"))
        expect(await derivedPublicKey(stringData["identity"]!)).toBe(stringData["identity.pub"]!.trim());
      expect(stringData["known_hosts"]).toBe(sshd.knownHosts);
    }
  });

  it("scans the host key Go's SSH client would pick (ECDSA before RSA before ed25519), as flux does", async () => {
    const multi = await startSshd({ authorizedKeys: [], hostKeyTypes: ["ed25519", "rsa", "ecdsa"] });
    try {
      const r = await env.sluice("create", "secret", "git", "x", "--url", multi.url(repo.bare), "--export");
      expect(r.stderr).toBe("");
      const { stringData } = parse(r.stdout.slice(4)) as { stringData: Record<string, string> };
      expect(stringData["known_hosts"]).toBe(multi.hostKeys["ecdsa-sha2-nistp256"]);
    } finally {
      await multi.stop();
    }
  });

  it("stores --private-key-file as given with --password, and its public key", async () => {
    const key = await generateKeyPair(PASSPHRASE);
    await writeFile(join(env.workDir, "id_enc"), key.privateKey, { mode: 0o600 });
    const { stringData } = await exported("--private-key-file", "id_enc", "--password", PASSPHRASE);
    expect(stringData).toEqual({
      identity: key.privateKey,
      "identity.pub": `${key.publicKey.split(" ").slice(0, 2).join(" ")}\n`,
      known_hosts: sshd.knownHosts,
      password: PASSPHRASE,
    });
    const wrong = await env.sluice(
      "create",
      "secret",
      "git",
      "x",
      ...["--url", sshd.url(repo.bare), "--private-key-file", "id_enc", "--password", "nope", "--export"],
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^✗ invalid --private-key-file "id_enc": /);
    expect(wrong.stderr).not.toContain("nope");
  });

  it("prints the deploy key; a GitRepository with the Secret clones over SSH once the key is authorised", async () => {
    for (const algorithm of ["ed25519", "ecdsa"]) {
      const name = `ssh-${algorithm}`;
      const created = await env.sluice(
        "create",
        "secret",
        "git",
        name,
        ...["--url", sshd.url(repo.bare), "--ssh-key-algorithm", algorithm],
      );
      expect(created.code).toBe(0);
      const deployKey = /^✚ deploy key: (\S+ \S+)\n/.exec(created.stderr)?.[1];
      expect(deployKey, created.stderr).toBeDefined();
      expect(created.stderr).toContain(`► secret '${name}' created in 'flux-system' namespace\n`);
      const secret = await env.cluster.client.get<UnstructuredObject & { data: Record<string, string> }>({
        apiVersion: "v1",
        kind: "Secret",
        namespace: "flux-system",
        name,
      });
      expect(Buffer.from(secret.data["identity.pub"]!, "base64").toString()).toBe(`${deployKey}\n`);
      await sshd.authorize(deployKey!);
      const source = await env.sluice(
        "create",
        "source",
        "git",
        name,
        ...["--url", sshd.url(repo.bare), "--branch", "main", "--secret-ref", name, "--timeout", "60s"],
      );
      expect(source.stderr).toContain(`✔ fetched revision: main@sha1:${head}`);
      expect(source.code).toBe(0);
    }
  });

  it("errors name the URL: unsupported scheme, unreachable server", async () => {
    const scheme = await env.sluice("create", "secret", "git", "x", "--url", "ftp://h/r", "--export");
    expect(scheme.stderr).toBe("✗ git URL scheme 'ftp' not supported, can be: ssh, http and https\n");
    const scp = await env.sluice("create", "secret", "git", "x", "--url", "git@github.com:org/repo", "--export");
    expect(scp.stderr).toMatch(/^✗ git URL parse failed: invalid --url "git@github\.com:org\/repo"/);
    const down = await env.sluice("create", "secret", "git", "x", "--url", "ssh://git@127.0.0.1:1/r", "--export");
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^✗ SSH key scan for host 127\.0\.0\.1:1 failed, error: /);
    const algo = await env.sluice(
      "create",
      "secret",
      "git",
      "x",
      ...["--url", sshd.url(repo.bare), "--ssh-key-algorithm", "dsa"],
    );
    expect(algo.stderr).toMatch(/unsupported public key algorithm 'dsa', must be one of: rsa, ecdsa, ed25519/);
    const bits = await env.sluice(
      "create",
      "secret",
      "git",
      "x",
      "--url",
      sshd.url(repo.bare),
      "--ssh-rsa-bits",
      "1000",
    );
    expect(bits.stderr).toMatch(/RSA key bit size must be at least 1024/);
  });
});
