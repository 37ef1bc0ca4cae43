// A subset of Go's text/template, enough for Flux commit message templates: text with `{{ }}` actions and
// `{{-`/`-}}` trimming, comments, fields (`.A.B`, `$v.A`), variables (`$x := …`), `if`/`else if`/`else`,
// `range` (slices and maps, maps in sorted key order, with `$k, $v :=`), `with`, pipelines (`a | f`), and the
// functions print, println, printf (%s %d %v %q), len, index, not, and, or, eq, ne, plus sprig's
// upper, lower, title, trim, trimPrefix, trimSuffix, replace, join, contains, hasPrefix, hasSuffix, quote,
// default, trunc. Errors read like Go's (`template: <name>:<line>: …`).

/** A template that could not be parsed or executed. */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/** Go's struct type name for error messages (`can't evaluate field X in type T`). */
export const TYPE_NAME = Symbol("goTypeName");

type Node =
  | { t: "text"; text: string }
  | { t: "out"; pipe: Pipe; line: number }
  | { t: "if"; branches: { pipe: Pipe; body: Node[] }[]; otherwise: Node[]; line: number }
  | { t: "range"; vars: string[]; pipe: Pipe; body: Node[]; otherwise: Node[]; line: number }
  | { t: "with"; pipe: Pipe; body: Node[]; otherwise: Node[]; line: number };

interface Pipe {
  decl: string[];
  cmds: Arg[][];
  src: string;
}

type Arg =
  | { k: "field"; base: "dot" | string; path: string[] }
  | { k: "lit"; v: unknown }
  | { k: "fn"; name: string }
  | { k: "sub"; pipe: Pipe };

interface Action {
  src: string;
  line: number;
}

/** Parses and runs `source` against `data`; throws {@link TemplateError}. */
export function executeTemplate(name: string, source: string, data: unknown): string {
  const nodes = parse(name, source);
  const out: string[] = [];
  const scope = new Map<string, unknown>([["$", data]]);
  run(name, nodes, data, scope, out);
  return out.join("");
}

function parse(name: string, source: string): Node[] {
  const items: (string | Action)[] = [];
  let i = 0;
  let line = 1;
  while (i < source.length) {
    const open = source.indexOf("{{", i);
    if (open < 0) {
      items.push(source.slice(i));
      break;
    }
    let text = source.slice(i, open);
    let start = open + 2;
    if (source.startsWith("- ", start) || source.startsWith("-\n", start) || source.startsWith("-\t", start)) {
      text = text.replace(/\s+$/, "");
      start++;
    }
    items.push(text);
    line += (source.slice(i, open).match(/\n/g) ?? []).length;
    const close = source.indexOf("}}", start);
    if (close < 0) throw new TemplateError(`template: ${name}:${line}: unclosed action`);
    let body = source.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^\s*/.exec(source.slice(next));
      next += m?.[0].length ?? 0;
    }
    items.push({ src: body.trim(), line });
    line += (source.slice(open, next).match(/\n/g) ?? []).length;
    i = next;
  }
  let pos = 0;
  const block = (ends: string[]): { nodes: Node[]; end: string; endAction: Action | undefined } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const item = items[pos++] as string | Action;
      if (typeof item === "string") {
        if (item !== "") nodes.push({ t: "text", text: item });
        continue;
      }
      const src = item.src;
      if (src.startsWith("/*")) continue;
      const word = /^(\w+)\b/.exec(src)?.[1];
      if (word && ends.includes(word)) return { nodes, end: word, endAction: item };
      if (word === "if" || word === "with" || word === "range") {
        const pipeSrc = src.slice(word.length).trim();
        if (word === "if") {
          const branches = [{ pipe: parsePipe(name, item.line, pipeSrc), body: [] as Node[] }];
          let otherwise: Node[] = [];
          for (;;) {
            const r = block(["else", "end"]);
            (branches[branches.length - 1] as { body: Node[] }).body = r.nodes;
            if (r.end === "end") break;
            const rest = (r.endAction?.src ?? "").slice(4).trim();
            if (rest.startsWith("if ")) {
              branches.push({ pipe: parsePipe(name, item.line, rest.slice(3)), body: [] });
              continue;
            }
            otherwise = block(["end"]).nodes;
            break;
          }
          nodes.push({ t: "if", branches, otherwise, line: item.line });
        } else {
          let vars: string[] = [];
          let p = pipeSrc;
          const decl = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*/.exec(p);
          if (decl && word === "range") {
            vars = [decl[1] as string, ...(decl[2] ? [decl[2]] : [])];
            p = p.slice(decl[0].length);
          }
          const pipe = parsePipe(name, item.line, p);
          const r = block(["else", "end"]);
          const otherwise = r.end === "else" ? block(["end"]).nodes : [];
          nodes.push(
            word === "range"
              ? { t: "range", vars, pipe, body: r.nodes, otherwise, line: item.line }
              : { t: "with", pipe, body: r.nodes, otherwise, line: item.line },
          );
        }
        continue;
      }
      if (word === "end" || word === "else")
        throw new TemplateError(`template: ${name}:${item.line}: unexpected {{${word}}}`);
      nodes.push({ t: "out", pipe: parsePipe(name, item.line, src), line: item.line });
    }
    if (ends.length > 0) throw new TemplateError(`template: ${name}: unexpected EOF`);
    return { nodes, end: "", endAction: undefined };
  };
  return block([]).nodes;
}

function tokenize(name: string, line: number, src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)'|:=|\||\(|\)|,|[^\s|(),]+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: a tokenizer loop
  while ((m = re.exec(src)) !== null) {
    tokens.push(m[1] as string);
    last = re.lastIndex;
  }
  if (src.slice(last).trim() !== "") throw new TemplateError(`template: ${name}:${line}: bad syntax in {{${src}}}`);
  return tokens;
}

function parsePipe(name: string, line: number, src: string): Pipe {
  const tokens = tokenize(name, line, src);
  let pos = 0;
  const pipe = (): Pipe => {
    const decl: string[] = [];
    if (tokens[pos]?.startsWith("$") && tokens[pos + 1] === ":=") {
      decl.push(tokens[pos] as string);
      pos += 2;
    }
    const cmds: Arg[][] = [[]];
    while (pos < tokens.length && tokens[pos] !== ")") {
      const tok = tokens[pos++] as string;
      if (tok === "|") {
        cmds.push([]);
        continue;
      }
      (cmds[cmds.length - 1] as Arg[]).push(arg(tok));
    }
    if (cmds.some((c) => c.length === 0))
      throw new TemplateError(`template: ${name}:${line}: missing value in {{${src}}}`);
    return { decl, cmds, src };
  };
  const arg = (tok: string): Arg => {
    if (tok === "(") {
      const sub = pipe();
      if (tokens[pos++] !== ")") throw new TemplateError(`template: ${name}:${line}: unclosed left paren`);
      return { k: "sub", pipe: sub };
    }
    if (tok.startsWith('"')) return { k: "lit", v: JSON.parse(tok) };
    if (tok.startsWith("`")) return { k: "lit", v: tok.slice(1, -1) };
    if (/^-?\d+(\.\d+)?$/.test(tok)) return { k: "lit", v: Number(tok) };
    if (tok === "true" || tok === "false") return { k: "lit", v: tok === "true" };
    if (tok === "nil") return { k: "lit", v: undefined };
    if (tok.startsWith(".")) return { k: "field", base: "dot", path: tok === "." ? [] : tok.slice(1).split(".") };
    if (tok.startsWith("$")) {
      const [base = "$", ...path] = tok.split(".");
      return { k: "field", base, path };
    }
    if (/^\w+$/.test(tok)) return { k: "fn", name: tok };
    throw new TemplateError(`template: ${name}:${line}: unexpected "${tok}" in {{${src}}}`);
  };
  const p = pipe();
  if (pos < tokens.length) throw new TemplateError(`template: ${name}:${line}: unexpected ")" in {{${src}}}`);
  return p;
}

function typeName(v: unknown): string {
  if (v && typeof v === "object" && TYPE_NAME in v) return String((v as Record<symbol, unknown>)[TYPE_NAME]);
  if (v instanceof Map) return "map";
  if (Array.isArray(v)) return "slice";
  return v === undefined || v === null ? "nil" : typeof v;
}

function field(name: string, line: number, src: string, v: unknown, path: readonly string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (cur instanceof Map) cur = cur.get(key);
    else if (cur && typeof cur === "object" && key in cur) {
      const value = (cur as Record<string, unknown>)[key];
      cur = typeof value === "function" ? (value as () => unknown).call(cur) : value;
    } else if (cur && typeof cur === "object" && !(TYPE_NAME in cur)) {
      cur = undefined;
    } else {
      throw new TemplateError(
        `template: ${name}:${line}: executing "${name}" at <${src}>: can't evaluate field ${key} in type ${typeName(cur)}`,
      );
    }
  }
  return cur;
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** Go's default formatting (%v) of a value. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(show).join(" ")}]`;
  if (v instanceof Map) return `map[${[...v].map(([k, x]) => `${show(k)}:${show(x)}`).join(" ")}]`;
  if (typeof v === "object") {
    const s = String(v);
    if (s !== "[object Object]") return s;
    return `{${Object.values(v as object)
      .map(show)
      .join(" ")}}`;
  }
  return String(v);
}

function printf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(/%([%sdvq])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    const a = args[i++];
    if (verb === "q") return JSON.stringify(show(a));
    return show(a);
  });
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  print: (...a) =>
    a.map((x, i) => (i > 0 && typeof x !== "string" && typeof a[i - 1] !== "string" ? " " : "") + show(x)).join(""),
  println: (...a) => `${a.map(show).join(" ")}\n`,
  printf: (f, ...a) => printf(String(f), ...a),
  len: (v) => (v instanceof Map ? v.size : Array.isArray(v) || typeof v === "string" ? v.length : 0),
  index: (v, ...keys) =>
    keys.reduce((cur, k) => (cur instanceof Map ? cur.get(k) : (cur as Record<string, unknown>)?.[String(k)]), v),
  not: (v) => !truthy(v),
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  upper: (s) => show(s).toUpperCase(),
  lower: (s) => show(s).toLowerCase(),
  title: (s) => show(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => show(s).trim(),
  trimPrefix: (p, s) => (show(s).startsWith(show(p)) ? show(s).slice(show(p).length) : show(s)),
  trimSuffix: (p, s) => (show(s).endsWith(show(p)) ? show(s).slice(0, -show(p).length || undefined) : show(s)),
  replace: (o, n, s) => show(s).split(show(o)).join(show(n)),
  join: (sep, list) => (Array.isArray(list) ? list.map(show).join(show(sep)) : show(list)),
  contains: (sub, s) => show(s).includes(show(sub)),
  hasPrefix: (p, s) => show(s).startsWith(show(p)),
  hasSuffix: (p, s) => show(s).endsWith(show(p)),
  quote: (...a) => a.map((x) => JSON.stringify(show(x))).join(" "),
  default: (d, v) => (truthy(v) ? v : d),
  trunc: (n, s) => {
    const str = show(s);
    const k = Number(n);
    return k >= 0 ? str.slice(0, k) : str.slice(k);
  },
};

function evalPipe(name: string, line: number, pipe: Pipe, dot: unknown, scope: Map<string, unknown>): unknown {
  let prev: unknown;
  let first = true;
  for (const cmd of pipe.cmds) {
    const args = cmd.map((a) => evalArg(name, line, a, dot, scope));
    const head = cmd[0] as Arg;
    const extra = first ? [] : [prev];
    if (head.k === "fn") {
      const fn = FUNCS[head.name];
      if (!fn) throw new TemplateError(`template: ${name}:${line}: function "${head.name}" not defined`);
      prev = fn(...args.slice(1), ...extra);
    } else {
      if (cmd.length > 1 || !first) {
        throw new TemplateError(`template: ${name}:${line}: can't give argument to non-function in {{${pipe.src}}}`);
      }
      prev = args[0];
    }
    first = false;
  }
  for (const v of pipe.decl) scope.set(v, prev);
  return pipe.decl.length > 0 ? undefined : prev;
}

function evalArg(name: string, line: number, a: Arg, dot: unknown, scope: Map<string, unknown>): unknown {
  switch (a.k) {
    case "lit":
      return a.v;
    case "fn":
      return undefined;
    case "sub":
      return evalPipe(name, line, a.pipe, dot, scope);
    case "field": {
      const src = a.base === "dot" ? `.${a.path.join(".")}` : [a.base, ...a.path].join(".");
      if (a.base === "dot") return field(name, line, src, dot, a.path);
      if (!scope.has(a.base)) throw new TemplateError(`template: ${name}:${line}: undefined variable "${a.base}"`);
      return field(name, line, src, scope.get(a.base), a.path);
    }
  }
}

function entries(v: unknown): [unknown, unknown][] {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof Map) {
    return [...v].sort(([a], [b]) => {
      const sa = show(a);
      const sb = show(b);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    });
  }
  if (v && typeof v === "object") return Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (v === undefined || v === null) return [];
  throw new TemplateError(`range can't iterate over ${show(v)}`);
}

function run(name: string, nodes: readonly Node[], dot: unknown, scope: Map<string, unknown>, out: string[]): void {
  for (const n of nodes) {
    switch (n.t) {
      case "text":
        out.push(n.text);
        break;
      case "out": {
        const v = evalPipe(name, n.line, n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out.push(show(v));
        break;
      }
      case "if": {
        const hit = n.branches.find((b) => truthy(evalPipe(name, n.line, b.pipe, dot, scope)));
        run(name, hit ? hit.body : n.otherwise, dot, new Map(scope), out);
        break;
      }
      case "with": {
        const v = evalPipe(name, n.line, n.pipe, dot, scope);
        if (truthy(v)) run(name, n.body, v, new Map(scope), out);
        else run(name, n.otherwise, dot, new Map(scope), out);
        break;
      }
      case "range": {
        const list = entries(evalPipe(name, n.line, n.pipe, dot, scope));
        if (list.length === 0) run(name, n.otherwise, dot, new Map(scope), out);
        for (const [k, v] of list) {
          const inner = new Map(scope);
          if (n.vars.length === 1) inner.set(n.vars[0] as string, v);
          if (n.vars.length === 2) {
            inner.set(n.vars[0] as string, k);
            inner.set(n.vars[1] as string, v);
          }
          run(name, n.body, v, inner, out);
        }
        break;
      }
    }
  }
}
