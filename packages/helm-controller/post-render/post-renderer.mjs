// helm-controller's post-renderer, run by helm (as a `postrenderer/v1` plugin) with the rendered manifests on
// stdin and a JSON config path as its argument. Applies, in Flux's order: each kustomize post-renderer
// (patches and images, through `kubectl kustomize`), then commonMetadata, then the owner labels
// `helm.toolkit.fluxcd.io/name` and `/namespace`. Writes the result to stdout; errors go to stderr, exit 1.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";

function readStdin() {
  return readFileSync(0, "utf8");
}

function kustomize(kubectl, manifests, spec) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-post-render-"));
  try {
    writeFileSync(join(dir, "resources.yaml"), manifests);
    const kustomization = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization" };
    kustomization.resources = ["resources.yaml"];
    if (spec.patches?.length) kustomization.patches = spec.patches;
    if (spec.images?.length) kustomization.images = spec.images;
    writeFileSync(join(dir, "kustomization.yaml"), stringify(kustomization));
    return execFileSync(kubectl, ["kustomize", dir], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const configPath = process.argv[2];
  if (!configPath) throw new Error("usage: post-renderer.mjs <config.json>");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  let manifests = readStdin();
  for (const spec of config.kustomize ?? []) manifests = kustomize(config.kubectl, manifests, spec);
  const out = [];
  // YAML 1.1 like helm's parser: `yes`/`on` are booleans there, so such strings must stay quoted.
  for (const doc of parseAllDocuments(manifests, { version: "1.1" })) {
    if (doc.errors.length > 0) throw new Error(`invalid rendered YAML: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (!obj || typeof obj !== "object") continue;
    obj.metadata ??= {};
    const labels = { ...(config.commonMetadata?.labels ?? {}), ...(config.ownerLabels ?? {}) };
    if (Object.keys(labels).length > 0) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), ...labels };
    const annotations = config.commonMetadata?.annotations ?? {};
    if (Object.keys(annotations).length > 0) {
      obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), ...annotations };
    }
    out.push(stringify(obj, { version: "1.1" }));
  }
  process.stdout.write(out.map((d) => `---\n${d}`).join(""));
}

try {
  main();
} catch (err) {
  process.stderr.write(`post-render failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
