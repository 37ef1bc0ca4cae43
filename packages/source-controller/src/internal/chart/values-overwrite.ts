// Replacing an unpacked chart's values.yaml with merged values (Flux's OverwriteChartDefaultValues).

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeValues, type Values } from "./values-files.js";

/**
 * Writes `values` as the chart's values.yaml; false when the file already holds exactly that. Throws
 * `failed to locate values file: values.yaml` when the chart has none.
 */
export async function overwriteChartValues(chartDir: string, values: Values): Promise<boolean> {
  const file = join(chartDir, "values.yaml");
  let current: string;
  try {
    current = await readFile(file, "utf8");
  } catch {
    throw new Error("failed to locate values file: values.yaml");
  }
  const encoded = encodeValues(values);
  if (current === encoded) return false;
  await writeFile(file, encoded);
  return true;
}
