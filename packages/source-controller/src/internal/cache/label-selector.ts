// Syntax check of Kubernetes label selectors (`--watch-label-selector`), so a typo fails at startup instead
// of leaving the informer unable to list.

/** Error for a label selector the API server would refuse. */
export class InvalidLabelSelectorError extends Error {
  constructor(selector: string, detail: string) {
    super(`invalid label selector "${selector}": ${detail}`);
    this.name = "InvalidLabelSelectorError";
  }
}

const NAME = "[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const KEY = `(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?${NAME}`;
const VALUE = `(?:${NAME})?`;
const EQUALITY = new RegExp(`^(${KEY})\\s*(=|==|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(\\s*(${VALUE}(?:\\s*,\\s*${VALUE})*)\\s*\\)$`);
const EXISTS = new RegExp(`^!?\\s*(${KEY})$`);
const COMPARE = new RegExp(`^(${KEY})\\s*(<|>)\\s*(-?[0-9]+)$`);

/** Splits a selector at the commas that separate requirements (not those inside `in (…)` lists). */
function requirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/**
 * Checks a label selector's syntax (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`,
 * `a<1`, comma-separated). Returns the selector trimmed; throws {@link InvalidLabelSelectorError} naming
 * the bad requirement.
 */
export function validateLabelSelector(selector: string): string {
  const trimmed = selector.trim();
  if (trimmed === "") throw new InvalidLabelSelectorError(selector, "empty");
  for (const req of requirements(trimmed)) {
    if (!(EQUALITY.test(req) || SET.test(req) || EXISTS.test(req) || COMPARE.test(req))) {
      throw new InvalidLabelSelectorError(selector, `unable to parse requirement "${req}"`);
    }
  }
  return trimmed;
}
