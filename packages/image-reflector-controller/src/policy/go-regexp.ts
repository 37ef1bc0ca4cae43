// Go (RE2) regular expressions for `exclusionList` and `filterTags`, through re2js so the syntax (including
// `(?P<name>…)`) and linear-time matching are Go's, and Go's Regexp.ExpandString for `filterTags.extract`.

import { RE2JS } from "re2js";

/** A compiled Go regular expression. */
export type GoRegexp = RE2JS;

/** Compiles `pattern` with Go's syntax; throws an Error whose message is the parse failure. */
export function compileGoRegexp(pattern: string): GoRegexp {
  try {
    return RE2JS.compile(pattern);
  } catch (err: unknown) {
    throw new Error(err instanceof Error ? err.message : String(err));
  }
}

/** True when `re` matches anywhere in `text` (Go's MatchString). */
export function matchesGo(re: GoRegexp, text: string): boolean {
  return re.matcher(text).find();
}

/**
 * Go's `Regexp.ExpandString(nil, template, text, FindStringSubmatchIndex(text))` for the first match of
 * `re` in `text`: `$1`, `${1}`, `$name`, `${name}` are replaced by the submatch (empty when unknown or
 * unmatched), `$$` by `$`. Undefined when `re` does not match.
 */
export function expandGo(re: GoRegexp, template: string, text: string): string | undefined {
  const m = re.matcher(text);
  if (!m.find()) return undefined;
  const named = re.namedGroups();
  const group = (name: string): string => {
    const index = /^\d+$/.test(name) ? Number(name) : named[name];
    if (index === undefined || index > re.groupCount()) return "";
    return m.group(index) ?? "";
  };
  let out = "";
  for (let i = 0; i < template.length; ) {
    const c = template[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = template[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const close = template.indexOf("}", i + 2);
      const name = close < 0 ? "" : template.slice(i + 2, close);
      if (close < 0 || !/^\w+$/.test(name)) {
        out += "$";
        i++;
        continue;
      }
      out += group(name);
      i = close + 1;
      continue;
    }
    const name = /^\w+/.exec(template.slice(i + 1))?.[0];
    if (!name) {
      out += "$";
      i++;
      continue;
    }
    out += group(name);
    i += 1 + name.length;
  }
  return out;
}
