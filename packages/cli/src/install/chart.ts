// Where the Sluice chart is (the one source of everything `sluice install` applies) and what it offers: its
// controllers (every `<name>Controller` values block with `create`) and its default image registry.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { CliError } from "../errors.js";

/** A controller the chart can deploy. */
export interface ChartComponent {
  /** Deployment name, e.g. `source-controller`. */
  name: string;
  /** Its values block, e.g. `sourceController`. */
  valuesKey: string;
  /** `create` in the chart's values.yaml. */
  enabledByDefault: boolean;
}

/** What {@link readChart} finds in the chart directory. */
export interface ChartInfo {
  dir: string;
  version: string;
  appVersion: string;
  components: ChartComponent[];
  /** `image.registry` in values.yaml. */
  defaultRegistry: string;
}

/**
 * The chart directory: `$SLUICE_CHART_DIR`, the copy packed with the CLI (`<package>/chart`, made by
 * `prepack`), or `charts/sluice` of the repository checkout the CLI runs from.
 */
export function chartDirectory(env: NodeJS.ProcessEnv): string {
  const candidates = [
    env["SLUICE_CHART_DIR"],
    // dist/install → package root (published package) / repository root (checkout).
    fileURLToPath(new URL("../../chart", import.meta.url)),
    fileURLToPath(new URL("../../../../charts/sluice", import.meta.url)),
  ].filter((c): c is string => typeof c === "string" && c !== "");
  const found = candidates.find((dir) => existsSync(join(dir, "Chart.yaml")));
  if (!found)
    throw new CliError(`the Sluice chart was not found (looked in ${candidates.join(", ")}); set SLUICE_CHART_DIR`);
  return found;
}

/** `sourceController` → `source-controller`. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Reads Chart.yaml and values.yaml of the chart in `dir`. */
export function readChart(dir: string): ChartInfo {
  const chart = parseYaml(readFileSync(join(dir, "Chart.yaml"), "utf8")) as { version?: string; appVersion?: string };
  const values = parseYaml(readFileSync(join(dir, "values.yaml"), "utf8")) as Record<string, unknown>;
  const components: ChartComponent[] = [];
  for (const [key, block] of Object.entries(values)) {
    if (!/^[a-z]+(?:[A-Z][a-z]+)*(?:Controller|Watcher)$/.test(key) || typeof block !== "object" || block === null) {
      continue;
    }
    const create = (block as { create?: unknown }).create;
    if (typeof create !== "boolean") continue;
    components.push({ name: kebab(key), valuesKey: key, enabledByDefault: create });
  }
  const image = (values["image"] ?? {}) as { registry?: unknown };
  return {
    dir,
    version: String(chart.version ?? ""),
    appVersion: String(chart.appVersion ?? ""),
    components,
    defaultRegistry: typeof image.registry === "string" ? image.registry : "",
  };
}
