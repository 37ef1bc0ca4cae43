import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { type HelmRepository, HelmRepositoryKind, isOciHelmRepository } from "./helm-repository.js";

// Example objects from Flux's docs/spec/v1/helmrepositories.md.
const COMPLETE_EXAMPLES = {
  "HTTPS index": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: https://stefanprodan.github.io/podinfo
`,
  "OCI registry": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: default
spec:
  type: "oci"
  interval: 5m0s
  url: oci://ghcr.io/stefanprodan/charts
`,
  "basic auth": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: example
  namespace: default
spec:
  interval: 5m0s
  url: https://example.com
  secretRef:
    name: example-user
`,
  "private OCI registry": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: oci://ghcr.io/my-user/my-private-repo
  type: "oci"
  secretRef:
    name: oci-creds
`,
  "TLS client certificate": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: example
  namespace: default
spec:
  interval: 5m0s
  url: https://example.com
  certSecretRef:
    name: example-tls
`,
  "status with index artifact": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: <repository-name>
status:
  artifact:
    digest: sha256:83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111
    lastUpdateTime: "2022-02-04T09:55:58Z"
    path: helmrepository/<namespace>/<repository-name>/index-83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111.yaml
    revision: sha256:83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111
    size: 40898
    url: http://source-controller.flux-system.svc.cluster.local./helmrepository/<namespace>/<repository-name>/index-83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111.yaml
`,
  // From the HelmChart docs (verification section).
  "OCI registry for signed charts": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
spec:
  interval: 1m0s
  url: oci://ghcr.io/stefanprodan/charts
  type: "oci"
`,
};

const SPEC_FRAGMENTS = {
  suspend: `
spec:
  suspend: true
`,
};

const base: HelmRepository = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmRepository",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { url: "https://stefanprodan.github.io/podinfo", interval: "5m" },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("HelmRepository schema", () => {
  it.each(Object.entries(COMPLETE_EXAMPLES))("accepts the docs example: %s", (_name, text) => {
    expect(validateObject(HelmRepositoryKind, parse(text))).toEqual([]);
  });

  it.each(Object.entries(SPEC_FRAGMENTS))("accepts the docs spec fragment: %s", (_name, text) => {
    const fragment = parse(text) as { spec: Record<string, unknown> };
    expect(validateObject(HelmRepositoryKind, withSpec(fragment.spec))).toEqual([]);
  });

  it("accepts a spec with only a URL (interval and timeout are optional)", () => {
    expect(validateObject(HelmRepositoryKind, { ...base, spec: { url: "https://charts.example.com" } })).toEqual([]);
  });

  it("accepts accessFrom namespace selectors", () => {
    const spec = { accessFrom: { namespaceSelectors: [{ matchLabels: { team: "a" } }] } };
    expect(validateObject(HelmRepositoryKind, withSpec(spec))).toEqual([]);
  });

  it.each([
    ["ftp URL", { url: "ftp://charts.example.com" }, "spec.url", /Invalid value: "ftp:\/\/charts.example.com"/],
    ["URL without scheme", { url: "charts.example.com" }, "spec.url", /should match '\^\(http\|https\|oci\)/],
    ["bad interval", { interval: "10 min" }, "spec.interval", /should match/],
    ["timeout in hours", { timeout: "1h" }, "spec.timeout", /should match/],
    ["unknown type", { type: "git" }, "spec.type", /Unsupported value: "git": supported values: "default", "oci"/],
    ["unknown provider", { type: "oci", provider: "ibm" }, "spec.provider", /Unsupported value: "ibm"/],
    ["certSecretRef without name", { certSecretRef: {} }, "spec.certSecretRef.name", /Required value/],
    ["accessFrom without selectors", { accessFrom: {} }, "spec.accessFrom.namespaceSelectors", /Required value/],
    [
      "non-string label value",
      { accessFrom: { namespaceSelectors: [{ matchLabels: { a: 1 } }] } },
      "spec.accessFrom.namespaceSelectors[0].matchLabels.a",
      /must be of type string/,
    ],
  ])("rejects %s naming %s", (_name, spec, field, message) => {
    const errors = validateObject(HelmRepositoryKind, withSpec(spec));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it("requires spec.url", () => {
    expect(validateObject(HelmRepositoryKind, { ...base, spec: { interval: "1m" } })).toEqual([
      { type: "FieldValueRequired", field: "spec.url", message: "Required value" },
    ]);
  });

  it("defaults provider to generic and leaves type, interval and timeout unset (as the CRD does)", () => {
    const out = applyDefaults(HelmRepositoryKind, { ...base, spec: { url: "oci://ghcr.io/org/charts" } });
    expect(out.spec).toEqual({ url: "oci://ghcr.io/org/charts", provider: "generic" });
  });

  it("tells OCI repositories from index repositories", () => {
    expect(isOciHelmRepository({ spec: { type: "oci" } })).toBe(true);
    expect(isOciHelmRepository({ spec: { type: "default" } })).toBe(false);
    expect(isOciHelmRepository({ spec: {} })).toBe(false);
  });
});

describe("HelmRepository CRD", () => {
  const crd = crdFor(HelmRepositoryKind) as {
    metadata: { name: string };
    spec: { scope: string; names: Record<string, unknown>; versions: Array<Record<string, unknown>> };
  };

  it("is named, scoped and printed as Flux's", () => {
    expect(crd.metadata.name).toBe("helmrepositories.source.toolkit.fluxcd.io");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toEqual({
      kind: "HelmRepository",
      listKind: "HelmRepositoryList",
      plural: "helmrepositories",
      singular: "helmrepository",
      shortNames: ["helmrepo"],
      categories: ["all", "fluxcd", "fluxcd-sources"],
    });
    expect(crd.spec.versions[0]).toMatchObject({ name: "v1", subresources: { status: {} } });
    expect(crd.spec.versions[0]?.["additionalPrinterColumns"]).toEqual([
      { name: "URL", type: "string", jsonPath: ".spec.url" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    ]);
  });
});
