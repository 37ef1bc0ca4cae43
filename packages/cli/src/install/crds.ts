// The Flux CRDs the chart carries (`crds/`), for `sluice up`: from `$SLUICE_CRDS_DIR` or the chart's directory.

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { parseAllDocuments } from "yaml";
import { CliError } from "../errors.js";
import { chartDirectory } from "./chart.js";

/** The directory holding the CRD YAML files. */
export function crdDirectory(env: NodeJS.ProcessEnv): string {
  const dir = env["SLUICE_CRDS_DIR"] || join(chartDirectory(env), "crds");
  if (!existsSync(dir)) throw new CliError(`CRD manifests not found in ${dir}; set SLUICE_CRDS_DIR`);
  return dir;
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
