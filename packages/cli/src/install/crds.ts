// The Flux CRDs `sluice install` applies: from `$SLUICE_CRDS_DIR`, the copy packed with the CLI
// (`<package>/crds`, made by `prepack`), or the chart in the repository checkout the CLI runs from.

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { parseAllDocuments } from "yaml";
import { CliError } from "../errors.js";

/** The directory holding the CRD YAML files. */
export function crdDirectory(env: NodeJS.ProcessEnv): string {
  const candidates = [
    env["SLUICE_CRDS_DIR"],
    // dist/install → package root (published package) / repository root (checkout).
    fileURLToPath(new URL("../../crds", import.meta.url)),
    fileURLToPath(new URL("../../../../charts/sluice/crds", import.meta.url)),
  ].filter((c): c is string => typeof c === "string" && c !== "");
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new CliError(`CRD manifests not found (looked in ${candidates.join(", ")}); set SLUICE_CRDS_DIR`);
  return found;
}

/** Every CustomResourceDefinition in the directory, in file-name order. */
export async function loadCrds(env: NodeJS.ProcessEnv): Promise<UnstructuredObject[]> {
  const dir = crdDirectory(env);
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const crds: UnstructuredObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      const obj = doc.toJS() as UnstructuredObject | null;
      if (obj?.kind === "CustomResourceDefinition") crds.push(obj);
    }
  }
  return crds;
}
