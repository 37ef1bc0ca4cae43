import { describe, expect, it } from "vitest";
import {
  asReconcileError,
  errorMessage,
  GenericReconcileError,
  isReconcileError,
  StallingError,
  TerminalError,
  WaitingError,
} from "./reconcile-errors.js";

describe("reconcile errors", () => {
  it.each([
    { err: new StallingError("InvalidURL", "spec.url: bad"), kind: "stalling", name: "StallingError" },
    { err: new WaitingError("DependencyNotReady", "source not ready", 5000), kind: "waiting", name: "WaitingError" },
    {
      err: new GenericReconcileError("ArtifactFailed", "fetch failed"),
      kind: "generic",
      name: "GenericReconcileError",
    },
    { err: new TerminalError("Failed", "cannot"), kind: "terminal", name: "TerminalError" },
  ])("$name carries kind $kind, reason and message", ({ err, kind, name }) => {
    expect(err).toBeInstanceOf(Error);
    expect(isReconcileError(err)).toBe(true);
    expect(err.kind).toBe(kind);
    expect(err.name).toBe(name);
    expect(err.reason).toMatch(/^[A-Z]/);
    expect(err.message.length).toBeGreaterThan(0);
    expect(asReconcileError(err)).toBe(err);
  });

  it("keeps the cause and requeue delay", () => {
    const cause = new Error("connection refused");
    const err = new WaitingError("DependencyNotReady", "waiting", 30_000, { cause });
    expect(err.cause).toBe(cause);
    expect(err.requeueAfter).toBe(30_000);
    expect(() => new WaitingError("X", "y", -1)).toThrow(RangeError);
  });

  it("wraps untyped errors as generic Failed errors", () => {
    const cause = new TypeError("x is undefined");
    const wrapped = asReconcileError(cause);
    expect(wrapped).toBeInstanceOf(GenericReconcileError);
    expect(wrapped.reason).toBe("Failed");
    expect(wrapped.message).toBe("x is undefined");
    expect(wrapped.cause).toBe(cause);
    expect(asReconcileError("plain").message).toBe("plain");
  });

  it("generic errors emit events unless told not to", () => {
    expect(new GenericReconcileError("R", "m").event).toBe(true);
    expect(new GenericReconcileError("R", "m", { event: false }).event).toBe(false);
  });

  it("renders messages of any thrown value", () => {
    expect(errorMessage({ a: 1 })).toBe('{"a":1}');
    expect(errorMessage(undefined)).toBe("undefined");
  });
});
