import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFixtureRepo, type FixtureRepo, generateKeyPair, startGitHttpServer } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkout } from "./checkout.js";
import {
  SignatureVerificationError,
  type VerificationKeys,
  verificationKeysFromSecretData,
  verifyCommitSignature,
  verifyTagSignature,
} from "./verify.js";

let root: string;
let gnupg: string;
let repo: FixtureRepo;
let pgpPublic: string;
let pgpKeyId: string;
let otherPgpPublic: string;
let sshPublic: string;
let sshFingerprint: string;
let otherSshPublic: string;
const commits: Record<string, string> = {};

function genPgpKey(home: string, uid: string): { fingerprint: string; armored: string } {
  execFileSync(
    "gpg",
    ["--homedir", home, "--batch", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never"],
    {
      stdio: "ignore",
    },
  );
  const listing = execFileSync("gpg", ["--homedir", home, "--batch", "--with-colons", "--list-keys", uid]).toString();
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)?.[1] ?? "";
  const armored = execFileSync("gpg", ["--homedir", home, "--batch", "--armor", "--export", fingerprint]).toString();
  return { fingerprint, armored };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sc-verify-"));
  gnupg = join(root, "gnupg");
  execFileSync("mkdir", ["-m", "700", gnupg]);
  const signer = genPgpKey(gnupg, "Signer <signer@example.com>");
  pgpPublic = signer.armored;
  pgpKeyId = signer.fingerprint.slice(-16);
  const otherHome = join(root, "gnupg-other");
  execFileSync("mkdir", ["-m", "700", otherHome]);
  otherPgpPublic = genPgpKey(otherHome, "Other <other@example.com>").armored;

  const sshKey = await generateKeyPair();
  sshPublic = sshKey.publicKey;
  const keyPath = join(root, "ssh_signing_key");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(keyPath, sshKey.privateKey, { mode: 0o600 });
  await writeFile(`${keyPath}.pub`, `${sshKey.publicKey}\n`);
  sshFingerprint =
    execFileSync("ssh-keygen", ["-lf", `${keyPath}.pub`])
      .toString()
      .split(" ")[1] ?? "";
  otherSshPublic = (await generateKeyPair()).publicKey;

  repo = await createFixtureRepo(join(root, "repos"), "signed");
  const pgpEnv = { GNUPGHOME: gnupg };
  const pgp = ["-c", `user.signingkey=${signer.fingerprint}`, "-c", "gpg.format=openpgp"];
  const ssh = ["-c", `user.signingkey=${keyPath}`, "-c", "gpg.format=ssh"];
  commits["unsigned"] = await repo.commit({ "a.txt": "0" }, "unsigned");
  await repo.tag("lightweight");
  await repo.tag("annotated-unsigned", "not signed");
  await repo.git([...pgp, "commit", "-q", "-S", "--allow-empty", "-m", "pgp signed"], pgpEnv);
  commits["pgp"] = await repo.git(["rev-parse", "HEAD"]);
  await repo.git([...pgp, "tag", "-s", "pgp-tag", "-m", "pgp tag"], pgpEnv);
  await repo.git([...ssh, "commit", "-q", "-S", "--allow-empty", "-m", "ssh signed"]);
  commits["ssh"] = await repo.git(["rev-parse", "HEAD"]);
  await repo.git([...ssh, "tag", "-s", "ssh-tag", "-m", "ssh tag"]);
}, 60_000);

afterAll(async () => {
  execFileSync("gpgconf", ["--homedir", gnupg, "--kill", "all"]);
  await rm(root, { recursive: true, force: true });
});

const keys = (): VerificationKeys =>
  verificationKeysFromSecretData({ "author.asc": pgpPublic, "author2.sshpub": Buffer.from(sshPublic) });

async function rejection(p: Promise<unknown>): Promise<SignatureVerificationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignatureVerificationError);
  return err as SignatureVerificationError;
}

describe("commit and tag signature verification", () => {
  it("splits secret keys by suffix, unknown suffixes as PGP", () => {
    expect(verificationKeysFromSecretData({ "a.asc": "A", "b.sshpub": "B", legacy: "C" })).toEqual({
      pgpKeyRings: ["A", "C"],
      sshAuthorizedKeys: ["B"],
    });
  });

  it("verifies a PGP-signed commit and reports the key ID", async () => {
    expect(await verifyCommitSignature(repo.work, commits["pgp"]!, keys())).toEqual({ type: "openpgp", key: pgpKeyId });
  });

  it("verifies an SSH-signed commit and reports the SHA256 fingerprint", async () => {
    expect(await verifyCommitSignature(repo.work, commits["ssh"]!, keys())).toEqual({
      type: "ssh",
      key: sshFingerprint,
    });
  });

  it("verifies signed tags", async () => {
    expect(await verifyTagSignature(repo.work, "pgp-tag", keys())).toEqual({ type: "openpgp", key: pgpKeyId });
    expect(await verifyTagSignature(repo.work, "ssh-tag", keys())).toEqual({ type: "ssh", key: sshFingerprint });
  });

  it("rejects signatures by untrusted keys", async () => {
    const pgp = await rejection(
      verifyCommitSignature(repo.work, commits["pgp"]!, { pgpKeyRings: [otherPgpPublic], sshAuthorizedKeys: [] }),
    );
    expect(pgp.reason).toBe("InvalidCommitSignature");
    expect(pgp.message).toMatch(
      new RegExp(`signature verification of commit '${commits["pgp"]}' failed: unable to verify payload`),
    );
    const ssh = await rejection(
      verifyCommitSignature(repo.work, commits["ssh"]!, { pgpKeyRings: [], sshAuthorizedKeys: [otherSshPublic] }),
    );
    expect(ssh.message).toMatch(/unable to verify payload with any of the given authorized keys/);
    const tag = await rejection(
      verifyTagSignature(repo.work, "ssh-tag", { pgpKeyRings: [], sshAuthorizedKeys: [otherSshPublic] }),
    );
    expect(tag.reason).toBe("InvalidTagSignature");
  });

  it("names the missing key type", async () => {
    const err = await rejection(
      verifyCommitSignature(repo.work, commits["ssh"]!, { pgpKeyRings: [pgpPublic], sshAuthorizedKeys: [] }),
    );
    expect(err.message).toMatch(
      /SSH signature detected but no SSH public keys found in secret \(keys with \.sshpub suffix\)/,
    );
  });

  it("rejects unsigned commits and unsigned or lightweight tags", async () => {
    const commit = await rejection(verifyCommitSignature(repo.work, commits["unsigned"]!, keys()));
    expect(commit.message).toMatch(/signature is empty/);
    const unsigned = await rejection(verifyTagSignature(repo.work, "annotated-unsigned", keys()));
    expect(unsigned).toMatchObject({ reason: "InvalidGitObject" });
    expect(unsigned.message).toMatch(/since it is not signed/);
    const light = await rejection(verifyTagSignature(repo.work, "lightweight", keys()));
    expect(light.reason).toBe("InvalidGitObject");
  });

  it("reports an unreadable key ring", async () => {
    const err = await rejection(
      verifyCommitSignature(repo.work, commits["pgp"]!, { pgpKeyRings: ["not a key"], sshAuthorizedKeys: [] }),
    );
    expect(err.reason).toBe("InvalidCommitSignature");
    // The repository's own file is untouched by verification.
    expect(await readFile(join(repo.work, "a.txt"), "utf8")).toBe("0");
  });

  it("verifies HEAD and tag in a shallow checkout served over HTTP (TagAndHEAD)", async () => {
    await repo.push();
    const server = await startGitHttpServer({ root: join(root, "repos") });
    try {
      const dir = join(root, "checkout-tag");
      const r = await checkout({ url: server.url("signed.git"), dir, reference: { tag: "pgp-tag" } });
      expect(r.tag).toBe("pgp-tag");
      expect(await verifyTagSignature(dir, r.tag!, keys())).toEqual({ type: "openpgp", key: pgpKeyId });
      expect(await verifyCommitSignature(dir, r.hash, keys())).toEqual({ type: "openpgp", key: pgpKeyId });
      const head = join(root, "checkout-head");
      const h = await checkout({ url: server.url("signed.git"), dir: head });
      expect(await verifyCommitSignature(head, h.hash, keys())).toEqual({ type: "ssh", key: sshFingerprint });
    } finally {
      await server.stop();
    }
  });
});
