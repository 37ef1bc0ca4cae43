import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FifoPool } from "./fifo-pool.js";
import {
  openPostRenderChannel,
  POST_RENDER_INPUT,
  POST_RENDER_OUTPUT,
  type PostRenderChannel,
} from "./post-render-channel.js";
import { createPostRenderPlugins, POST_RENDER_PLUGIN, type PostRenderPlugins } from "./post-render-plugin.js";

/** Runs the generated plugin script as helm does: manifests on stdin, the run directory as its argument. */
function runPlugin(plugins: PostRenderPlugins, dir: string, stdin: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      "/bin/sh",
      [join(plugins.dir, POST_RENDER_PLUGIN, "post-render.sh"), dir],
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

describe("FifoPool", () => {
  it("hands out a fresh private FIFO pair per take, making more when it runs out", async () => {
    const pool = new FifoPool(2);
    try {
      const dirs = [await pool.take(), await pool.take(), await pool.take()];
      expect(new Set(dirs).size).toBe(3);
      for (const d of dirs) {
        expect((await stat(d)).mode & 0o777).toBe(0o700);
        expect((await stat(join(d, POST_RENDER_INPUT))).isFIFO()).toBe(true);
        expect((await stat(join(d, POST_RENDER_OUTPUT))).mode & 0o777).toBe(0o600);
      }
      await pool.release(dirs[0] ?? "");
      await expect(stat(dirs[0] ?? "")).rejects.toThrow();
    } finally {
      await pool.close();
    }
  });
});

describe("post-render channel", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setUp(render: (m: string) => Promise<string>) {
    const pool = new FifoPool(2);
    cleanups.push(() => pool.close());
    const dir = await pool.take();
    const plugins = await createPostRenderPlugins();
    cleanups.push(() => plugins.close());
    const channel: PostRenderChannel = await openPostRenderChannel(dir, render);
    cleanups.push(() => channel.close());
    return { dir, plugins };
  }

  it("hands helm's manifests to the controller and its answer back, larger than a pipe buffer, more than once", async () => {
    const { dir, plugins } = await setUp(async (m) => m.toUpperCase());
    const big = "kind: ConfigMap\n".repeat(20_000);
    const first = await runPlugin(plugins, dir, big);
    expect(first).toEqual({ code: 0, stdout: big.toUpperCase(), stderr: "" });
    const second = await runPlugin(plugins, dir, "a: b\n");
    expect(second).toEqual({ code: 0, stdout: "A: B\n", stderr: "" });
  });

  it("fails the plugin with the controller's reason on stderr", async () => {
    const { dir, plugins } = await setUp(async () => {
      throw new Error("invalid rendered YAML: bad indentation");
    });
    const out = await runPlugin(plugins, dir, "x");
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe("post-render failed: invalid rendered YAML: bad indentation\n");
  });
});
