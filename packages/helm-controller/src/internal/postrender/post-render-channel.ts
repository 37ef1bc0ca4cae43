// How helm hands its rendered manifests to the controller and takes the post-rendered ones back, without a
// node process per helm command: two FIFOs in a private 0700 directory (fifo-pool.ts), and a `/bin/sh`
// plugin script (post-render-plugin.ts) that writes helm's stdin into one, NUL-terminated, and copies the
// answer from the other to helm. The controller holds both FIFOs open read-write from before helm starts to
// after it ends, so neither side's open blocks and no byte is lost whichever side opens first.

import { constants, open } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const openFd = promisify(open);

/** The FIFO the plugin writes helm's manifests into. */
export const POST_RENDER_INPUT = "post-render-in";
/** The FIFO the plugin reads the answer from. */
export const POST_RENDER_OUTPUT = "post-render-out";

/** Serves post-render requests in `dir` until closed. */
export interface PostRenderChannel {
  close(): void;
}

/**
 * Opens the FIFOs in `dir` (fifo-pool.ts makes them) and answers each request with `render`, in turn (helm may post-render more than
 * once per command), until `close()`. An answer is `ok <bytes>\n<manifests>` or `error <bytes>\n<reason>`:
 * the plugin reads exactly that many bytes, so it never waits for an end of file the controller's own
 * read-write ends would hold back.
 */
export async function openPostRenderChannel(
  dir: string,
  render: (manifests: string) => Promise<string>,
): Promise<PostRenderChannel> {
  const input = join(dir, POST_RENDER_INPUT);
  const output = join(dir, POST_RENDER_OUTPUT);
  const mode = constants.O_RDWR | constants.O_NONBLOCK;
  const requests = new Socket({ fd: await openFd(input, mode), readable: true, writable: false });
  const answers = new Socket({ fd: await openFd(output, mode), readable: false, writable: true });
  requests.on("error", () => undefined);
  answers.on("error", () => undefined);
  let pending: Buffer[] = [];
  let queue = Promise.resolve();
  const answer = (manifests: string) => {
    queue = queue.then(async () => {
      const [status, body] = await render(manifests).then(
        (out) => ["ok", out] as const,
        (err: unknown) =>
          ["error", `post-render failed: ${err instanceof Error ? err.message : String(err)}\n`] as const,
      );
      answers.write(`${status} ${Buffer.byteLength(body)}\n${body}`);
    });
  };
  requests.on("data", (chunk: Buffer) => {
    let rest = chunk;
    for (let nul = rest.indexOf(0); nul >= 0; nul = rest.indexOf(0)) {
      pending.push(rest.subarray(0, nul));
      answer(Buffer.concat(pending).toString("utf8"));
      pending = [];
      rest = rest.subarray(nul + 1);
    }
    if (rest.length > 0) pending.push(rest);
  });
  return {
    close() {
      requests.destroy();
      answers.destroy();
    },
  };
}
