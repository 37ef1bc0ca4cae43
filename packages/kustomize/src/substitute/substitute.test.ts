// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the cases are literal ${...} expressions under test
import { describe, expect, it } from "vitest";
import { PostBuildError, substituteObject, substituteObjects } from "./substitute.js";
import { mergeSubstituteVariables, SubstituteSourceNotFoundError } from "./variables.js";

const deploy = (extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-${ENV}", namespace: "${NS:=apps}", ...extra },
  spec: {
    replicas: "${REPLICAS:=1}",
    template: { spec: { containers: [{ name: "app", image: "nginx:${TAG:=latest}" }] } },
  },
});

describe("substituteObject", () => {
  it.each<[string, Record<string, string>, { always?: boolean }, Record<string, unknown>]>([
    [
      "values and defaults; numbers become numbers again",
      { ENV: "prod", TAG: "1.27", REPLICAS: "3" },
      {},
      {
        metadata: { name: "web-prod", namespace: "apps" },
        spec: { replicas: 3, template: { spec: { containers: [{ name: "app", image: "nginx:1.27" }] } } },
      },
    ],
    [
      "no variables and WithVariables strategy: untouched",
      {},
      {},
      { metadata: { name: "web-${ENV}", namespace: "${NS:=apps}" }, spec: { replicas: "${REPLICAS:=1}" } },
    ],
    [
      "no variables and Always strategy: defaults applied, unset become empty",
      {},
      { always: true },
      {
        metadata: { name: "web-", namespace: "apps" },
        spec: { replicas: 1, template: { spec: { containers: [{ name: "app", image: "nginx:latest" }] } } },
      },
    ],
  ])("%s", (_name, vars, options, expected) => {
    const out = substituteObject(deploy(), new Map(Object.entries(vars)), options);
    expect(out).toMatchObject(expected);
  });

  it.each([
    ["annotation", { annotations: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" } }],
    ["label", { labels: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" } }],
  ])("skips an object opted out by %s", (_name, meta) => {
    const obj = deploy(meta);
    const out = substituteObject(obj, new Map([["ENV", "prod"]]), { always: true });
    expect(out.metadata.name).toBe("web-${ENV}");
  });

  it("substitutes an object whose opt-out value is not exactly 'disabled'", () => {
    const obj = deploy({ annotations: { "kustomize.toolkit.fluxcd.io/substitute": "enabled" } });
    expect(substituteObject(obj, new Map([["ENV", "prod"]])).metadata.name).toBe("web-prod");
  });

  it("keeps multi-line and special strings intact", () => {
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm" },
      data: {
        script: "#!/bin/sh\necho ${GREETING}\necho $HOME $${LITERAL}\n",
        json: '{"a": "${GREETING}"}',
        yes: "yes",
      },
    };
    const out = substituteObject(cm, new Map([["GREETING", "hi: there"]]));
    expect(out.data).toEqual({
      script: "#!/bin/sh\necho hi: there\necho $HOME ${LITERAL}\n",
      json: '{"a": "hi: there"}',
      yes: "yes",
    });
  });

  it("strict mode names the unset variable and the object", () => {
    const err = (() => {
      try {
        substituteObject(deploy(), new Map([["TAG", "1.27"]]), { strict: true });
      } catch (e: unknown) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PostBuildError);
    expect((err as Error).message).toBe(
      `post build failed for 'apps_v1_Deployment/web-\${ENV}': envsubst error: variable substitution failed: variable not set (strict mode): "ENV"`,
    );
  });

  it("fails, naming the object, when a value turns the YAML invalid (as Flux's YAMLToJSON does)", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { image: "nginx:${TAG}" } };
    expect(() => substituteObject(cm, new Map([["OTHER", "x"]]))).toThrow(
      /^post build failed for '~G_v1_ConfigMap\/cm': envsubst error: YAMLToJSON: /,
    );
  });

  it("rejects invalid variable names", () => {
    expect(() => substituteObject(deploy(), new Map([["BAD-NAME", "x"]]))).toThrow(
      "'BAD-NAME' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'",
    );
  });

  it("names the core group as ~G in errors", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "${OOPS" } };
    expect(() => substituteObjects([cm], new Map([["X", "1"]]))).toThrow("post build failed for '~G_v1_ConfigMap/cm'");
  });
});

describe("mergeSubstituteVariables", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  it("merges sources in order, decodes Secrets, strips newlines, inline wins", () => {
    const vars = mergeSubstituteVariables(
      [
        { reference: { kind: "ConfigMap", name: "a" }, data: { A: "from-cm", B: "cm\nb" } },
        { reference: { kind: "Secret", name: "s" }, data: { B: b64("secret-b\n"), C: b64("c") } },
        { reference: { kind: "ConfigMap", name: "gone", optional: true }, data: undefined },
      ],
      { C: "inline-c" },
    );
    expect(Object.fromEntries(vars)).toEqual({ A: "from-cm", B: "secret-b", C: "inline-c" });
  });

  it("fails on a missing required source", () => {
    expect(() =>
      mergeSubstituteVariables([{ reference: { kind: "Secret", name: "vars" }, data: undefined }], undefined),
    ).toThrow(SubstituteSourceNotFoundError);
    expect(() =>
      mergeSubstituteVariables([{ reference: { kind: "Secret", name: "vars", optional: false }, data: undefined }], {}),
    ).toThrow("substitute from 'Secret/vars' error: Secret not found");
  });
});
