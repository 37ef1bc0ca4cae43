// What `sluice install` puts in a cluster: the Sluice chart rendered by the real `helm template` with values
// from the command's flags (only the flags given; the rest are the chart's defaults). `install --export`
// prints that render and `bootstrap` commits it as gotk-components.yaml — the chart is the one source.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { resolveTool } from "@sluice/runtime/tools";
import { parseAllDocuments } from "yaml";
import type { Opts } from "../command-kit.js";
import { CliError, errorMessage } from "../errors.js";
import { CLI_VERSION } from "../version.js";
import { type ChartInfo, chartDirectory, readChart } from "./chart.js";

/** The helm release name the chart is rendered with (no object name depends on it). */
export const RELEASE_NAME = "sluice";

/** Install settings from the flags; unset ones keep the chart's defaults. */
export interface InstallOptions {
  namespace: string;
  chart: ChartInfo;
  /** Controllers to deploy (Deployment names). */
  components: readonly string[];
  registry?: string | undefined;
  /** Image tag. */
  version?: string | undefined;
  imagePullSecret?: string | undefined;
  watchAllNamespaces?: boolean | undefined;
  logLevel?: string | undefined;
  clusterDomain?: string | undefined;
  networkPolicy?: boolean | undefined;
}

/** Install options from the command's flags (and the chart found for `env`). */
export function installOptionsFrom(opts: Opts, env: NodeJS.ProcessEnv): InstallOptions {
  const chart = readChart(chartDirectory(env));
  const known = chart.components.map((c) => c.name);
  let components = chart.components.filter((c) => c.enabledByDefault).map((c) => c.name);
  if (typeof opts["components"] === "string") {
    components = opts["components"]
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "");
    for (const c of components) {
      if (!known.includes(c)) throw new CliError(`invalid --components value "${c}": want some of ${known.join(", ")}`);
    }
  }
  // Flux's --components-extra: optional components (source-watcher) added to the list.
  if (typeof opts["componentsExtra"] === "string") {
    for (const c of opts["componentsExtra"].split(",").map((x) => x.trim())) {
      if (c === "") continue;
      if (!known.includes(c)) {
        throw new CliError(`invalid --components-extra value "${c}": want some of ${known.join(", ")}`);
      }
      if (!components.includes(c)) components = [...components, c];
    }
  }
  const str = (name: string): string | undefined => (typeof opts[name] === "string" ? opts[name] : undefined);
  return {
    namespace: opts.namespace,
    chart,
    components,
    registry: str("registry"),
    version: str("version"),
    imagePullSecret: str("imagePullSecret"),
    watchAllNamespaces: opts["watchAllNamespaces"] === false ? false : undefined,
    logLevel: str("logLevel"),
    clusterDomain: str("clusterDomain"),
    networkPolicy: opts["networkPolicy"] === false ? false : undefined,
  };
}

/** The chart values the options stand for: the namespace itself, the chosen controllers, and each flag given. */
export function installValues(o: InstallOptions): Record<string, unknown> {
  const values: Record<string, unknown> = { namespace: { create: true } };
  for (const c of o.chart.components) values[c.valuesKey] = { create: o.components.includes(c.name) };
  const image: Record<string, string> = {};
  if (o.registry !== undefined) image["registry"] = o.registry.replace(/\/+$/, "");
  if (o.version !== undefined) image["tag"] = o.version;
  if (Object.keys(image).length > 0) values["image"] = image;
  if (o.imagePullSecret !== undefined) values["imagePullSecrets"] = [{ name: o.imagePullSecret }];
  if (o.watchAllNamespaces !== undefined) values["watchAllNamespaces"] = o.watchAllNamespaces;
  if (o.logLevel !== undefined) values["logLevel"] = o.logLevel;
  if (o.clusterDomain !== undefined) values["clusterDomain"] = o.clusterDomain;
  if (o.networkPolicy !== undefined) values["policies"] = { create: o.networkPolicy };
  return values;
}

/** The `helm template` arguments of an install (values come from `valuesFile`). */
export function helmTemplateArgs(o: InstallOptions, valuesFile: string): string[] {
  return [
    "template",
    RELEASE_NAME,
    o.chart.dir,
    "--namespace",
    o.namespace,
    "--include-crds",
    "--skip-tests",
    "--values",
    valuesFile,
  ];
}

/** Renders the chart with the real helm; a bad value fails with helm's message (values.schema.json). */
export async function renderInstall(o: InstallOptions, env: NodeJS.ProcessEnv): Promise<string> {
  let helm: string;
  try {
    helm = resolveTool("helm", { env }).path;
  } catch (err: unknown) {
    throw new CliError(`sluice install renders the Sluice chart with helm: ${errorMessage(err)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "sluice-install-"));
  try {
    const file = join(dir, "values.json");
    await writeFile(file, JSON.stringify(installValues(o)), { mode: 0o600 });
    return await new Promise<string>((resolve, reject) => {
      execFile(
        helm,
        helmTemplateArgs(o, file),
        {
          env: { ...env, HELM_CACHE_HOME: join(dir, "cache"), HELM_CONFIG_HOME: join(dir, "config") },
          maxBuffer: 256 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          if (err) reject(new CliError(`rendering the chart ${o.chart.dir} failed: ${oneLine(stderr) || err.message}`));
          else resolve(stdout);
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** helm's multi-line error as one line (`Error: ` dropped). */
function oneLine(text: string): string {
  return text
    .replace(/^Error: /, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ");
}

/** The objects of a render, in its order. */
export function renderedObjects(yaml: string): UnstructuredObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as UnstructuredObject | null)
    .filter((o): o is UnstructuredObject => o !== null && typeof o === "object" && typeof o.kind === "string");
}

/** `install --export` and gotk-components.yaml: a header naming the chart and components, then the render. */
export function installYaml(render: string, o: InstallOptions): string {
  return (
    `# Sluice v${CLI_VERSION}: chart ${o.chart.version} rendered by 'sluice install --export' (helm template),\n` +
    `# components: ${o.components.join(", ")}\n${render}`
  );
}

/** The install option flags shared by `install` and `bootstrap`. */
export function installFlagHelp(env: NodeJS.ProcessEnv): Record<"components" | "registry" | "version", string> {
  let components = "the chart's defaults";
  let registry = "the chart's image.registry";
  let appVersion = "<appVersion>";
  try {
    const chart = readChart(chartDirectory(env));
    components = chart.components
      .filter((c) => c.enabledByDefault)
      .map((c) => c.name)
      .join(",");
    registry = chart.defaultRegistry;
    appVersion = chart.appVersion;
  } catch {
    // No chart: the help text still works; running install will say where it looked.
  }
  return {
    components: `list of components, accepts comma-separated values (default ${components})`,
    registry: `container registry where the controller image (<registry>/sluice:<version>) is published (default ${registry})`,
    version: `image tag of the controllers (default v${appVersion}, the chart's appVersion)`,
  };
}
