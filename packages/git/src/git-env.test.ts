import { readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyGitOutput, GitErrorKind, summarizeGitOutput } from "./errors.js";
import { prepareGitEnvironment, shellQuote } from "./git-env.js";
import { parseLsRemote, parseSemverRange, parseTagVersion, pickSemverTag } from "./remote-refs.js";
import { parseGitUrl, redactSecrets, redactUrl } from "./url.js";

function configOf(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < Number(env["GIT_CONFIG_COUNT"]); i++)
    out[env[`GIT_CONFIG_KEY_${i}`]!] = env[`GIT_CONFIG_VALUE_${i}`]!;
  return out;
}

describe("prepareGitEnvironment", () => {
  it("scopes HTTP credentials and TLS files to the remote's origin", async () => {
    const url = parseGitUrl("https://git.example.com:8443/org/repo.git");
    const env = await prepareGitEnvironment(url, {
      username: "u",
      password: "pw",
      caCert: "CA",
      clientCert: "C",
      clientKey: "K",
    });
    try {
      const config = configOf(env.env);
      expect(config["http.https://git.example.com:8443/.extraHeader"]).toBe(
        `Authorization: Basic ${Buffer.from("u:pw").toString("base64")}`,
      );
      const ca = config["http.https://git.example.com:8443/.sslCAInfo"]!;
      expect(await readFile(ca, "utf8")).toBe("CA\n");
      expect((await stat(ca)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(ca))).mode & 0o777).toBe(0o700);
      expect(config["credential.helper"]).toBe("");
      expect(env.env["GIT_TERMINAL_PROMPT"]).toBe("0");
      expect(env.env["GIT_CONFIG_NOSYSTEM"]).toBe("1");
      expect(env.secrets).toContain("pw");
      await env.cleanup();
      await expect(stat(dirname(ca))).rejects.toThrow(/ENOENT/);
    } finally {
      await env.cleanup();
    }
  });

  it("builds a strict ssh command with key and known_hosts files, never the secrets themselves", async () => {
    const env = await prepareGitEnvironment(parseGitUrl("ssh://git@h:2222/r.git"), {
      identity: "PRIVATE KEY",
      knownHosts: "[h]:2222 ssh-ed25519 AAAA",
      password: "passphrase!",
    });
    try {
      const cmd = env.env["GIT_SSH_COMMAND"]!;
      expect(cmd).toMatch(/StrictHostKeyChecking=yes/);
      expect(cmd).toMatch(/IdentitiesOnly=yes/);
      expect(cmd).not.toContain("PRIVATE KEY");
      expect(cmd).not.toContain("passphrase!");
      const key = /-i '([^']+)'/.exec(cmd)?.[1] as string;
      expect(await readFile(key, "utf8")).toBe("PRIVATE KEY\n");
      expect((await stat(key)).mode & 0o777).toBe(0o600);
      expect(env.env["SSH_ASKPASS_REQUIRE"]).toBe("force");
      expect(JSON.stringify(env.env)).not.toContain("passphrase!");
    } finally {
      await env.cleanup();
    }
  });

  it("does not inherit git or askpass variables from the parent", async () => {
    process.env["GIT_ASKPASS"] = "/bin/evil";
    process.env["GIT_DIR"] = "/elsewhere";
    try {
      const env = await prepareGitEnvironment(parseGitUrl("https://h/r.git"), undefined);
      expect(env.env["GIT_ASKPASS"]).toBeUndefined();
      expect(env.env["GIT_DIR"]).toBeUndefined();
      await env.cleanup();
    } finally {
      delete process.env["GIT_ASKPASS"];
      delete process.env["GIT_DIR"];
    }
  });

  it("drops EDITOR, PAGER and VISUAL, which git could be told to run (npx sets EDITOR)", async () => {
    const saved = { EDITOR: process.env["EDITOR"], PAGER: process.env["PAGER"], VISUAL: process.env["VISUAL"] };
    Object.assign(process.env, { EDITOR: "vi", PAGER: "less", VISUAL: "vim" });
    try {
      const env = await prepareGitEnvironment(parseGitUrl("https://h/r.git"), undefined);
      expect(Object.keys(env.env).filter((k) => /^(EDITOR|PAGER|VISUAL)$/.test(k))).toEqual([]);
      expect(env.env["PATH"]).toBe(process.env["PATH"]);
      await env.cleanup();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("quotes for the shell", () => {
    expect(shellQuote("/tmp/a b/it's")).toBe(`'/tmp/a b/it'\\''s'`);
  });
});

describe("URLs and redaction", () => {
  it("strips HTTP credentials from the URL git sees and keeps the SSH user", () => {
    expect(parseGitUrl("https://u:p%40ss@h/r.git")).toMatchObject({
      url: "https://h/r.git",
      embedded: { username: "u", password: "p@ss" },
      origin: "https://h/",
    });
    expect(parseGitUrl("ssh://git@h:22/r.git").url).toBe("ssh://git@h:22/r.git");
    expect(redactUrl("https://u:p@h/r.git")).toBe("https://h/r.git");
    expect(redactSecrets("fatal: https://u:pw@h/x failed with tok123", ["tok123"])).toBe(
      "fatal: https://***@h/x failed with ***",
    );
  });
});

describe("git output classification", () => {
  it.each([
    ["fatal: Authentication failed for 'https://h/r.git/'", GitErrorKind.Authentication],
    ["git@h: Permission denied (publickey).", GitErrorKind.Authentication],
    ["Host key verification failed.", GitErrorKind.HostKey],
    ["fatal: unable to access 'https://h/': SSL certificate problem: self-signed certificate", GitErrorKind.Tls],
    ["fatal: Remote branch nope not found in upstream origin", GitErrorKind.ReferenceNotFound],
    ["fatal: couldn't find remote ref refs/tags/x", GitErrorKind.ReferenceNotFound],
    ["fatal: repository 'https://h/r.git/' not found", GitErrorKind.RepositoryNotFound],
    ["fatal: unable to access 'http://127.0.0.1:1/': Failed to connect to 127.0.0.1 port 1", GitErrorKind.Network],
    ["something odd", GitErrorKind.Unknown],
  ])("%s → %s", (output, kind) => {
    expect(classifyGitOutput(output)).toBe(kind);
  });

  it("summarises to the fatal lines", () => {
    expect(summarizeGitOutput("Cloning into 'x'...\nhint: foo\nfatal: repository 'h' not found\n")).toBe(
      "repository 'h' not found",
    );
  });
});

describe("remote references and semver", () => {
  it("parses ls-remote output and peels annotated tags", () => {
    const a = "a".repeat(40);
    const b = "b".repeat(40);
    const refs = parseLsRemote(`${a}\trefs/heads/main\n${b}\trefs/tags/v1\n${a}\trefs/tags/v1^{}\n`);
    expect(refs.get("refs/tags/v1")).toEqual({ name: "refs/tags/v1", hash: b, peeled: a });
    expect(refs.get("refs/heads/main")).toEqual({ name: "refs/heads/main", hash: a });
  });

  it("parses tag versions like Flux (v prefix, missing parts)", () => {
    expect(parseTagVersion("v1.2")?.version).toBe("1.2.0");
    expect(parseTagVersion("1")?.version).toBe("1.0.0");
    expect(parseTagVersion("release-1")).toBeUndefined();
  });

  it.each([
    [["v1.0.0", "v1.2.0", "v2.0.0", "latest"], ">=1.0.0 <2.0.0", "v1.2.0"],
    [["1.0.0", "1.1.0-rc.1"], "*", "1.0.0"],
    [["1.0.0", "1.1.0-rc.1"], ">=1.1.0-rc.0", "1.1.0-rc.1"],
    [["1.0.0+build.1", "1.0.0+build.2"], "1.0.0", "1.0.0+build.2"],
    [["v0.1.0"], ">=1.0.0", undefined],
  ])("picks from %j with %j → %j", (tags, range, expected) => {
    expect(pickSemverTag(tags, parseSemverRange(range, "u"))).toBe(expected);
  });
});
