import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createFixtureRepo,
  generateKeyPair,
  hasSshd,
  SSHD_PATH,
  type SshKeyPair,
  startSshd,
  type TestSshd,
  tempDir,
} from "@sluice/testkit";
import sshpk from "sshpk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFromSecretData } from "./auth.js";
import { checkout } from "./checkout.js";
import { GitError, GitErrorKind } from "./errors.js";
import type { CheckoutOptions } from "./types.js";

const PASSPHRASE = "key-passphrase-123";

let root: string;
let removeRoot: () => Promise<void>;
let sshd: TestSshd;
let sshdV0: TestSshd;
let userKey: SshKeyPair;
let encryptedKey: SshKeyPair;
let strangerKey: SshKeyPair;
let pkcs8Keys: Record<string, SshKeyPair>;
let bare: string;
let c1: string;
let c2: string;
let n = 0;
let privateTmp: string;
const originalTmp = process.env["TMPDIR"];

function co(options: Omit<CheckoutOptions, "dir">) {
  return checkout({ dir: join(root, "co", String(n++)), ...options });
}

async function failure(options: Omit<CheckoutOptions, "dir">): Promise<GitError> {
  const err = await co(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitError);
  return err as GitError;
}

beforeAll(async () => {
  if (!hasSshd()) throw new Error(`${SSHD_PATH} is missing: install openssh-server (scripts/setup.sh does)`);
  const d = await tempDir("sc-git-ssh-");
  root = d.path;
  removeRoot = d.remove;
  const repo = await createFixtureRepo(join(root, "repos"), "app");
  c1 = await repo.commit({ "app.yaml": "v: 1\n" }, "one");
  c2 = await repo.commit({ "app.yaml": "v: 2\n" }, "two");
  await repo.tag("v1.0.0", "release");
  await repo.push();
  bare = repo.bare;
  [userKey, encryptedKey, strangerKey] = await Promise.all([
    generateKeyPair(),
    generateKeyPair(PASSPHRASE),
    generateKeyPair(),
  ]);
  // PKCS#8 PEM keys as `flux create secret git` writes them (Go's x509.MarshalPKCS8PrivateKey).
  pkcs8Keys = Object.fromEntries(
    [
      ["ed25519", generateKeyPairSync("ed25519")],
      ["ecdsa", generateKeyPairSync("ec", { namedCurve: "P-384" })],
      ["rsa", generateKeyPairSync("rsa", { modulusLength: 2048 })],
    ].map(([name, pair]) => {
      const privateKey = (pair as ReturnType<typeof generateKeyPairSync>).privateKey
        .export({ type: "pkcs8", format: "pem" })
        .toString();
      const publicKey = sshpk.parsePrivateKey(privateKey, "pkcs8").toPublic().toString("ssh");
      return [name as string, { privateKey, publicKey }];
    }),
  );
  sshd = await startSshd({
    authorizedKeys: [userKey.publicKey, encryptedKey.publicKey, ...Object.values(pkcs8Keys).map((k) => k.publicKey)],
  });
  sshdV0 = await startSshd({ authorizedKeys: [userKey.publicKey], acceptGitProtocol: false });
  // Credential files go to os.tmpdir(): point it at a private directory to check they are removed.
  privateTmp = await mkdtemp(join(tmpdir(), "sc-ssh-tmp-"));
  process.env["TMPDIR"] = privateTmp;
}, 60_000);

afterAll(async () => {
  if (originalTmp === undefined) delete process.env["TMPDIR"];
  else process.env["TMPDIR"] = originalTmp;
  await sshd?.stop();
  await sshdV0?.stop();
  await removeRoot?.();
  if (privateTmp) await rm(privateTmp, { recursive: true, force: true });
});

describe("checkout over SSH", () => {
  it("clones with identity and known_hosts, and removes the key files afterwards", async () => {
    const url = sshd.url(bare);
    const auth = authFromSecretData(url, { identity: userKey.privateKey, known_hosts: sshd.knownHosts });
    const r = await co({ url, auth });
    expect(r).toMatchObject({ revision: `master@sha1:${c2}`, subject: "two", skipped: false });
    const tag = await co({ url, auth, reference: { tag: "v1.0.0" } });
    expect(tag.revision).toBe(`v1.0.0@sha1:${c2}`);
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it("clones with PKCS#8 PEM identities of every type flux generates (ed25519 rewritten for OpenSSH)", async () => {
    const url = sshd.url(bare);
    for (const [name, key] of Object.entries(pkcs8Keys)) {
      const auth = authFromSecretData(url, { identity: key.privateKey, known_hosts: sshd.knownHosts });
      expect((await co({ url, auth })).revision, name).toBe(`master@sha1:${c2}`);
    }
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it("skips the clone when unchanged, with one ls-remote", async () => {
    const url = sshd.url(bare);
    const auth = { identity: userKey.privateKey, knownHosts: sshd.knownHosts };
    const r = await co({ url, auth, lastObservedRevision: `master@sha1:${c2}` });
    expect(r).toMatchObject({ skipped: true, operations: ["ls-remote"] });
  });

  it("uses an encrypted identity with its password", async () => {
    const url = sshd.url(bare);
    const auth = authFromSecretData(url, {
      identity: encryptedKey.privateKey,
      known_hosts: sshd.knownHosts,
      password: PASSPHRASE,
    });
    expect((await co({ url, auth })).revision).toBe(`master@sha1:${c2}`);
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it("fails an encrypted identity without password as AuthenticationFailed", async () => {
    const err = await failure({
      url: sshd.url(bare),
      auth: { identity: encryptedKey.privateKey, knownHosts: sshd.knownHosts },
    });
    expect(err.kind).toBe(GitErrorKind.Authentication);
    expect(err.reason).toBe("AuthenticationFailed");
  });

  it("fails an encrypted identity with a wrong password without naming it", async () => {
    const err = await failure({
      url: sshd.url(bare),
      auth: { identity: encryptedKey.privateKey, knownHosts: sshd.knownHosts, password: "wrong-passphrase" },
    });
    expect(err.kind).toBe(GitErrorKind.Authentication);
    expect(err.message).not.toContain("wrong-passphrase");
  });

  it("rejects an unknown host key (strict host key checking)", async () => {
    const other = await generateKeyPair();
    const wrongHosts = `[127.0.0.1]:${sshd.port} ${other.publicKey.split(" ").slice(0, 2).join(" ")}`;
    const err = await failure({ url: sshd.url(bare), auth: { identity: userKey.privateKey, knownHosts: wrongHosts } });
    expect(err.kind).toBe(GitErrorKind.HostKey);
    expect(err.reason).toBe("AuthenticationFailed");
    expect(err.message).toMatch(/Host key verification failed/);
    expect(err.message).toContain(sshd.url(bare));

    const otherHost = `[127.0.0.1]:1 ${sshd.knownHosts.split(" ").slice(1).join(" ")}`;
    const missing = await failure({
      url: sshd.url(bare),
      auth: { identity: userKey.privateKey, knownHosts: otherHost },
    });
    expect(missing.kind).toBe(GitErrorKind.HostKey);
  });

  it("rejects a key the server does not authorise", async () => {
    const err = await failure({
      url: sshd.url(bare),
      auth: { identity: strangerKey.privateKey, knownHosts: sshd.knownHosts },
    });
    expect(err.kind).toBe(GitErrorKind.Authentication);
    expect(err.message).toMatch(/Permission denied/);
  });

  it("requires identity and known_hosts for ssh URLs", async () => {
    const err = await failure({ url: sshd.url(bare), auth: { identity: userKey.privateKey } });
    expect(err.message).toMatch(/'known_hosts' is required/);
    expect(err.reason).toBe("AuthenticationFailed");
  });

  it("reports a missing repository path", async () => {
    const err = await failure({
      url: sshd.url(join(root, "repos", "missing.git")),
      auth: { identity: userKey.privateKey, knownHosts: sshd.knownHosts },
    });
    expect(err.kind).toBe(GitErrorKind.RepositoryNotFound);
  });

  it("falls back to a full branch fetch when a v0 server refuses to serve a commit by hash", async () => {
    const url = sshdV0.url(bare);
    const auth = { identity: userKey.privateKey, knownHosts: sshdV0.knownHosts };
    const r = await co({ url, auth, reference: { commit: c1, branch: "master" } });
    expect(r.revision).toBe(`master@sha1:${c1}`);
    expect(r.operations.filter((o) => o === "fetch")).toHaveLength(2);
    const v2 = await co({
      url: sshd.url(bare),
      auth: { ...auth, knownHosts: sshd.knownHosts },
      reference: { commit: c1 },
    });
    expect(v2.operations.filter((o) => o === "fetch")).toHaveLength(1);
  });

  it("checks out submodules recursively with the same credentials", async () => {
    const sub = await createFixtureRepo(join(root, "repos"), "sub");
    await sub.commit({ "lib.txt": "library\n" });
    await sub.push();
    const parent = await createFixtureRepo(join(root, "repos"), "parent");
    await parent.commit({ "main.txt": "main\n" });
    await parent.git(["-c", "protocol.file.allow=always", "submodule", "add", "-q", sshd.url(sub.bare), "vendor/sub"], {
      GIT_SSH_COMMAND: `ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ${await keyFile(userKey)}`,
    });
    await parent.commit({}, "add submodule");
    await parent.push();
    const auth = { identity: userKey.privateKey, knownHosts: sshd.knownHosts };
    const dir = join(root, "co", String(n++));
    await checkout({ url: sshd.url(parent.bare), dir, auth, recurseSubmodules: true });
    expect(await readdir(join(dir, "vendor", "sub"))).toContain("lib.txt");
    const flat = join(root, "co", String(n++));
    await checkout({ url: sshd.url(parent.bare), dir: flat, auth });
    expect(await readdir(join(flat, "vendor", "sub"))).toEqual([]);
  });
});

async function keyFile(key: SshKeyPair): Promise<string> {
  const { writeFile } = await import("node:fs/promises");
  await mkdir(join(root, "keys"), { recursive: true });
  const p = join(root, "keys", "id");
  await writeFile(p, key.privateKey, { mode: 0o600 });
  return p;
}
