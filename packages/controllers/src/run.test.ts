import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { controllerNames } from "./controllers.js";
import { runController } from "./run.js";

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

describe("sluice-controller", () => {
  it("knows the controllers the chart deploys, by Flux's names", () => {
    expect(controllerNames()).toEqual([
      "source-controller",
      "kustomize-controller",
      "helm-controller",
      "notification-controller",
      "source-watcher",
      "image-reflector-controller",
      "image-automation-controller",
      "ui",
    ]);
  });

  it("prints its usage for --help and exits 0", async () => {
    const out = sink();
    expect(await runController(["--help"], { stdout: out.stream })).toBe(0);
    expect(out.text()).toContain("Usage: sluice-controller <controller> [flags]");
    expect(out.text()).toContain("  kustomize-controller\n");
  });

  it.each([
    [[], "missing controller name"],
    [
      ["image-controller"],
      'unknown controller "image-controller": want one of source-controller, kustomize-controller',
    ],
    [["constructor"], 'unknown controller "constructor"'],
  ])("exits 2 for %j", async (argv, message) => {
    const err = sink();
    expect(await runController(argv, { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain(message);
  });

  it("hands the remaining arguments to the controller (a bad flag is the controller's exit 2)", async () => {
    const err = sink();
    const original = process.stderr.write.bind(process.stderr);
    let controllerErr = "";
    process.stderr.write = ((chunk: string | Uint8Array) => {
      controllerErr += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await runController(["source-controller", "--storage-adv-addr"], { stderr: err.stream })).toBe(2);
    } finally {
      process.stderr.write = original;
    }
    expect(err.text()).toBe("");
    expect(controllerErr).toContain("Usage: source-controller [flags]");
  });
});
