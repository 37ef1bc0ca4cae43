import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, parseLogEncoding, parseLogLevel, reconcileLogger } from "./logger.js";
import { REDACTED, redactText } from "./redact.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
  json(): Array<Record<string, unknown>> {
    return this.text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const SECRET_VALUES = [
  "c3VwZXJzZWNyZXQ=",
  "hunter2",
  "ghp_abcdef123456",
  "eyJhbGciOi.payload.sig",
  "p4ss",
  "PRIVATEKEYDATA",
];

describe("createLogger", () => {
  it("writes JSON lines with level, ts, msg and fields, filtered by level", async () => {
    const out = new Capture();
    const log = await createLogger({ level: "info", destination: out });
    log.debug("hidden");
    log.info({ revision: "main@sha1:abc" }, "stored artifact");
    log.error("failed");
    const lines = out.json();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: "info", msg: "stored artifact", revision: "main@sha1:abc" });
    expect(typeof lines[0]?.["ts"]).toBe("string");
    expect(lines[0]).not.toHaveProperty("pid");
    expect(lines[1]).toMatchObject({ level: "error", msg: "failed" });
  });

  it("child loggers carry Flux's keys: controller, controllerGroup, controllerKind, <Kind>, namespace, name, reconcileID", async () => {
    const out = new Capture();
    const log = reconcileLogger(await createLogger({ destination: out }), {
      controller: "gitrepository",
      kind: "GitRepository",
      group: "source.toolkit.fluxcd.io",
      namespace: "flux-system",
      name: "podinfo",
      reconcileID: "7b0c",
    });
    log.info("reconciling");
    expect(out.json()[0]).toMatchObject({
      controller: "gitrepository",
      controllerGroup: "source.toolkit.fluxcd.io",
      controllerKind: "GitRepository",
      namespace: "flux-system",
      name: "podinfo",
      reconcileID: "7b0c",
      GitRepository: { name: "podinfo", namespace: "flux-system" },
      msg: "reconciling",
    });
  });

  it("never writes Secret data, passwords, tokens, bearer headers or URL credentials", async () => {
    const out = new Capture();
    const log = await createLogger({ level: "trace", destination: out });
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "git-auth", namespace: "flux-system" },
      data: { password: "c3VwZXJzZWNyZXQ=", identity: "UFJJVkFURUtFWURBVEE=" },
      stringData: { token: "ghp_abcdef123456" },
    };
    log.info({ secret }, "read secret");
    log.info(
      { auth: { username: "git", password: "hunter2" }, headers: { Authorization: "Bearer eyJhbGciOi.payload.sig" } },
      "auth",
    );
    log.warn("calling with Authorization: Bearer eyJhbGciOi.payload.sig");
    log.error({ url: "https://git:p4ss@example.com/repo.git" }, "clone https://git:p4ss@example.com/repo.git failed");
    log.error({ error: new Error("fetch https://ghp_abcdef123456@github.com/x failed") }, "boom");
    log.debug({ sshKey: "PRIVATEKEYDATA", nested: [{ apiKey: "hunter2" }] }, "more");
    const child = log.child({ token: "ghp_abcdef123456", remote: "https://user:p4ss@example.com" });
    child.info("child");
    for (const value of SECRET_VALUES) expect(out.text).not.toContain(value);
    const lines = out.json();
    expect(lines[0]?.["secret"]).toMatchObject({
      data: { password: REDACTED, identity: REDACTED },
      stringData: { token: REDACTED },
      metadata: { name: "git-auth" },
    });
    expect(lines[1]).toMatchObject({ auth: { username: "git", password: REDACTED } });
    expect(lines[2]?.["msg"]).toBe(`calling with Authorization: Bearer ${REDACTED}`);
    expect(lines[3]?.["msg"]).toBe(`clone https://${REDACTED}@example.com/repo.git failed`);
    expect(lines[4]).toMatchObject({ error: `fetch https://${REDACTED}@github.com/x failed` });
    expect(lines[4]?.["stacktrace"]).toEqual(expect.stringContaining("logger.test"));
  });

  it("error is a string; its stack only at debug level", async () => {
    const out = new Capture();
    const log = await createLogger({ level: "info", destination: out });
    const cause = new Error("dial tcp: connection refused");
    log.error({ error: new Error("fetch failed", { cause }) }, "Reconciler error");
    const [line] = out.json();
    expect(line).toMatchObject({ error: "fetch failed", msg: "Reconciler error" });
    expect(line).not.toHaveProperty("stacktrace");
  });

  it("console encoding prints human-readable lines", async () => {
    const out = new Capture();
    const log = await createLogger({ encoding: "console", destination: out });
    log.info({ revision: "main@sha1:abc" }, "hello Bearer abc.def");
    expect(out.text).toContain("INFO");
    expect(out.text).toContain("hello Bearer [REDACTED]");
    expect(out.text).toContain('revision: "main@sha1:abc"');
    expect(() => JSON.parse(out.text)).toThrow();
  });

  it("validates flag values", () => {
    expect(parseLogLevel("debug")).toBe("debug");
    expect(() => parseLogLevel("verbose")).toThrow(/--log-level/);
    expect(parseLogEncoding("console")).toBe("console");
    expect(() => parseLogEncoding("xml")).toThrow(/--log-encoding/);
  });

  it("redacts free text", () => {
    expect(redactText("Basic dXNlcjpwYXNz and ssh://git@host:22/x")).toBe(
      `Basic ${REDACTED} and ssh://${REDACTED}@host:22/x`,
    );
  });
});
