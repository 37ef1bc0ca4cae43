// YAML output of objects as flux prints them (`---` before each document) and the helpers to build them.

import { formatDuration, parseDuration } from "@sluice/api";
import { stringify } from "yaml";
import { CliError } from "../errors.js";

/** One object as a YAML document with flux's leading `---`. */
export function toYamlDocument(obj: unknown): string {
  return `---\n${stringify(obj, { lineWidth: 0 })}`;
}

/** A Go duration flag normalised as flux writes it (`1m` → `1m0s`); a clear error names the flag. */
export function durationFlag(value: string, flag: string): string {
  try {
    return formatDuration(parseDuration(value));
  } catch {
    throw new CliError(`invalid --${flag} "${value}": want a duration like 30s, 1m or 1h`);
  }
}

/** Parses `--label k=v` values into a label map. */
export function labelsFlag(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new CliError(`invalid --label "${v}": want <key>=<value>`);
    labels[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return labels;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
