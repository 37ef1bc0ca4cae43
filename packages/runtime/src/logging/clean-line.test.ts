// The fast path of redactLogLine writes exactly what the full pass (parse, redactValue, stringify) writes.

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { cleanLogLine } from "./clean-line.js";
import { createLogger } from "./logger.js";
import { redactLogLine, redactValue } from "./redact.js";

const full = (line: string) => `${JSON.stringify(redactValue(JSON.parse(line)))}\n`;

const LINES = [
  '{"level":"info","ts":"2026-12-07T22:00:00.000Z","controller":"notification-controller","component":"event-server","eventInvolvedObject":{"kind":"HelmRelease","name":"app-3","namespace":"ns"},"message":"run upgrade 5","msg":"dispatching event"}',
  '{"level":"info","controller":"notification-controller","controller":"alert","controllerKind":"Alert","msg":"done"}',
  '{"a":1,"b":{"c":[1,2,{"d":"}\\"{"}]},"a":"x\\\\","e":null,"b":true}',
  '{"msg":"quote \\" and backslash \\\\ and \\n newline","n":-1.5e+21,"t":false}',
  '{"msg":"emoji 😀","x":"\\ud800"}',
  '{"1":"integer key","msg":"m"}',
  '{"msg":"https://user:p4ss@example.com/x"}',
  '{"msg":"Authorization: Bearer abc.def"}',
  '{"headers":{"Authorization":"xyz"},"msg":"m"}',
  '{"secret":{"kind":"Secret","data":{"a":"b"}},"msg":"m"}',
  '{"big":123456789012345678901,"msg":"m"}',
  '{"__proto__":{"x":1},"msg":"m"}',
  "{}",
  '{"msg":"m","msg":"n"}',
];

describe("redactLogLine's fast path", () => {
  it("writes what the full pass writes", () => {
    for (const line of LINES) expect(redactLogLine(`${line}\n`), line).toBe(full(line));
  });

  it("takes lines with nothing to redact, and merges duplicate keys as JSON.parse does", () => {
    expect(cleanLogLine(LINES[0] ?? "")).toBe(LINES[0]);
    expect(cleanLogLine(LINES[1] ?? "")).toBe(
      '{"level":"info","controller":"alert","controllerKind":"Alert","msg":"done"}',
    );
    for (const i of [6, 7, 8, 9]) expect(cleanLogLine(LINES[i] ?? "")).toBeUndefined();
  });

  it("keeps a reconcile logger's lines as before: the child's controller key over the base one", async () => {
    let text = "";
    const out = new Writable({
      write(chunk: Buffer, _e, done) {
        text += chunk.toString();
        done();
      },
    });
    const log = await createLogger({ destination: out, base: { controller: "kustomize-controller" } });
    log
      .child({ controller: "kustomization", name: "app" })
      .info({ name: "other", revision: "main@sha1:abc" }, "applied");
    const line = text.trim();
    expect(JSON.parse(line)).toMatchObject({ controller: "kustomization", name: "other", msg: "applied" });
    expect(line.match(/"controller"/g)).toHaveLength(1);
    expect(line.indexOf('"controller"')).toBeLessThan(line.indexOf('"name"'));
  });
});
