// `spec.pathPattern` as Flux's source-watcher expands it (artifactgenerator_pathpattern.go): `@<alias>/<pattern>`
// where `{name}` captures one path segment; every directory of the source matching the pattern yields one copy of
// each output artifact, its name rendered with the lowercased captures (which also become the ExternalArtifact's
// labels) and its copy `from`/`to` with the captures as found.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { OutputArtifact } from "@sluice/api";

/** One ExternalArtifact to build: the output artifact (templates rendered) and the labels of its captures. */
export interface ArtifactRequest {
  spec: OutputArtifact;
  labels?: Record<string, string> | undefined;
}

/** A pathPattern the generator can never expand (Flux's terminal error: the generator stalls). */
export class PathPatternError extends Error {
  override readonly name = "PathPatternError";
}

const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The artifacts to build: `spec.artifacts` as they are without `pathPattern`; otherwise one request per
 * matching directory (walked in name order) and output artifact. Throws {@link PathPatternError} for a bad
 * pattern, capture, rendered name or a name collision; other errors are walk failures (retried).
 */
export async function buildArtifactRequests(
  pathPattern: string | undefined,
  artifacts: readonly OutputArtifact[],
  sources: ReadonlyMap<string, string>,
): Promise<ArtifactRequest[]> {
  if (!pathPattern) return artifacts.map((spec) => ({ spec }));
  const slash = pathPattern.indexOf("/");
  if (slash < 0 || !pathPattern.startsWith("@"))
    throw new PathPatternError(`invalid pathPattern format: ${pathPattern}`);
  const alias = pathPattern.slice(1, slash);
  const pattern = pathPattern.slice(slash + 1);
  const root = sources.get(alias);
  if (root === undefined) {
    throw new PathPatternError(`pathPattern "${pathPattern}": source alias ${alias} not found in local sources`);
  }
  const { matcher, names } = compilePattern(pathPattern, pattern);
  for (const name of names) {
    const problem = labelKeyProblem(name);
    if (problem) {
      throw new PathPatternError(
        `pathPattern "${pathPattern}": capture variable "${name}" is not a valid Kubernetes label key: ${problem}`,
      );
    }
  }

  const requests: ArtifactRequest[] = [];
  const seen = new Map<string, string>();
  for (const rel of await directories(root)) {
    const match = matcher.exec(rel);
    if (!match) continue;
    const raw: Record<string, string> = {};
    const normalized: Record<string, string> = {};
    for (const name of names) {
      raw[name] = match.groups?.[name] ?? "";
      normalized[name] = raw[name].toLowerCase();
    }
    for (const [name, value] of Object.entries(normalized)) {
      const problem = labelValueProblem(value);
      if (problem) {
        throw new PathPatternError(
          `pathPattern "${pathPattern}": captured value "${value}" for variable "${name}" is not a valid Kubernetes label value: ${problem}`,
        );
      }
    }
    for (const artifact of artifacts) {
      let spec: OutputArtifact;
      try {
        spec = {
          ...artifact,
          name: renderTemplate(artifact.name, normalized),
          copy: artifact.copy.map((op) => ({
            ...op,
            from: renderTemplate(op.from, raw),
            to: renderTemplate(op.to, raw),
          })),
        };
      } catch (err: unknown) {
        throw new PathPatternError(
          `pathPattern "${pathPattern}": failed to render artifact ${artifact.name} for match ${rel}: ${(err as Error).message}`,
        );
      }
      const problem = subdomainProblem(spec.name);
      if (problem) {
        throw new PathPatternError(
          `pathPattern "${pathPattern}": rendered artifact name "${spec.name}" is not a valid Kubernetes object name: ${problem}`,
        );
      }
      const previous = seen.get(spec.name);
      if (previous !== undefined) {
        throw new PathPatternError(
          `pathPattern "${pathPattern}": directories "${previous}" and "${rel}" both resolve to artifact name "${spec.name}"`,
        );
      }
      seen.set(spec.name, rel);
      requests.push({ spec, labels: { ...normalized } });
    }
  }
  return requests;
}

/** The pattern as an anchored regular expression, `{name}` matching one path segment. */
function compilePattern(pathPattern: string, pattern: string): { matcher: RegExp; names: string[] } {
  const names: string[] = [];
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "{") {
      const end = pattern.indexOf("}", i + 1);
      if (end < 0) {
        throw new PathPatternError(
          `pathPattern "${pathPattern}": invalid capture starting at offset ${i}: missing closing brace`,
        );
      }
      const name = pattern.slice(i + 1, end);
      if (name === "") throw new PathPatternError(`pathPattern "${pathPattern}": empty capture variable`);
      if (!CAPTURE_NAME.test(name)) {
        throw new PathPatternError(
          `pathPattern "${pathPattern}": capture variable "${name}" must be a valid capture name matching [A-Za-z_][A-Za-z0-9_]*`,
        );
      }
      if (names.includes(name)) {
        throw new PathPatternError(`pathPattern "${pathPattern}": duplicate capture variable "${name}"`);
      }
      names.push(name);
      source += `(?<${name}>[^/]+)`;
      i = end;
    } else if (c === "}") {
      throw new PathPatternError(
        `pathPattern "${pathPattern}": invalid capture ending at offset ${i}: missing opening brace`,
      );
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return { matcher: new RegExp(`^${source}$`), names };
}

/** Substitutes `{name}` with `data[name]` (Flux's renderTemplateString and its errors). */
export function renderTemplate(template: string, data: Readonly<Record<string, string>>): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === "{") {
      const end = template.indexOf("}", i + 1);
      if (end < 0) {
        throw new Error(`invalid template "${template}": capture starting at offset ${i} is missing closing brace`);
      }
      const name = template.slice(i + 1, end);
      if (name === "") throw new Error(`invalid template "${template}": empty capture variable`);
      if (!CAPTURE_NAME.test(name)) {
        throw new Error(
          `invalid template "${template}": capture variable "${name}" must be a valid capture name matching [A-Za-z_][A-Za-z0-9_]*`,
        );
      }
      const value = data[name];
      if (value === undefined) {
        throw new Error(`invalid template "${template}": capture variable "${name}" is not defined by pathPattern`);
      }
      out += value;
      i = end;
    } else if (c === "}") {
      throw new Error(`invalid template "${template}": capture ending at offset ${i} is missing opening brace`);
    } else {
      out += c;
    }
  }
  return out;
}

/** Every directory under `root` (not `root` itself), slash-separated and relative, in walk order (names sorted). */
async function directories(root: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const out: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel, ...(await directories(root, rel)));
  }
  return out;
}

/** Kubernetes' label key check of a name without prefix (the reason, or undefined). */
function labelKeyProblem(name: string): string | undefined {
  if (name.length > 63) return "name part must be no more than 63 characters";
  if (!LABEL_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  }
  return undefined;
}

/** Kubernetes' label value check (the reason, or undefined). */
function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return "must be no more than 63 characters";
  if (!LABEL_VALUE.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  }
  return undefined;
}

/** Kubernetes' object name (DNS subdomain) check (the reason, or undefined). */
function subdomainProblem(name: string): string | undefined {
  if (name.length > 253) return "must be no more than 253 characters";
  if (!DNS_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}
