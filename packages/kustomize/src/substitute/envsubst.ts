import { compileGlob } from "./glob.js";

// Bash-style `${...}` expansion with the exact syntax of github.com/fluxcd/pkg/envsubst (a fork of
// drone/envsubst), which kustomize-controller runs on every built object. Only `${...}` is expanded, never
// a bare `$var`; `$$` is an escaped `$`.

/** A syntax error in a `${...}` expression. */
export class SubstitutionSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubstitutionSyntaxError";
  }
}

/** A variable without default is missing in strict mode. */
export class VariableNotSetError extends Error {
  constructor(readonly variable: string) {
    super(`variable not set (strict mode): ${JSON.stringify(variable)}`);
    this.name = "VariableNotSetError";
  }
}

const BAD_SUBSTITUTION = "bad substitution";
const MISSING_CLOSING_BRACE = "missing closing brace";
const PARSE_VARIABLE_NAME = "unable to parse variable name";
const PARSE_FUNC_SUBSTITUTION = "unable to parse substitution within function";
const PARSE_DEFAULT_FUNCTION = "unable to parse default function";

type Node =
  | { type: "text"; value: string }
  | { type: "func"; param: string; name: string; args: Node[] }
  | { type: "list"; nodes: Node[] };

type Accept = (c: string, i: number) => boolean;

const SCAN_IDENT = 1;
const SCAN_LBRACK = 2;
const SCAN_RBRACK = 4;
const SCAN_ESCAPE = 8;
const ESC_DOLLAR = 1;
const ESC_BACKSLASH = 2;

enum Token {
  Illegal = 0,
  Eof = 1,
  Ident = 2,
  Lbrack = 3,
  Rbrack = 4,
}

const acceptRune: Accept = () => true;
const acceptIdent: Accept = (c) => /^[\p{L}\p{Nd}_]$/u.test(c);
const acceptColon: Accept = (c) => c === ":";
const acceptOneHash: Accept = (c, i) => c === "#" && i === 1;
const acceptNotClosing: Accept = (c) => c !== "}";
const acceptHashFunc: Accept = (c, i) => c === "#" && i < 3;
const acceptPercentFunc: Accept = (c, i) => c === "%" && i < 3;
const acceptDefaultFunc: Accept = (c, i) => (i === 1 && c === ":") || (i === 2 && "=-?+".includes(c));
const acceptReplaceFunc: Accept = (c, i) => (i === 1 && c === "/") || (i === 2 && "/#%".includes(c));
const acceptOneEqual: Accept = (c, i) => i === 1 && c === "=";
const acceptOneColon: Accept = (c, i) => i === 1 && c === ":";
const rejectColonClose: Accept = (c) => c !== ":" && c !== "}";
const acceptSlash: Accept = (c) => c === "/";
const acceptNotSlash: Accept = (c) => c !== "/";
const acceptCasingFunc: Accept = (c, i) => (c === "," || c === "^") && i < 3;

/** The scanner of fluxcd/pkg/envsubst/parse, character for character (positions in UTF-16 units). */
class Scanner {
  buf = "";
  pos = 0;
  start = 0;
  width = 0;
  mode = 0;
  escapeChars = 0;
  accept: Accept = acceptRune;

  constructor(buf: string) {
    this.buf = buf;
  }

  read(): string {
    if (this.pos >= this.buf.length) {
      this.width = 0;
      return "";
    }
    const cp = this.buf.codePointAt(this.pos) as number;
    const c = String.fromCodePoint(cp);
    this.width = c.length;
    this.pos += this.width;
    return c;
  }

  unread(): void {
    this.pos -= this.width;
  }

  skip(): void {
    this.buf = this.buf.slice(0, this.pos - 1) + this.buf.slice(this.pos);
  }

  peek(): string {
    const c = this.read();
    this.unread();
    return c;
  }

  text(): string {
    return this.buf.slice(this.start, this.pos);
  }

  scan(): Token {
    this.start = this.pos;
    const c = this.read();
    if (c === "") return Token.Eof;
    if (this.scanLbrack(c)) return Token.Lbrack;
    if (this.scanRbrack(c)) return Token.Rbrack;
    if (this.scanIdent(c)) return Token.Ident;
    return Token.Illegal;
  }

  private scanIdent(first: string): boolean {
    if ((this.mode & SCAN_IDENT) === 0) return false;
    if (this.scanEscaped(first)) this.skip();
    else if (!this.accept(first, this.pos - this.start)) return false;
    for (;;) {
      const c = this.read();
      if (c === "") {
        this.unread();
        break;
      }
      if (this.scanLbrack(c)) {
        this.unread();
        this.unread();
        break;
      }
      if (this.scanEscaped(c)) {
        this.skip();
        continue;
      }
      if (!this.accept(c, this.pos - this.start)) {
        this.unread();
        break;
      }
    }
    return true;
  }

  private scanLbrack(c: string): boolean {
    if ((this.mode & SCAN_LBRACK) === 0) return false;
    if (c === "$") {
      if (this.read() === "{") return true;
      this.unread();
    }
    return false;
  }

  private scanRbrack(c: string): boolean {
    return (this.mode & SCAN_RBRACK) !== 0 && c === "}";
  }

  private scanEscaped(c: string): boolean {
    if ((this.mode & SCAN_ESCAPE) === 0) return false;
    if (c === "$" && (this.escapeChars & ESC_DOLLAR) !== 0 && this.peek() === "$") return true;
    if (c === "\\" && (this.escapeChars & ESC_BACKSLASH) !== 0) {
      const next = this.peek();
      return next === "/" || next === "\\";
    }
    return false;
  }
}

const EMPTY: Node = { type: "text", value: "" };

/** The parser of fluxcd/pkg/envsubst/parse. */
class Parser {
  private readonly s: Scanner;

  constructor(buf: string) {
    this.s = new Scanner(buf);
  }

  parseAny(): Node {
    // Iterative over the top-level list so long documents do not recurse deeply.
    const nodes: Node[] = [];
    for (;;) {
      const s = this.s;
      s.accept = acceptRune;
      s.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
      s.escapeChars = ESC_DOLLAR;
      const token = s.scan();
      if (token === Token.Eof) break;
      if (token === Token.Ident) nodes.push({ type: "text", value: s.text() });
      else if (token === Token.Lbrack) nodes.push(this.parseFunc());
      else throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    }
    if (nodes.length === 0) return EMPTY;
    return nodes.length === 1 ? (nodes[0] as Node) : { type: "list", nodes };
  }

  private parseFunc(): Node {
    const s = this.s;
    s.escapeChars = ESC_DOLLAR | ESC_BACKSLASH;
    if (s.peek() === "#") return this.parseLenFunc();
    s.accept = acceptIdent;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(PARSE_VARIABLE_NAME);
    const name = s.text();
    switch (s.peek()) {
      case ":":
        return this.parseDefaultOrSubstr(name);
      case "=":
        return this.parseDefaultFunc(name);
      case ",":
      case "^":
        return this.parseCasingFunc(name);
      case "/":
        return this.parseReplaceFunc(name);
      case "#":
        return this.parseRemoveFunc(name, acceptHashFunc);
      case "%":
        return this.parseRemoveFunc(name, acceptPercentFunc);
    }
    s.accept = acceptIdent;
    s.mode = SCAN_RBRACK;
    if (s.scan() !== Token.Rbrack) throw new SubstitutionSyntaxError(MISSING_CLOSING_BRACE);
    return { type: "func", param: name, name: "", args: [] };
  }

  private parseParam(accept: Accept, mode: number): Node {
    const s = this.s;
    s.accept = accept;
    s.mode = mode | SCAN_LBRACK;
    switch (s.scan()) {
      case Token.Lbrack:
        return this.parseFunc();
      case Token.Ident:
      case Token.Rbrack:
        return { type: "text", value: s.text() };
      default:
        throw new SubstitutionSyntaxError(PARSE_FUNC_SUBSTITUTION);
    }
  }

  private parseDefaultOrSubstr(name: string): Node {
    const s = this.s;
    s.read();
    const next = s.peek();
    s.unread();
    return "=-?+".includes(next) && next !== "" ? this.parseDefaultFunc(name) : this.parseSubstrFunc(name);
  }

  private parseSubstrFunc(param: string): Node {
    const s = this.s;
    s.accept = acceptOneColon;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    const node = { type: "func" as const, param, name: s.text(), args: [] as Node[] };
    node.args.push(this.parseParam(rejectColonClose, SCAN_IDENT));
    s.accept = acceptColon;
    s.mode = SCAN_IDENT | SCAN_RBRACK;
    const token = s.scan();
    if (token === Token.Rbrack) return node;
    if (token !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseRemoveFunc(param: string, accept: Accept): Node {
    const s = this.s;
    s.accept = accept;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    const node = { type: "func" as const, param, name: s.text(), args: [] as Node[] };
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseReplaceFunc(param: string): Node {
    const s = this.s;
    s.accept = acceptReplaceFunc;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    const node = { type: "func" as const, param, name: s.text(), args: [] as Node[] };
    node.args.push(this.parseParam(acceptNotSlash, SCAN_IDENT | SCAN_ESCAPE));
    s.accept = acceptSlash;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    if (s.peek() === "}") {
      this.consumeRbrack();
      return node;
    }
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT | SCAN_ESCAPE));
    this.consumeRbrack();
    return node;
  }

  private parseDefaultFunc(param: string): Node {
    const s = this.s;
    s.accept = s.peek() === "=" ? acceptOneEqual : acceptDefaultFunc;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(PARSE_DEFAULT_FUNCTION);
    const node = { type: "func" as const, param, name: s.text(), args: [] as Node[] };
    for (;;) {
      if (s.peek() === "}") {
        this.consumeRbrack();
        return node;
      }
      node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    }
  }

  private parseCasingFunc(param: string): Node {
    const s = this.s;
    s.accept = acceptCasingFunc;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    const node: Node = { type: "func", param, name: s.text(), args: [] };
    this.consumeRbrack();
    return node;
  }

  private parseLenFunc(): Node {
    const s = this.s;
    s.accept = acceptOneHash;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    const name = s.text();
    s.accept = acceptIdent;
    s.mode = SCAN_IDENT;
    if (s.scan() !== Token.Ident) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
    const node: Node = { type: "func", param: s.text(), name, args: [] };
    this.consumeRbrack();
    return node;
  }

  private consumeRbrack(): void {
    this.s.mode = SCAN_RBRACK;
    if (this.s.scan() !== Token.Rbrack) throw new SubstitutionSyntaxError(BAD_SUBSTITUTION);
  }
}

/** Looks a variable up: its value and whether it is set. */
export type VariableLookup = (name: string) => [value: string, exists: boolean];

const DEFAULT_OPS = new Set(["-", "+", "=", "?", ":-", ":+", ":=", ":?"]);

/**
 * Expands every `${...}` in `text` as fluxcd/pkg/envsubst does: `${var}`, defaults `${var:=d}`, `${var:-d}`,
 * `${var=d}` (all: the default when the value is empty), `${#var}`, `${var:pos[:len]}`, `${var/a/b}`,
 * `${var//a/b}`, `${var/#a/b}`, `${var/%a/b}`, `${var#glob}`, `${var##glob}`, `${var%glob}`, `${var%%glob}`,
 * `${var^}`, `${var^^}`, `${var,}`, `${var,,}`; `$$` is a literal `$`. A variable the lookup reports unset,
 * outside a default operator, throws {@link VariableNotSetError}; bad syntax throws
 * {@link SubstitutionSyntaxError}.
 */
export function envsubst(text: string, lookup: VariableLookup): string {
  const root = new Parser(text).parseAny();
  const out: string[] = [];
  evaluate(root, lookup, out);
  return out.join("");
}

function evaluate(node: Node, lookup: VariableLookup, out: string[]): void {
  if (node.type === "text") {
    out.push(node.value);
    return;
  }
  if (node.type === "list") {
    for (const n of node.nodes) evaluate(n, lookup, out);
    return;
  }
  const args = node.args.map((arg) => {
    const parts: string[] = [];
    evaluate(arg, lookup, parts);
    return parts.join("");
  });
  const [value, exists] = lookup(node.param);
  if (!exists && !DEFAULT_OPS.has(node.name)) throw new VariableNotSetError(node.param);
  out.push(applyFunc(node.name, value, args));
}

function applyFunc(name: string, s: string, args: string[]): string {
  const [a0, a1] = args;
  switch (name) {
    case ",":
      return s.length === 0 ? s : firstChar(s).toLowerCase() + s.slice(firstChar(s).length);
    case ",,":
      return s.toLowerCase();
    case "^":
      return s.length === 0 ? s : firstChar(s).toUpperCase() + s.slice(firstChar(s).length);
    case "^^":
      return s.toUpperCase();
    case "#":
      return args.length === 0 ? String(Buffer.byteLength(s)) : trimPrefix(s, a0 as string, false);
    case "##":
      return a0 === undefined ? s : trimPrefix(s, a0, true);
    case "%":
      return a0 === undefined ? s : trimSuffix(s, a0, false);
    case "%%":
      return a0 === undefined ? s : trimSuffix(s, a0, true);
    case ":":
      return substring(s, args);
    case "/#":
      return args.length === 2 && s.startsWith(a0 as string) ? (a1 as string) + s.slice((a0 as string).length) : s;
    case "/%":
      return args.length === 2 && s.endsWith(a0 as string)
        ? s.slice(0, s.length - (a0 as string).length) + (a1 as string)
        : s;
    case "/":
      return a0 === undefined ? s : replaceFirst(s, a0, a1 ?? "");
    case "//":
      return a0 === undefined ? s : replaceAll(s, a0, a1 ?? "");
    default:
      return s.length === 0 && args.length > 0 ? args.join("") : s;
  }
}

function firstChar(s: string): string {
  return String.fromCodePoint(s.codePointAt(0) as number);
}

/** Go `strings.Replace(s, old, new, 1)`, including its empty-`old` behaviour (insert at the start). */
function replaceFirst(s: string, old: string, repl: string): string {
  const at = s.indexOf(old);
  return at === -1 ? s : s.slice(0, at) + repl + s.slice(at + old.length);
}

/** Go `strings.Replace(s, old, new, -1)`: an empty `old` inserts `new` around every character. */
function replaceAll(s: string, old: string, repl: string): string {
  if (old === "") return repl + Array.from(s).join(repl) + (s.length > 0 ? repl : "");
  return s.split(old).join(repl);
}

/** Go's `${var:pos[:len]}` on bytes of ASCII-safe strings; non-numeric arguments leave the value as is. */
function substring(s: string, args: string[]): string {
  const [p, l] = args;
  if (p === undefined) return s;
  let pos = goAtoi(p);
  if (pos === undefined) return s;
  if (pos < 0) pos = Math.max(s.length + pos, 0);
  if (l === undefined) return pos < s.length ? s.slice(pos) : "";
  const length = goAtoi(l);
  if (length === undefined) return s;
  if (pos + length >= s.length) return pos < s.length ? s.slice(pos) : "";
  return s.slice(pos, pos + length);
}

function goAtoi(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined;
}

function trimPrefix(s: string, pattern: string, longest: boolean): string {
  const glob = compileGlob(pattern);
  if (!glob) return s;
  // Candidates are the prefixes s[0:len-i] for i in [0, len): longest first.
  let shortest: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const prefix = s.slice(0, s.length - i);
    if (glob.test(prefix)) {
      if (longest) return s.slice(prefix.length);
      shortest = prefix;
    }
  }
  return shortest ? s.slice(shortest.length) : s;
}

function trimSuffix(s: string, pattern: string, longest: boolean): string {
  const reverse = (text: string) => Array.from(text).reverse().join("");
  return reverse(trimPrefix(reverse(s), reverse(pattern), longest));
}
