/** One requirement of a Kubernetes label selector. */
interface Requirement {
  key: string;
  op: "in" | "notin" | "exists" | "!exists";
  values: string[];
}

/** A parsed label selector (`app=web,tier in (a,b),!legacy`), applicable to labels or annotations. */
export interface LabelSelector {
  readonly source: string;
  matches(labels: Record<string, string> | undefined): boolean;
}

/**
 * Parses the Kubernetes label selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
 * `k` (exists) and `!k` (does not exist), comma-separated. Throws a SyntaxError naming the bad part.
 */
export function parseLabelSelector(source: string): LabelSelector {
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(source)) {
    const text = part.trim();
    if (text === "") continue;
    const requirement = parseRequirement(text);
    if (!requirement) throw new SyntaxError(`invalid label selector '${source}' at '${text}'`);
    requirements.push(requirement);
  }
  return {
    source,
    matches(labels) {
      const set = labels ?? {};
      return requirements.every((r) => satisfies(r, set));
    },
  };
}

function parseRequirement(text: string): Requirement | undefined {
  const set = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) {
    const values = set[3]!
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    return { key: set[1]!, op: set[2] as "in" | "notin", values };
  }
  const equality = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(text);
  if (equality) return { key: equality[1]!, op: equality[2] === "!=" ? "notin" : "in", values: [equality[3]!] };
  const absent = /^!\s*([^\s=!(),]+)$/.exec(text);
  if (absent) return { key: absent[1]!, op: "!exists", values: [] };
  const present = /^([^\s=!(),]+)$/.exec(text);
  if (present) return { key: present[1]!, op: "exists", values: [] };
  return undefined;
}

function satisfies(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  if (r.op === "exists") return has;
  if (r.op === "!exists") return !has;
  const value = labels[r.key];
  if (r.op === "in") return has && value !== undefined && r.values.includes(value);
  return !has || value === undefined || !r.values.includes(value);
}

function splitTopLevel(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(source.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}
