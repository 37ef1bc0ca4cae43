import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { type GitRepository, GitRepositoryKind } from "./git-repository.js";

// Example objects from Flux's docs/spec/v1/gitrepositories.md. Complete objects validate as they are;
// the docs' spec fragments (which leave out url and interval) validate once completed with those.
const COMPLETE_EXAMPLES = {
  "basic podinfo": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
`,
  "aws codecommit with object-level workload identity": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: codecommit-repository
  namespace: flux-system
spec:
  interval: 5m0s
  provider: aws
  serviceAccountName: my-tenant # optional (used for object-level workload identity)
  url: https://git-codecommit.<region>.amazonaws.com/v1/repos/<repository-name>
  ref:
    branch: main
`,
  "PGP verification": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 1m
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
  verify:
    mode: HEAD
    secretRef:
      name: pgp-public-keys
`,
  "sparse checkout": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
  sparseCheckout:
  - charts
  - kustomize
`,
  "status with artifact": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: <repository-name>
status:
  artifact:
    digest: sha256:e750c7a46724acaef8f8aa926259af30bbd9face2ae065ae8896ba5ee5ab832b
    lastUpdateTime: "2022-01-29T06:59:23Z"
    path: gitrepository/<namespace>/<repository-name>/c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2.tar.gz
    revision: master@sha1:363a6a8fe6a7f13e05d34c163b0ef02a777da20a
    size: 91318
    url: http://source-controller.<namespace>.svc.cluster.local./gitrepository/<namespace>/<repository-name>/363a6a8fe6a7f13e05d34c163b0ef02a777da20a.tar.gz
`,
};

const SPEC_FRAGMENTS = {
  "ref.branch": `
spec:
  ref:
    branch: <branch-name>
`,
  "ref.tag": `
spec:
  ref:
    tag: <tag-name>
`,
  "ref.semver": `
spec:
  ref:
    # SemVer range reference: https://github.com/Masterminds/semver#checking-version-constraints
    semver: "<semver-range>"
`,
  "ref.name": `
spec:
  ref:
    # Ref name format reference: https://git-scm.com/docs/git-check-ref-format#_description
    name: <reference-name>
`,
  "ref.commit": `
spec:
  ref:
    commit: "<commit SHA>"
`,
  "ref.branch with commit": `
spec:
  ref:
    branch: <branch>
    commit: "<commit SHA within branch>"
`,
  include: `
spec:
  include:
    - repository:
        name: other-repository
      fromPath: deploy/kubernetes
      toPath: base/app
`,
  ignore: `
spec:
  ignore: |
    # exclude all
    /*
    # include deploy dir
    !/deploy
    # exclude file extensions from deploy dir
    /deploy/**/*.md
    /deploy/**/*.txt
`,
  suspend: `
spec:
  suspend: true
`,
};

const base: GitRepository = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "GitRepository",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { url: "https://github.com/stefanprodan/podinfo", interval: "5m" },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("GitRepository schema", () => {
  it.each(Object.entries(COMPLETE_EXAMPLES))("accepts the docs example: %s", (_name, text) => {
    expect(validateObject(GitRepositoryKind, parse(text))).toEqual([]);
  });

  it.each(Object.entries(SPEC_FRAGMENTS))("accepts the docs spec fragment: %s", (_name, text) => {
    const fragment = parse(text) as { spec: Record<string, unknown> };
    expect(validateObject(GitRepositoryKind, withSpec(fragment.spec))).toEqual([]);
  });

  it.each([
    ["ssh URL", { url: "ssh://git@github.com/stefanprodan/podinfo" }],
    ["http URL", { url: "http://gitea.local:3000/org/repo.git" }],
    ["interval with hours", { interval: "1h30m" }],
    ["fractional timeout", { timeout: "1.5m" }],
    ["serviceAccountName with azure", { provider: "azure", serviceAccountName: "sa" }],
    ["github app provider", { provider: "github" }],
    ["legacy lowercase verify mode", { verify: { mode: "head", secretRef: { name: "keys" } } }],
    ["TagAndHEAD verification", { verify: { mode: "TagAndHEAD", secretRef: { name: "keys" } } }],
  ])("accepts %s", (_name, spec) => {
    expect(validateObject(GitRepositoryKind, withSpec(spec))).toEqual([]);
  });

  it.each([
    ["ftp URL", { url: "ftp://example.com/repo.git" }, "spec.url", /Invalid value: "ftp:\/\/example.com\/repo.git"/],
    ["scp-style URL", { url: "git@github.com:org/repo.git" }, "spec.url", /should match '\^\(http\|https\|ssh\)/],
    ["bad interval", { interval: "5 minutes" }, "spec.interval", /should match/],
    ["interval without unit", { interval: "300" }, "spec.interval", /should match/],
    ["timeout in hours", { timeout: "1h" }, "spec.timeout", /should match/],
    ["unknown provider", { provider: "gitlab" }, "spec.provider", /Unsupported value: "gitlab"/],
    [
      "unknown verify mode",
      { verify: { mode: "Commit", secretRef: { name: "keys" } } },
      "spec.verify.mode",
      /supported values: "head", "HEAD", "Tag", "TagAndHEAD"/,
    ],
    ["verify without secretRef", { verify: { mode: "HEAD" } }, "spec.verify.secretRef", /Required value/],
    ["secretRef without name", { secretRef: {} }, "spec.secretRef.name", /Required value/],
    ["include without repository", { include: [{ toPath: "x" }] }, "spec.include[0].repository", /Required value/],
    ["sparseCheckout of non-strings", { sparseCheckout: [1] }, "spec.sparseCheckout[0]", /must be of type string/],
    [
      "serviceAccountName without provider",
      { serviceAccountName: "sa" },
      "spec",
      /serviceAccountName can only be set when provider is 'azure' or 'aws'/,
    ],
    [
      "serviceAccountName with the generic provider",
      { provider: "generic", serviceAccountName: "sa" },
      "spec",
      /serviceAccountName can only be set when provider is 'azure' or 'aws'/,
    ],
    [
      "serviceAccountName with the github provider",
      { provider: "github", serviceAccountName: "sa" },
      "spec",
      /serviceAccountName can only be set/,
    ],
  ])("rejects %s naming %s", (_name, spec, field, message) => {
    const errors = validateObject(GitRepositoryKind, withSpec(spec));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["url", { interval: "1m" }],
    ["interval", { url: "https://example.com/repo.git" }],
  ])("requires spec.%s", (field, spec) => {
    expect(validateObject(GitRepositoryKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field: `spec.${field}`, message: "Required value" },
    ]);
  });

  it("defaults timeout to 60s and leaves ref unset (the controller then uses the master branch)", () => {
    const out = applyDefaults(GitRepositoryKind, base);
    expect(out.spec.timeout).toBe("60s");
    expect(out.spec.ref).toBeUndefined();
    expect(out.spec.provider).toBeUndefined();
  });

  it("keeps an explicit timeout and defaults verify.mode to HEAD", () => {
    const out = applyDefaults(GitRepositoryKind, withSpec({ timeout: "2m", verify: { secretRef: { name: "k" } } }));
    expect(out).toMatchObject({ spec: { timeout: "2m", verify: { mode: "HEAD", secretRef: { name: "k" } } } });
  });

  it("rejects a status artifact without its required fields", () => {
    const errors = validateObject(GitRepositoryKind, {
      ...base,
      status: { artifact: { path: "p", url: "http://x/p", revision: "main@sha1:abc", digest: "sha256:0a1b" } },
    });
    expect(errors).toEqual([
      { type: "FieldValueRequired", field: "status.artifact.lastUpdateTime", message: "Required value" },
    ]);
  });
});

describe("GitRepository CRD", () => {
  const crd = crdFor(GitRepositoryKind) as {
    metadata: { name: string };
    spec: {
      group: string;
      scope: string;
      names: Record<string, unknown>;
      versions: Array<{
        name: string;
        served: boolean;
        storage: boolean;
        subresources?: unknown;
        additionalPrinterColumns?: unknown;
        schema: { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } };
      }>;
    };
  };
  const version = crd.spec.versions[0];

  it("is named and scoped as Flux's", () => {
    expect(crd.metadata.name).toBe("gitrepositories.source.toolkit.fluxcd.io");
    expect(crd.spec.group).toBe("source.toolkit.fluxcd.io");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toEqual({
      kind: "GitRepository",
      listKind: "GitRepositoryList",
      plural: "gitrepositories",
      singular: "gitrepository",
      shortNames: ["gitrepo"],
      categories: ["all", "fluxcd", "fluxcd-sources"],
    });
  });

  it("serves v1 with the status subresource and Flux's printer columns", () => {
    expect(version).toMatchObject({ name: "v1", served: true, storage: true, subresources: { status: {} } });
    expect(version?.additionalPrinterColumns).toEqual([
      { name: "URL", type: "string", jsonPath: ".spec.url" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    ]);
  });

  it("publishes the spec's required fields, patterns, defaults and CEL rule", () => {
    const props = version?.schema.openAPIV3Schema.properties ?? {};
    const spec = props["spec"] as {
      required: string[];
      properties: Record<string, Record<string, unknown>>;
      "x-kubernetes-validations": unknown[];
    };
    expect([...spec.required].sort()).toEqual(["interval", "url"]);
    expect(spec.properties["url"]?.["pattern"]).toBe("^(http|https|ssh)://.*$");
    expect(spec.properties["interval"]?.["pattern"]).toBe("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$");
    expect(spec.properties["timeout"]).toMatchObject({ default: "60s", pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$" });
    expect(spec["x-kubernetes-validations"]).toHaveLength(1);
    expect(props["status"]?.["default"]).toEqual({ observedGeneration: -1 });
  });
});
