// Helm 4 runs post-renderers only as plugins (`--post-renderer <plugin name>`): this writes a
// `postrenderer/v1` subprocess plugin into a private HELM_PLUGINS directory that runs the package's
// post-render/post-renderer.mjs with node, and builds the per-release JSON config it reads.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HelmLabel, type HelmRelease } from "@sluice/api";

/** Name of the generated post-renderer plugin. */
export const POST_RENDER_PLUGIN = "sluice-post-render";

/** The script the plugin runs (same relative place from src/ and dist/). */
export const POST_RENDER_SCRIPT = fileURLToPath(new URL("../../../post-render/post-renderer.mjs", import.meta.url));

/** A HELM_PLUGINS directory holding the post-renderer plugin; remove with `close()`. */
export interface PostRenderPlugins {
  dir: string;
  close(): Promise<void>;
}

/** Writes the plugin (`plugin.yaml` running `node post-renderer.mjs <config>`) into a fresh directory. */
export async function createPostRenderPlugins(nodePath = process.execPath): Promise<PostRenderPlugins> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-helm-plugins-"));
  const pluginDir = join(dir, POST_RENDER_PLUGIN);
  await mkdir(pluginDir);
  const manifest = [
    "apiVersion: v1",
    `name: ${POST_RENDER_PLUGIN}`,
    "type: postrenderer/v1",
    "version: 0.1.0",
    "runtime: subprocess",
    "runtimeConfig:",
    "  platformCommand:",
    `    - command: ${JSON.stringify(nodePath)}`,
    `      args: [${JSON.stringify(POST_RENDER_SCRIPT)}]`,
    "",
  ].join("\n");
  await writeFile(join(pluginDir, "plugin.yaml"), manifest);
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

/** The post-render config of a HelmRelease: kustomize post-renderers, commonMetadata, owner labels. */
export function postRenderConfig(hr: HelmRelease, kubectlPath: string): string {
  return JSON.stringify({
    kubectl: kubectlPath,
    kustomize: (hr.spec.postRenderers ?? []).flatMap((p) => (p.kustomize ? [p.kustomize] : [])),
    commonMetadata: hr.spec.commonMetadata ?? {},
    ownerLabels: {
      [HelmLabel.Name]: hr.metadata.name ?? "",
      [HelmLabel.Namespace]: hr.metadata.namespace ?? "",
    },
  });
}
