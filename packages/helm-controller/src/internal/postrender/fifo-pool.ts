// FIFO pairs for post-render channels, made in batches. Node has no mkfifo, and each `mkfifo` spawned from
// the controller costs ~10 ms of its event loop (forking a large process) — as much as spawning helm — so
// one spawn makes the pairs of many helm runs. Each pair lives in its own directory under a private 0700
// root and is removed after its one run.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { POST_RENDER_INPUT, POST_RENDER_OUTPUT } from "./post-render-channel.js";

const run = promisify(execFile);

/** Directories each holding a fresh pair of FIFOs (`post-render-in`, `post-render-out`). */
export class FifoPool {
  readonly #batch: number;
  #root: Promise<string> | undefined;
  #free: string[] = [];
  #refill: Promise<void> | undefined;
  #next = 0;

  constructor(batch = 32) {
    this.#batch = batch;
  }

  /** A directory with an unused FIFO pair; remove it with {@link release} after the run. */
  async take(): Promise<string> {
    for (;;) {
      const dir = this.#free.pop();
      if (dir) return dir;
      this.#refill ??= this.#make().finally(() => {
        this.#refill = undefined;
      });
      await this.#refill;
    }
  }

  /** Removes a taken directory and its FIFOs. */
  async release(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  async #make(): Promise<void> {
    this.#root ??= mkdtemp(join(tmpdir(), "sluice-helm-fifos-"));
    const root = await this.#root;
    const dirs = Array.from({ length: this.#batch }, () => join(root, String(this.#next++)));
    await Promise.all(dirs.map((d) => mkdir(d, { mode: 0o700 })));
    const fifos = dirs.flatMap((d) => [join(d, POST_RENDER_INPUT), join(d, POST_RENDER_OUTPUT)]);
    await run("mkfifo", ["-m", "600", ...fifos]);
    this.#free.push(...dirs);
  }

  /** Removes every pair. */
  async close(): Promise<void> {
    const root = this.#root;
    this.#root = undefined;
    this.#free = [];
    if (root) await rm(await root, { recursive: true, force: true });
  }
}
