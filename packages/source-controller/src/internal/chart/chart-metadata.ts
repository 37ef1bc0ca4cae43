// Reading a chart's Chart.yaml from a chart directory or a packaged chart (.tgz), as Flux's
// LoadChartMetadata does: name and version are required, the version must be SemVer, and a package must
// not hold absolute or parent-escaping paths.

import { readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { t as listTar } from "tar";
import { parse as parseYaml } from "yaml";
import { parseLooseVersion } from "./version-select.js";

/** Helm's limit on a packaged chart (`MaxChartSize`, 10 MiB). */
export const MAX_CHART_SIZE = 10 * 1024 * 1024;
/** Helm's limit on a single chart file such as Chart.yaml (`MaxChartFileSize`, 5 MiB). */
export const MAX_CHART_FILE_SIZE = 5 * 1024 * 1024;

/** The parts of Chart.yaml the controller needs. */
export interface ChartMetadata {
  name: string;
  version: string;
  apiVersion: string;
  dependencies: Array<{ name?: string; version?: string; repository?: string; alias?: string }>;
}

/** Parses Chart.yaml text (throws `cannot load 'Chart.yaml': …`). */
export function parseChartMetadata(text: string): ChartMetadata {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err: unknown) {
    throw new Error(`cannot load 'Chart.yaml': ${err instanceof Error ? err.message : String(err)}`);
  }
  const m = (raw !== null && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const deps = Array.isArray(m["dependencies"]) ? (m["dependencies"] as ChartMetadata["dependencies"]) : [];
  return {
    name: typeof m["name"] === "string" ? m["name"] : "",
    version: m["version"] === undefined || m["version"] === null ? "" : String(m["version"]),
    apiVersion: typeof m["apiVersion"] === "string" && m["apiVersion"] !== "" ? m["apiVersion"] : "v1",
    dependencies: deps.filter((d) => d !== null && typeof d === "object"),
  };
}

/** Helm's metadata validation as far as Flux relies on it: a name and a SemVer version. */
export function validateChartMetadata(meta: ChartMetadata): void {
  if (meta.name === "") throw new Error("validation: chart.metadata.name is required");
  if (meta.version === "") throw new Error("validation: chart.metadata.version is required");
  if (!parseLooseVersion(meta.version)) {
    throw new Error(`validation: chart.metadata.version "${meta.version}" is invalid`);
  }
}

/** Chart.yaml of a chart directory. */
export async function loadChartMetadataFromDir(dir: string): Promise<ChartMetadata> {
  const text = await readFile(join(dir, "Chart.yaml"), "utf8");
  return parseChartMetadata(text);
}

/** Chart.yaml of a packaged chart (its `<top>/Chart.yaml` entry); rejects unsafe entry paths. */
export async function loadChartMetadataFromArchive(file: string): Promise<ChartMetadata> {
  const st = await stat(file);
  if (st.isDirectory()) throw new Error(`'${posix.basename(file)}' is a directory`);
  if (st.size > MAX_CHART_SIZE) {
    throw new Error(`size of chart '${posix.basename(file)}' exceeds '${MAX_CHART_SIZE}' bytes limit`);
  }
  let text: string | undefined;
  let problem: string | undefined;
  const reads: Promise<void>[] = [];
  await listTar({
    file,
    onReadEntry: (entry) => {
      const name = entry.path.replace(/\\/g, "/");
      const parts = name.split("/");
      const rest = posix.normalize(parts.slice(1).join("/"));
      if (posix.isAbsolute(name)) problem ??= "chart illegally contains absolute paths";
      else if (rest.startsWith("..")) problem ??= "chart illegally references parent directory";
      if (entry.type !== "File" || parts.length !== 2 || parts[1] !== "Chart.yaml") {
        entry.resume();
        return;
      }
      if (entry.size > MAX_CHART_FILE_SIZE) {
        problem ??= `size of '${name}' exceeds '${MAX_CHART_FILE_SIZE}' bytes limit`;
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      reads.push(
        new Promise<void>((resolve) => {
          entry.on("data", (c: Buffer) => chunks.push(c));
          entry.on("end", () => {
            text = Buffer.concat(chunks).toString("utf8");
            resolve();
          });
        }),
      );
    },
  });
  await Promise.all(reads);
  if (problem) throw new Error(problem);
  if (text === undefined) throw new Error("no 'Chart.yaml' found");
  return parseChartMetadata(text);
}

/** Chart.yaml of a chart directory or package, whichever `path` is. */
export async function loadChartMetadata(path: string): Promise<ChartMetadata> {
  const st = await stat(path);
  return st.isDirectory() ? loadChartMetadataFromDir(path) : loadChartMetadataFromArchive(path);
}
