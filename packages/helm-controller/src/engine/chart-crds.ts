// The `crds` policies helm-controller applies itself, since the helm CLI only creates a chart's `crds/`
// on install: Create (create missing CRDs) and CreateReplace (create or update every CRD), server-side
// applied with the helm-controller field manager. Skip does nothing.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CrdsPolicyName } from "@sluice/api";
import type { KubeClient, ResourceManager, UnstructuredObject } from "@sluice/runtime";
import { parseAllDocuments } from "yaml";

const CRD_API = "apiextensions.k8s.io/v1";

/** The CustomResourceDefinitions in a chart directory's `crds/` (and its subcharts' `charts/*\/crds/`). */
export async function chartCrds(chartDir: string): Promise<UnstructuredObject[]> {
  const out: UnstructuredObject[] = [];
  const dirs = [join(chartDir, "crds")];
  try {
    for (const sub of await readdir(join(chartDir, "charts"), { withFileTypes: true })) {
      if (sub.isDirectory()) dirs.push(join(chartDir, "charts", sub.name, "crds"));
    }
  } catch {
    // no subcharts
  }
  for (const dir of dirs) {
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    } catch {
      continue;
    }
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
        const obj = doc.toJS() as UnstructuredObject | null;
        if (obj?.kind === "CustomResourceDefinition") out.push(obj);
      }
    }
  }
  return out;
}

/**
 * Applies the chart's CRDs under `policy`: Create applies only those missing from the cluster,
 * CreateReplace applies all of them. Returns the names applied.
 */
export async function applyCrdsPolicy(
  client: KubeClient,
  manager: ResourceManager,
  chartDir: string,
  policy: CrdsPolicyName,
): Promise<string[]> {
  if (policy === "Skip") return [];
  let crds = await chartCrds(chartDir);
  if (policy === "Create") {
    const missing: UnstructuredObject[] = [];
    for (const crd of crds) {
      const name = crd.metadata.name ?? "";
      if (!(await client.getOptional({ apiVersion: CRD_API, kind: "CustomResourceDefinition", name }))) {
        missing.push(crd);
      }
    }
    crds = missing;
  }
  if (crds.length === 0) return [];
  await manager.applyAll(crds, { policyAnnotations: false });
  return crds.map((c) => c.metadata.name ?? "");
}
