// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the cases are literal ${...} expressions under test
import { describe, expect, it } from "vitest";
import { envsubst, SubstitutionSyntaxError, VariableNotSetError } from "./envsubst.js";

const vars: Record<string, string> = {
  NAME: "web",
  EMPTY: "",
  PATH_V: "/usr/local/bin/tool.tar.gz",
  MIXED: "hello World",
  NUM: "3",
};
const lenient = (name: string): [string, boolean] => [vars[name] ?? "", true];
const strict = (name: string): [string, boolean] => [vars[name] ?? "", name in vars];

describe("envsubst (fluxcd/pkg/envsubst semantics)", () => {
  it.each([
    ["plain text stays", "no vars here", "no vars here"],
    ["${var}", "name: ${NAME}", "name: web"],
    ["bare $var is not expanded", "name: $NAME", "name: $NAME"],
    ["unset var is empty when not strict", "x${MISSING}y", "xy"],
    ["${var:=default} on unset", "${MISSING:=fallback}", "fallback"],
    ["${var:-default} on unset", "${MISSING:-fallback}", "fallback"],
    ["${var:=default} on empty", "${EMPTY:=fallback}", "fallback"],
    ["${var=default} on set", "${NAME=fallback}", "web"],
    ["default with spaces and colons", "${MISSING:=a b:c}", "a b:c"],
    ["default that is another variable", "${MISSING:=${NAME}-x}", "web-x"],
    ["$${var} escapes", "$${NAME} and ${NAME}", "${NAME} and web"],
    ["$$ is a dollar", "cost: $$5", "cost: $5"],
    ["length", "${#NAME}", "3"],
    ["substring", "${NAME:1}", "eb"],
    ["substring with length", "${PATH_V:5:5}", "local"],
    ["negative offset", "${NAME:-2}", "web"],
    ["replace first", "${PATH_V/o/0}", "/usr/l0cal/bin/tool.tar.gz"],
    ["replace all", "${PATH_V//o/0}", "/usr/l0cal/bin/t00l.tar.gz"],
    ["replace prefix", "${PATH_V/#\\/usr/\\/opt}", "/opt/local/bin/tool.tar.gz"],
    ["replace suffix", "${PATH_V/%gz/xz}", "/usr/local/bin/tool.tar.xz"],
    ["trim shortest prefix glob", "${PATH_V#*/}", "usr/local/bin/tool.tar.gz"],
    ["trim longest prefix glob", "${PATH_V##*/}", "tool.tar.gz"],
    ["trim shortest suffix glob", "${PATH_V%.*}", "/usr/local/bin/tool.tar"],
    ["trim longest suffix glob", "${PATH_V%%.*}", "/usr/local/bin/tool"],
    ["upper first / all", "${MIXED^} ${MIXED^^}", "Hello World HELLO WORLD"],
    ["lower first / all", "${MIXED,,}", "hello world"],
    ["unicode names", "${ÄNAME:=ok}", "ok"],
    ["several on a line", "${NAME}-${NUM}-${NAME}", "web-3-web"],
  ])("%s", (_name, input, expected) => {
    expect(envsubst(input, lenient)).toBe(expected);
  });

  it("strict mode fails on an unset variable without default, naming it", () => {
    expect(() => envsubst("a: ${MISSING}", strict)).toThrow(VariableNotSetError);
    expect(() => envsubst("a: ${MISSING}", strict)).toThrow('variable not set (strict mode): "MISSING"');
    expect(envsubst("a: ${MISSING:=d} ${NAME}", strict)).toBe("a: d web");
  });

  it.each([
    ["unterminated", "${NAME", "missing closing brace"],
    ["empty name", "${}", "unable to parse variable name"],
    ["bad character in name", "${NA-ME}", "missing closing brace"],
  ])("rejects %s syntax", (_name, input, message) => {
    expect(() => envsubst(input, lenient)).toThrow(SubstitutionSyntaxError);
    expect(() => envsubst(input, lenient)).toThrow(message);
  });
});
