// The Flux CRDs the chart carries, for `sluice up`: the core ones (`crds/`, or `$SLUICE_CRDS_DIR`) and those of
// the optional components that run (`components/<component>/crds/`, as Flux installs source-watcher's CRDs only
// with `--components-extra=source-watcher`).

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

/** The directory of an optional component's CRDs in the chart. */
export function componentCrdDirectory(env: NodeJS.ProcessEnv, component: string): string {
  const dir = join(chartDirectory(env), "components", component, "crds");
  if (!existsSync(dir)) throw new CliError(`CRD manifests of ${component} not found in ${dir}; set SLUICE_CHART_DIR`);
  return dir;
}

/**
 * Every core CustomResourceDefinition, then those of `components` (e.g. `source-watcher`), each directory in
 * file-name order.
 */
export async function loadCrds(
  env: NodeJS.ProcessEnv,
  components: readonly string[] = [],
): Promise<UnstructuredObject[]> {
  const crds: UnstructuredObject[] = [];
  for (const dir of [crdDirectory(env), ...components.map((c) => componentCrdDirectory(env, c))]) {
    const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
        const obj = doc.toJS() as UnstructuredObject | null;
        if (obj?.kind === "CustomResourceDefinition") crds.push(obj);
      }
    }
  }
  return crds;
}
