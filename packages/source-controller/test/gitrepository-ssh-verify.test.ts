// The GitRepository controller over SSH (a throwaway sshd, identity and known_hosts from the secretRef) and
// with `spec.verify` (SSH-signed commits checked against the keys of a Secret).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createFixtureRepo,
  type FixtureRepo,
  type GitHttpServer,
  generateKeyPair,
  hasSshd,
  SSHD_PATH,
  type SshKeyPair,
  startGitHttpServer,
  startSshd,
  type TestSshd,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControllerEnv,
  conditionOf,
  createGitRepository,
  createSecret,
  isReadyNow,
  kubeEventsFor,
  startControllerEnv,
  waitForGitRepository,
} from "./support/controller-env.js";

const NS = "flux-ssh";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let sshd: TestSshd;
let http: GitHttpServer;
let userKey: SshKeyPair;
let signingKey: SshKeyPair;
let repo: FixtureRepo;
let signed: FixtureRepo;
let signedHead: string;

beforeAll(async () => {
  if (!hasSshd()) throw new Error(`${SSHD_PATH} is missing: install openssh-server (scripts/setup.sh does)`);
  root = await tempDir("sc-gitrepo-ssh-");
  userKey = await generateKeyPair();
  signingKey = await generateKeyPair();
  repo = await createFixtureRepo(join(root.path, "repos"), "app");
  await repo.commit({ "deploy/app.yaml": "kind: ConfigMap\n" }, "over ssh");
  await repo.push();

  // A repository whose master is SSH-signed, and one branch with an unsigned head.
  signed = await createFixtureRepo(join(root.path, "repos"), "signed");
  const keyPath = join(root.path, "signing_key");
  await writeFile(keyPath, signingKey.privateKey, { mode: 0o600 });
  await writeFile(`${keyPath}.pub`, `${signingKey.publicKey}\n`);
  await signed.commit({ "a.yaml": "a: 1\n" }, "unsigned base");
  await signed.git([
    "-c",
    `user.signingkey=${keyPath}`,
    "-c",
    "gpg.format=ssh",
    "commit",
    "-q",
    "-S",
    "--allow-empty",
    "-m",
    "signed head",
  ]);
  signedHead = await signed.git(["rev-parse", "HEAD"]);
  await signed.branch("unsigned");
  await signed.commit({ "b.yaml": "b: 1\n" }, "unsigned head");
  await signed.git(["checkout", "-q", "master"]);
  await signed.push();

  sshd = await startSshd({ authorizedKeys: [userKey.publicKey] });
  http = await startGitHttpServer({ root: join(root.path, "repos") });
  env = await startControllerEnv(root.path, NS);
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await sshd?.stop();
  await http?.stop();
  await root?.remove();
});

describe("GitRepository over SSH", () => {
  it("clones with the identity and known_hosts of the secretRef", async () => {
    const head = await repo.git(["rev-parse", "HEAD"]);
    await createSecret(env, "ssh-auth", { identity: userKey.privateKey, known_hosts: sshd.knownHosts });
    await createGitRepository(env, "over-ssh", { url: sshd.url(repo.bare), secretRef: { name: "ssh-auth" } });
    const obj = await waitForGitRepository(env, "over-ssh", isReadyNow, "Ready");
    expect(obj.status?.artifact?.revision).toBe(`master@sha1:${head}`);
  });

  it("refuses an unknown host key with AuthenticationFailed, without leaking the identity", async () => {
    const impostor = (await generateKeyPair()).publicKey.split(" ").slice(0, 2).join(" ");
    const knownHosts = `${sshd.knownHosts.split(" ")[0]} ${impostor}\n`;
    await createSecret(env, "ssh-wrong-host", { identity: userKey.privateKey, known_hosts: knownHosts });
    await createGitRepository(env, "wrong-host", { url: sshd.url(repo.bare), secretRef: { name: "ssh-wrong-host" } });
    const obj = await waitForGitRepository(
      env,
      "wrong-host",
      (o) => conditionOf(o, "Ready")?.status === "False",
      "Ready=False",
    );
    const ready = conditionOf(obj, "Ready");
    expect(ready?.reason).toBe("AuthenticationFailed");
    expect(ready?.message).toMatch(/host key/i);
    const keyBody = userKey.privateKey.split("\n")[1] ?? "";
    expect(keyBody.length).toBeGreaterThan(20);
    const everything = JSON.stringify([obj, await kubeEventsFor(env, "wrong-host"), env.sink.events]);
    expect(everything).not.toContain(keyBody);
  });

  it("reports a secret without known_hosts as AuthenticationFailed naming the missing key", async () => {
    await createSecret(env, "ssh-no-known-hosts", { identity: userKey.privateKey });
    await createGitRepository(env, "no-known-hosts", {
      url: sshd.url(repo.bare),
      secretRef: { name: "ssh-no-known-hosts" },
    });
    const obj = await waitForGitRepository(
      env,
      "no-known-hosts",
      (o) => conditionOf(o, "Ready")?.status === "False",
      "Ready=False",
    );
    expect(conditionOf(obj, "Ready")?.reason).toBe("AuthenticationFailed");
    expect(conditionOf(obj, "Ready")?.message).toContain("'known_hosts' is required");
  });
});

describe("GitRepository spec.verify", () => {
  it("marks SourceVerified=True for a commit signed by a trusted SSH key", async () => {
    await createSecret(env, "trusted-keys", { "signer.sshpub": signingKey.publicKey });
    await createGitRepository(env, "verified", {
      url: http.url("signed.git"),
      verify: { mode: "HEAD", secretRef: { name: "trusted-keys" } },
    });
    const obj = await waitForGitRepository(env, "verified", isReadyNow, "Ready");
    expect(obj.status?.artifact?.revision).toBe(`master@sha1:${signedHead}`);
    const verified = conditionOf(obj, "SourceVerified");
    expect(verified).toMatchObject({ status: "True", reason: "Succeeded" });
    expect(verified?.message).toContain(`verified signature of\n\t- commit '${signedHead}' with key 'SHA256:`);
    expect(obj.status?.sourceVerificationMode).toBe("HEAD");
  });

  it("fails Ready with SourceVerified=False for an unsigned head and stores no artifact", async () => {
    await createGitRepository(env, "unverified", {
      url: http.url("signed.git"),
      ref: { branch: "unsigned" },
      verify: { mode: "HEAD", secretRef: { name: "trusted-keys" } },
    });
    const obj = await waitForGitRepository(
      env,
      "unverified",
      (o) => conditionOf(o, "SourceVerified")?.status === "False",
      "SourceVerified=False",
    );
    expect(conditionOf(obj, "SourceVerified")?.reason).toBe("InvalidCommitSignature");
    expect(conditionOf(obj, "Ready")).toMatchObject({ status: "False", reason: "InvalidCommitSignature" });
    expect(conditionOf(obj, "Ready")?.message).toContain("signature verification of commit");
    expect(obj.status?.artifact).toBeUndefined();
  });
});
