import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createFixtureRepo,
  createTestPki,
  type GitHttpServer,
  startGitHttpServer,
  type TestPki,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFromSecretData } from "./auth.js";
import { checkout } from "./checkout.js";
import { GitError, GitErrorKind } from "./errors.js";
import type { CheckoutOptions } from "./types.js";

const PASSWORD = "s3cr3t-Pa55word-xyz";
const TOKEN = "tok-0123456789abcdef";

let root: string;
let removeRoot: () => Promise<void>;
let pki: TestPki;
let head: string;
const servers: Record<string, GitHttpServer> = {};
let n = 0;

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
  const d = await tempDir("sc-git-auth-");
  root = d.path;
  removeRoot = d.remove;
  const repo = await createFixtureRepo(join(root, "repos"), "app");
  head = await repo.commit({ "app.yaml": "x: 1\n" });
  await repo.push();
  pki = createTestPki();
  const repos = join(root, "repos");
  servers["basic"] = await startGitHttpServer({
    root: repos,
    auth: { type: "basic", username: "flux", password: PASSWORD },
  });
  servers["bearer"] = await startGitHttpServer({ root: repos, auth: { type: "bearer", token: TOKEN } });
  servers["https"] = await startGitHttpServer({ root: repos, tls: { key: pki.serverKey, cert: pki.serverCert } });
  servers["mtls"] = await startGitHttpServer({
    root: repos,
    tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true },
  });
  servers["slowBasic"] = await startGitHttpServer({
    root: repos,
    auth: { type: "basic", username: "flux", password: PASSWORD },
    delayMs: 1_500,
  });
});

afterAll(async () => {
  for (const s of Object.values(servers)) await s.stop();
  await removeRoot?.();
});

function expectNoSecret(err: GitError): void {
  for (const secret of [PASSWORD, TOKEN, Buffer.from(`flux:${PASSWORD}`).toString("base64")]) {
    expect(err.message).not.toContain(secret);
    expect(String(err.stack)).not.toContain(secret);
  }
}

describe("HTTPS basic and bearer authentication", () => {
  it("authenticates with username/password from the secret", async () => {
    const auth = authFromSecretData(servers["basic"]!.url("app.git"), { username: "flux", password: PASSWORD });
    const r = await co({ url: servers["basic"]!.url("app.git"), auth });
    expect(r.revision).toBe(`master@sha1:${head}`);
  });

  it("rejects a wrong password as AuthenticationFailed without leaking it", async () => {
    const err = await failure({
      url: servers["basic"]!.url("app.git"),
      auth: { username: "flux", password: "wrong-pass" },
    });
    expect(err.kind).toBe(GitErrorKind.Authentication);
    expect(err.reason).toBe("AuthenticationFailed");
    expect(err.message).toContain(`unable to clone '${servers["basic"]!.url("app.git")}'`);
    expect(err.message).toMatch(/rejected the configured credentials/);
    expect(err.message).not.toContain("wrong-pass");
  });

  it("says credentials are required when none are configured", async () => {
    const err = await failure({ url: servers["basic"]!.url("app.git") });
    expect(err.kind).toBe(GitErrorKind.Authentication);
    expect(err.message).toMatch(/none are configured/);
  });

  it("uses credentials embedded in the URL but never names them", async () => {
    const base = servers["basic"]!.url("app.git");
    const withCreds = base.replace("http://", `http://flux:${PASSWORD}@`);
    const r = await co({ url: withCreds });
    expect(r.revision).toBe(`master@sha1:${head}`);
    const err = await failure({
      url: base.replace("http://", `http://flux:${PASSWORD}@`),
      reference: { branch: "nope" },
    });
    expect(err.message).toContain(`'${base}'`);
    expectNoSecret(err);
  });

  it("authenticates with a bearer token, which takes precedence over basic auth", async () => {
    const url = servers["bearer"]!.url("app.git");
    const auth = authFromSecretData(url, { bearerToken: TOKEN, username: "ignored", password: "ignored" });
    expect(auth).toEqual({ bearerToken: TOKEN });
    expect((await co({ url, auth })).revision).toBe(`master@sha1:${head}`);
    expect(servers["bearer"]!.requests.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    const err = await failure({ url, auth: { bearerToken: "bad-token-value" } });
    expect(err.kind).toBe(GitErrorKind.Authentication);
    expect(err.message).not.toContain("bad-token-value");
  });

  it("never passes credentials in process arguments", async () => {
    const server = servers["slowBasic"]!;
    server.reset();
    const pending = co({ url: server.url("app.git"), auth: { username: "flux", password: PASSWORD } });
    // While the server holds the first request, git and its remote helper are running: read every
    // process's command line.
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    const basic = Buffer.from(`flux:${PASSWORD}`).toString("base64");
    let sawGit = false;
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmdline.includes(server.url("app.git"))) sawGit = true;
      expect(cmdline).not.toContain(PASSWORD);
      expect(cmdline).not.toContain(basic);
    }
    expect(sawGit).toBe(true);
    expect((await pending).revision).toBe(`master@sha1:${head}`);
  });
});

describe("HTTPS with a private CA and client certificates", () => {
  it("trusts the CA from ca.crt", async () => {
    const url = servers["https"]!.url("app.git");
    const r = await co({ url, auth: authFromSecretData(url, { "ca.crt": pki.caCert }) });
    expect(r.revision).toBe(`master@sha1:${head}`);
  });

  it("fails certificate verification without the CA", async () => {
    const err = await failure({ url: servers["https"]!.url("app.git") });
    expect(err.kind).toBe(GitErrorKind.Tls);
    expect(err.reason).toBe("GitOperationFailed");
    expect(err.message).toMatch(/certificate/i);
  });

  it("presents tls.crt/tls.key to a server requiring client certificates", async () => {
    const url = servers["mtls"]!.url("app.git");
    const auth = authFromSecretData(url, { "ca.crt": pki.caCert, "tls.crt": pki.clientCert, "tls.key": pki.clientKey });
    expect((await co({ url, auth })).revision).toBe(`master@sha1:${head}`);
    const err = await failure({ url, auth: { caCert: pki.caCert } });
    // The server aborts the handshake: git sees a TLS alert or, depending on timing, a dropped connection.
    expect([GitErrorKind.Tls, GitErrorKind.Network], err.message).toContain(err.kind);
  });
});

describe("authFromSecretData", () => {
  it.each([
    ["https://h/r.git", { password: "p" }, /'password' requires 'username'/],
    ["ssh://git@h/r.git", { known_hosts: "h ssh-ed25519 AAAA" }, /'identity' is required/],
    ["ssh://git@h/r.git", { identity: "KEY" }, /'known_hosts' is required/],
    ["https://h/r.git", { "tls.crt": "CERT" }, /must be set together/],
  ])("rejects %s with %j", (url, data, message) => {
    let err: unknown;
    try {
      authFromSecretData(url, data);
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).reason).toBe("AuthenticationFailed");
    expect((err as GitError).message).toMatch(message);
  });

  it("reads SSH keys, caFile and binary values", () => {
    expect(
      authFromSecretData("ssh://git@h/r.git", {
        identity: Buffer.from("KEY"),
        known_hosts: "KH",
        password: "pass",
        username: "ignored",
      }),
    ).toEqual({ identity: "KEY", knownHosts: "KH", password: "pass" });
    expect(authFromSecretData("https://h/r.git", { caFile: "CA" })).toEqual({ caCert: "CA" });
    expect(authFromSecretData("https://u:p@h/r.git", undefined)).toEqual({ username: "u", password: "p" });
  });
});
