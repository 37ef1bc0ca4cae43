// Helm 4 runs post-renderers only as plugins (`--post-renderer <plugin name>`): this writes a
// `postrenderer/v1` subprocess plugin into a private HELM_PLUGINS directory. The plugin is a small
// `/bin/sh` script that passes helm's manifests to the controller and its answer back to helm through the
// FIFOs of post-render-channel.ts (argument: the directory of the run's FIFOs), so post-rendering costs no node
// process per helm command; the work itself is post-render.ts, in the controller.

import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { POST_RENDER_INPUT, POST_RENDER_OUTPUT } from "./post-render-channel.js";

/** Name of the generated post-renderer plugin. */
export const POST_RENDER_PLUGIN = "sluice-post-render";

/** A HELM_PLUGINS directory holding the post-renderer plugin; remove with `close()`. */
export interface PostRenderPlugins {
  dir: string;
  close(): Promise<void>;
}

// `read` takes the header line byte by byte (a pipe), `head -c` exactly the answer's bytes.
const SCRIPT = `#!/bin/sh
{ cat; printf '\\0'; } >"$1/${POST_RENDER_INPUT}" || exit 1
exec 3<"$1/${POST_RENDER_OUTPUT}" || exit 1
IFS=' ' read -r status bytes <&3 || exit 1
if [ "$status" = ok ]; then exec head -c "$bytes" <&3; fi
head -c "$bytes" <&3 >&2
exit 1
`;

/** Writes the plugin (`plugin.yaml` running `sh post-render.sh <FIFO dir>`) into a fresh directory. */
export async function createPostRenderPlugins(shell = "/bin/sh"): Promise<PostRenderPlugins> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-helm-plugins-"));
  const pluginDir = join(dir, POST_RENDER_PLUGIN);
  await mkdir(pluginDir);
  const script = join(pluginDir, "post-render.sh");
  await writeFile(script, SCRIPT);
  await chmod(script, 0o700);
  const manifest = [
    "apiVersion: v1",
    `name: ${POST_RENDER_PLUGIN}`,
    "type: postrenderer/v1",
    "version: 0.1.0",
    "runtime: subprocess",
    "runtimeConfig:",
    "  platformCommand:",
    `    - command: ${JSON.stringify(shell)}`,
    `      args: [${JSON.stringify(script)}]`,
    "",
  ].join("\n");
  await writeFile(join(pluginDir, "plugin.yaml"), manifest);
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}
