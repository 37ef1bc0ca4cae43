import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { type OCIRepository, OCIRepositoryKind, ociLayerOperation } from "./oci-repository.js";

// Example objects from Flux's docs/spec/v1/ocirepositories.md.
const COMPLETE_EXAMPLES = {
  "podinfo manifests": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    tag: latest
`,
  "TLS client certificate": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: example
  namespace: default
spec:
  interval: 5m0s
  url: oci://example.com
  certSecretRef:
    name: example-tls
`,
  "semver with filter": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    # SemVer comparisons using constraints without a prerelease comparator will skip prerelease versions.
    # Adding a \`-0\` suffix to the semver range will include prerelease versions.
    semver: ">= 6.1.x-0"
    semverFilter: ".*-rc.*"
`,
  "keyless cosign verification": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
spec:
  interval: 5m
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  verify:
    provider: cosign
    matchOIDCIdentity:
      - issuer: "^https://token.actions.githubusercontent.com$"
        subject: "^https://github.com/stefanprodan/podinfo.*$"
`,
  "keyless cosign with a private trusted root": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
spec:
  interval: 5m
  url: oci://registry.example.com/manifests/podinfo
  verify:
    provider: cosign
    trustedRootSecretRef:
      name: sigstore-trusted-root
    matchOIDCIdentity:
      - issuer: "^https://oidc-issuer.example.com$"
        subject: "^https://ci.example.com/.*$"
`,
  "status with OCI annotations": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: <repository-name>
status:
  artifact:
    digest: sha256:9f3bc0f341d4ecf2bab460cc59320a2a9ea292f01d7b96e32740a9abfd341088
    lastUpdateTime: "2025-08-08T09:35:45Z"
    metadata:
      org.opencontainers.image.created: "2025-08-08T12:31:41+03:00"
      org.opencontainers.image.revision: 6.1.8/b3b00fe35424a45d373bf4c7214178bc36fd7872
      org.opencontainers.image.source: https://github.com/stefanprodan/podinfo.git
    path: ocirepository/<namespace>/<repository-name>/<digest>.tar.gz
    revision: <tag>@<digest>
    size: 1105
    url: http://source-controller.<namespace>.svc.cluster.local./ocirepository/<namespace>/<repository-name>/<digest>.tar.gz
`,
};

// Spec fragments of the docs; they are completed with url and interval.
const SPEC_FRAGMENTS = {
  "ref.tag": `
spec:
  ref:
    tag: "<tag-name>"
`,
  "ref.semver": `
spec:
  ref:
    # SemVer range reference: https://github.com/Masterminds/semver#checking-version-constraints
    semver: "<semver-range>"
`,
  "ref.digest": `
spec:
  ref:
    digest: "sha256:<SHA-value>"
`,
  layerSelector: `
spec:
  layerSelector:
    mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    operation: extract # can be 'extract' or 'copy', defaults to 'extract'
`,
  "cosign verification with keys": `
spec:
  verify:
    provider: cosign
    secretRef:
      name: cosign-public-keys
`,
  "notation verification": `
spec:
  verify:
    provider: notation
    secretRef:
      name: notation-config
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

const base: OCIRepository = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "OCIRepository",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { url: "oci://ghcr.io/stefanprodan/manifests/podinfo", interval: "5m" },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("OCIRepository schema", () => {
  it.each(Object.entries(COMPLETE_EXAMPLES))("accepts the docs example: %s", (_name, text) => {
    expect(validateObject(OCIRepositoryKind, parse(text))).toEqual([]);
  });

  it.each(Object.entries(SPEC_FRAGMENTS))("accepts the docs spec fragment: %s", (_name, text) => {
    const fragment = parse(text) as { spec: Record<string, unknown> };
    expect(validateObject(OCIRepositoryKind, withSpec(fragment.spec))).toEqual([]);
  });

  it.each([
    ["https URL", { url: "https://ghcr.io/org/repo" }, "spec.url", /should match '\^oci:\/\/\.\*\$'/],
    ["registry without scheme", { url: "ghcr.io/org/repo" }, "spec.url", /Invalid value: "ghcr.io\/org\/repo"/],
    ["bad interval", { interval: "often" }, "spec.interval", /should match/],
    ["timeout in hours", { timeout: "2h" }, "spec.timeout", /should match/],
    ["unknown provider", { provider: "ibm" }, "spec.provider", /supported values: "generic", "aws", "azure", "gcp"/],
    [
      "unknown layer operation",
      { layerSelector: { operation: "unpack" } },
      "spec.layerSelector.operation",
      /Unsupported value: "unpack": supported values: "extract", "copy"/,
    ],
    [
      "unknown verification provider",
      { verify: { provider: "sigstore" } },
      "spec.verify.provider",
      /supported values: "cosign", "notation"/,
    ],
    [
      "trustedRootSecretRef without name",
      { verify: { trustedRootSecretRef: {} } },
      "spec.verify.trustedRootSecretRef.name",
      /Required value/,
    ],
  ])("rejects %s naming %s", (_name, spec, field, message) => {
    const errors = validateObject(OCIRepositoryKind, withSpec(spec));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["url", { interval: "1m" }],
    ["interval", { url: "oci://ghcr.io/org/repo" }],
  ])("requires spec.%s", (field, spec) => {
    expect(validateObject(OCIRepositoryKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field: `spec.${field}`, message: "Required value" },
    ]);
  });

  it("defaults timeout to 60s and provider to generic, and leaves ref and layerSelector unset", () => {
    const out = applyDefaults(OCIRepositoryKind, base);
    expect(out.spec).toEqual({ ...base.spec, timeout: "60s", provider: "generic" });
  });

  it("defaults the verification provider to cosign", () => {
    const out = applyDefaults(OCIRepositoryKind, withSpec({ verify: { secretRef: { name: "keys" } } }));
    expect((out as OCIRepository).spec.verify).toEqual({ provider: "cosign", secretRef: { name: "keys" } });
  });

  it("extracts the layer unless the selector says copy", () => {
    expect(ociLayerOperation({})).toBe("extract");
    expect(ociLayerOperation({ layerSelector: { mediaType: "x" } })).toBe("extract");
    expect(ociLayerOperation({ layerSelector: { operation: "copy" } })).toBe("copy");
  });
});

describe("OCIRepository CRD", () => {
  const crd = crdFor(OCIRepositoryKind) as {
    metadata: { name: string };
    spec: { scope: string; names: Record<string, unknown>; versions: Array<Record<string, unknown>> };
  };

  it("is named, scoped and printed as Flux's (Age last)", () => {
    expect(crd.metadata.name).toBe("ocirepositories.source.toolkit.fluxcd.io");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toEqual({
      kind: "OCIRepository",
      listKind: "OCIRepositoryList",
      plural: "ocirepositories",
      singular: "ocirepository",
      shortNames: ["ocirepo"],
      categories: ["all", "fluxcd", "fluxcd-sources"],
    });
    expect(crd.spec.versions[0]).toMatchObject({ name: "v1", subresources: { status: {} } });
    const columns = crd.spec.versions[0]?.["additionalPrinterColumns"] as Array<{ name: string }>;
    expect(columns.map((c) => c.name)).toEqual(["URL", "Ready", "Status", "Age"]);
  });
});
