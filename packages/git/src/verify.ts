// Signature verification of checked-out commits and tags (GitRepository `spec.verify`) with git's own
// `verify-commit` / `verify-tag`: PGP signatures against the Secret's `*.asc` key rings (imported into a
// throwaway GNUPGHOME), SSH signatures against its `*.sshpub` keys (a temporary allowed-signers file).

import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { inheritedEnvironment } from "./git-env.js";

/** Secret data key suffix of PGP public key rings. */
export const PUBLIC_KEY_PGP_SUFFIX = ".asc";
/** Secret data key suffix of SSH public keys (authorized_keys format). */
export const PUBLIC_KEY_SSH_SUFFIX = ".sshpub";

/** Public keys trusted for verification. */
export interface VerificationKeys {
  /** Armored PGP public key rings. */
  pgpKeyRings: string[];
  /** SSH public keys in authorized_keys format (one or more lines each). */
  sshAuthorizedKeys: string[];
}

/** What a successful verification found. */
export interface SignatureVerification {
  type: "openpgp" | "ssh";
  /** The PGP key ID of the signing key's primary key (`5982D0279C227FFD`) or the SSH key's `SHA256:` fingerprint. */
  key: string;
}

/** Condition reasons of `SourceVerified=False` (Flux's names). */
export const VerificationReason = {
  InvalidCommitSignature: "InvalidCommitSignature",
  InvalidTagSignature: "InvalidTagSignature",
  InvalidGitObject: "InvalidGitObject",
} as const;

/** Verification failed; `reason` is the `SourceVerified=False` reason. */
export class SignatureVerificationError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = "SignatureVerificationError";
  }
}

/**
 * Splits a verification Secret's data into PGP key rings (`*.asc`, and, as Flux does for backward
 * compatibility, any key without a known suffix) and SSH public keys (`*.sshpub`).
 */
export function verificationKeysFromSecretData(data: Readonly<Record<string, string | Uint8Array>>): VerificationKeys {
  const keys: VerificationKeys = { pgpKeyRings: [], sshAuthorizedKeys: [] };
  for (const name of Object.keys(data).sort()) {
    const raw = data[name] as string | Uint8Array;
    const value = typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");
    if (name.endsWith(PUBLIC_KEY_SSH_SUFFIX)) keys.sshAuthorizedKeys.push(value);
    else keys.pgpKeyRings.push(value);
  }
  return keys;
}

/** Which signature a raw Git object carries. */
export function signatureType(rawObject: string): "openpgp" | "ssh" | "x509" | undefined {
  if (rawObject.includes("-----BEGIN PGP SIGNATURE-----")) return "openpgp";
  if (rawObject.includes("-----BEGIN SSH SIGNATURE-----")) return "ssh";
  if (rawObject.includes("-----BEGIN SIGNED MESSAGE-----")) return "x509";
  return undefined;
}

/**
 * Verifies the signature of `commit` in the repository at `dir`. Throws {@link SignatureVerificationError}
 * (reason `InvalidCommitSignature`) naming the commit and the cause.
 */
export async function verifyCommitSignature(
  dir: string,
  commit: string,
  keys: VerificationKeys,
): Promise<SignatureVerification> {
  const fail = (cause: string) =>
    new SignatureVerificationError(
      `signature verification of commit '${commit}' failed: ${cause}`,
      VerificationReason.InvalidCommitSignature,
    );
  const raw = await catFile(dir, "commit", commit).catch((err: unknown) => {
    throw fail(`unable to read commit: ${(err as Error).message}`);
  });
  return verifyObject(dir, raw, ["verify-commit", "--raw", commit], keys, fail);
}

/**
 * Verifies the signature of the annotated tag `tag` in the repository at `dir`. Throws
 * {@link SignatureVerificationError}: `InvalidGitObject` when the tag is lightweight or unsigned,
 * `InvalidTagSignature` when the signature does not verify.
 */
export async function verifyTagSignature(
  dir: string,
  tag: string,
  keys: VerificationKeys,
): Promise<SignatureVerification> {
  const ref = `refs/tags/${tag}`;
  const type = (await git(dir, ["cat-file", "-t", ref], {}).catch(() => "")).trim();
  if (type !== "tag") {
    throw new SignatureVerificationError(
      `cannot verify signature of tag '${tag}' since it is not an annotated tag`,
      VerificationReason.InvalidGitObject,
    );
  }
  const raw = await catFile(dir, "tag", ref);
  if (signatureType(raw) === undefined) {
    throw new SignatureVerificationError(
      `cannot verify signature of tag '${tag}' since it is not signed`,
      VerificationReason.InvalidGitObject,
    );
  }
  const fail = (cause: string) =>
    new SignatureVerificationError(
      `signature verification of tag '${tag}' failed: ${cause}`,
      VerificationReason.InvalidTagSignature,
    );
  return verifyObject(dir, raw, ["verify-tag", "--raw", ref], keys, fail);
}

async function verifyObject(
  dir: string,
  raw: string,
  args: string[],
  keys: VerificationKeys,
  fail: (cause: string) => SignatureVerificationError,
): Promise<SignatureVerification> {
  const type = signatureType(raw);
  if (type === undefined) throw fail("unable to verify payload: signature is empty");
  if (type === "x509") throw fail("unsupported signature type: x509");
  const home = await mkdtemp(join(tmpdir(), "sluice-verify-"));
  try {
    await chmod(home, 0o700);
    if (type === "openpgp") {
      if (keys.pgpKeyRings.length === 0) {
        throw fail(
          `PGP signature detected but no PGP public keys found in secret (keys with ${PUBLIC_KEY_PGP_SUFFIX} suffix)`,
        );
      }
      for (const ring of keys.pgpKeyRings) {
        await importKeyRing(home, ring).catch((err: unknown) => {
          throw fail((err as Error).message);
        });
      }
      const out = await runVerify(dir, args, { GNUPGHOME: home }, []).catch((err: unknown) => {
        throw fail(gpgFailure((err as Error).message));
      });
      // `VALIDSIG <sig fpr> … <primary key fpr>`: the key ID is the primary key's last 16 hex digits.
      const valid = /\[GNUPG:\] VALIDSIG (.+)$/m.exec(out)?.[1]?.trim().split(/\s+/);
      const primary = valid?.[valid.length - 1] ?? "";
      return { type, key: primary.slice(-16).toUpperCase() };
    }
    if (keys.sshAuthorizedKeys.length === 0) {
      throw fail(
        `SSH signature detected but no SSH public keys found in secret (keys with ${PUBLIC_KEY_SSH_SUFFIX} suffix)`,
      );
    }
    const signers = keys.sshAuthorizedKeys
      .flatMap((k) => k.split("\n"))
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => `* namespaces="git" ${l}`);
    const allowed = join(home, "allowed_signers");
    await writeFile(allowed, `${signers.join("\n")}\n`, { mode: 0o600 });
    const out = await runVerify(dir, args, {}, [["gpg.ssh.allowedSignersFile", allowed]]).catch((err: unknown) => {
      throw fail(sshFailure((err as Error).message));
    });
    const fingerprint = /key (SHA256:[A-Za-z0-9+/=]+)/.exec(out)?.[1] ?? "";
    return { type, key: fingerprint };
  } finally {
    await stopAgent(home);
    await rm(home, { recursive: true, force: true });
  }
}

function gpgFailure(output: string): string {
  if (/NO_PUBKEY|No public key/i.test(output)) return "unable to verify payload with any of the given key rings";
  if (/BADSIG|BAD signature/i.test(output)) return "bad signature";
  if (/EXPKEYSIG|REVKEYSIG/i.test(output)) return "signing key is expired or revoked";
  return firstLine(output);
}

function sshFailure(output: string): string {
  if (/No principal matched|Could not verify signature|not in allowed signers/i.test(output)) {
    return "unable to verify payload with any of the given authorized keys";
  }
  return firstLine(output);
}

function firstLine(output: string): string {
  return (
    output
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "" && !l.startsWith("[GNUPG:]")) ?? "signature verification failed"
  );
}

function baseEnv(extra: Record<string, string>, config: [string, string][]): Record<string, string> {
  const env = inheritedEnvironment(["GNUPGHOME"]);
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C", LANG: "C" }, extra);
  env["GIT_CONFIG_COUNT"] = String(config.length);
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

function git(
  dir: string,
  args: string[],
  extra: Record<string, string>,
  config: [string, string][] = [],
): Promise<string> {
  return simpleGit({
    baseDir: dir,
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeConfigPaths: true },
  })
    .env(baseEnv(extra, config))
    .raw(args);
}

/** Runs a verify command; git prints the verification details on stderr, so both streams are returned. */
function runVerify(
  dir: string,
  args: string[],
  extra: Record<string, string>,
  config: [string, string][],
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd: dir, env: baseEnv(extra, config), timeout: 30_000 }, (err, stdout, stderr) => {
      const out = `${stdout}\n${stderr}`;
      if (err) reject(new Error(out.trim() || err.message));
      else resolve(out);
    });
  });
}

async function catFile(dir: string, type: string, object: string): Promise<string> {
  return git(dir, ["cat-file", type, object], {});
}

function importKeyRing(home: string, armored: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "gpg",
      ["--homedir", home, "--batch", "--no-tty", "--quiet", "--import"],
      { timeout: 30_000 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`unable to read key ring: ${stderr.trim() || err.message}`)) : resolve(),
    );
    child.stdin?.end(armored);
  });
}

function stopAgent(home: string): Promise<void> {
  return new Promise((resolve) => {
    execFile("gpgconf", ["--homedir", home, "--kill", "all"], { timeout: 10_000 }, () => resolve());
  });
}
