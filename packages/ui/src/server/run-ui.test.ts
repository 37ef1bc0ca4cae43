import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseLogins, runUi } from "./run-ui.js";

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
}

describe("sluice-controller ui", () => {
  it("prints its usage for --help", async () => {
    const out = sink();
    expect(await runUi(["--help"], { stdout: out.stream })).toBe(0);
    expect(out.text()).toContain("--allowed-host");
    expect(out.text()).toContain("--logins-file");
  });

  it.each([
    [["--listen-address", "nowhere"], 'invalid address "nowhere"'],
    [["--log-level", "loud"], "loud"],
    [["--bogus"], "bogus"],
    [["--oidc-issuer-url", "https://idp.example.com"], "--oidc-issuer-url needs --oidc-client-id"],
  ])("exits 2 for %j with a message naming the flag", async (argv, message) => {
    const err = sink();
    expect(await runUi(argv, { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain(message);
  });

  it("reads logins and refuses bad entries naming the file, entry and field", () => {
    expect(
      parseLogins(
        "- {token: aaaaaaaaaaaaaaaaaaaa, user: alice, groups: [ops], canAct: true}\n- {token: bbbbbbbbbbbbbbbbbb, user: bob}",
        "f.yaml",
      ),
    ).toEqual([
      { token: "aaaaaaaaaaaaaaaaaaaa", name: "alice", groups: ["ops"], canAct: true },
      { token: "bbbbbbbbbbbbbbbbbb", name: "bob", groups: [], canAct: false },
    ]);
    expect(() => parseLogins("- {token: short, user: a}", "f.yaml")).toThrow("f.yaml: login 1: token");
    expect(() => parseLogins("- {token: aaaaaaaaaaaaaaaaaaaa}", "f.yaml")).toThrow("f.yaml: login 1: user");
    expect(() => parseLogins("a: b", "f.yaml")).toThrow("want a YAML list");
  });
});
