// Commit signing for the image-automation-controller (`git.commit.signingKey`): an OpenPGP key (`git.asc`,
// optional `passphrase`) imported into a private GNUPGHOME, or an SSH key (`identity`), in a 0700 temporary
// directory removed afterwards. git reaches the key through `-c` settings naming files (gpg.program is a
// wrapper pointing gpg at that home and reading the passphrase from a 0600 file); no key material or
// passphrase is ever a process argument.

import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A signing key as read from the automation's `signingKey.secretRef`. */
export type CommitSigningKey =
  | { type: "gpg"; armoredKey: string; passphrase?: string | undefined }
  | { type: "ssh"; privateKey: string };

/** A key the signer cannot use; the message says why (never the key). */
export class SigningKeyError extends Error {
  override readonly name = "SigningKeyError";
}

/** git arguments (`-c …` settings) that make `git commit -S` sign with a prepared key, and its cleanup. */
export interface PreparedSigning {
  configArgs: string[];
  cleanup(): Promise<void>;
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new SigningKeyError(
            `${cmd} ${args[args.length - 1] === "--import" ? "--import" : (args[0] ?? "")}: ${stderr.trim() || err.message}`,
          ),
        );
      else resolve(stdout);
    });
    child.stdin?.end(input ?? "");
  });
}

const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** Prepares `key` for signing; throws {@link SigningKeyError} when the key can't be imported or used. */
export async function prepareSigning(key: CommitSigningKey): Promise<PreparedSigning> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-sign-"));
  await chmod(dir, 0o700);
  const cleanup = async () => {
    if (key.type === "gpg") await run("gpgconf", ["--homedir", join(dir, "gnupg"), "--kill", "all"]).catch(() => "");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (key.type === "ssh") {
      const path = join(dir, "signing-key");
      await writeFile(path, key.privateKey.endsWith("\n") ? key.privateKey : `${key.privateKey}\n`, { mode: 0o600 });
      return { configArgs: ["-c", "gpg.format=ssh", "-c", `user.signingkey=${path}`], cleanup };
    }
    const home = join(dir, "gnupg");
    await mkdir(home, { mode: 0o700 });
    await writeFile(join(home, "gpg-agent.conf"), "allow-loopback-pinentry\n", { mode: 0o600 });
    await run("gpg", ["--homedir", home, "--batch", "--import"], key.armoredKey).catch((err: unknown) => {
      throw new SigningKeyError(`unable to import the signing key: ${(err as Error).message.split("\n")[0]}`);
    });
    const listing = await run("gpg", ["--homedir", home, "--batch", "--with-colons", "--list-secret-keys"]);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)?.[1];
    if (!fingerprint) throw new SigningKeyError("the signing key holds no secret key");
    const passFile = join(dir, "passphrase");
    await writeFile(passFile, key.passphrase ?? "", { mode: 0o600 });
    const wrapper = join(dir, "gpg-sign.sh");
    await writeFile(
      wrapper,
      `#!/bin/sh\nexec gpg --homedir ${quote(home)} --batch --pinentry-mode loopback --passphrase-file ${quote(passFile)} "$@"\n`,
      { mode: 0o700 },
    );
    return {
      configArgs: ["-c", "gpg.format=openpgp", "-c", `gpg.program=${wrapper}`, "-c", `user.signingkey=${fingerprint}`],
      cleanup,
    };
  } catch (err: unknown) {
    await cleanup();
    throw err;
  }
}
