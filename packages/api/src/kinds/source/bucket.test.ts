import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { type Bucket, BucketKind } from "./bucket.js";

// Example objects from Flux's docs/spec/v1/buckets.md, labelled by their metadata.name.
const COMPLETE_EXAMPLES: Array<[string, string]> = [
  [
    "minio-bucket",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: minio-bucket
  namespace: default
spec:
  interval: 5m0s
  endpoint: minio.example.com
  insecure: true
  secretRef:
    name: minio-bucket-secret
  bucketName: example
`,
  ],
  [
    "generic-insecure",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: generic-insecure
  namespace: default
spec:
  provider: generic
  interval: 5m0s
  bucketName: podinfo
  endpoint: minio.minio.svc.cluster.local:9000
  timeout: 60s
  insecure: true
  secretRef:
    name: minio-credentials
`,
  ],
  [
    "aws",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: aws
  namespace: default
spec:
  interval: 5m0s
  provider: aws
  bucketName: podinfo
  endpoint: s3.amazonaws.com
  region: us-east-1
  timeout: 30s
`,
  ],
  [
    "aws",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: aws
  namespace: default
spec:
  interval: 5m0s
  provider: aws
  bucketName: podinfo
  endpoint: s3.amazonaws.com
  region: us-east-1
  secretRef:
    name: aws-credentials
`,
  ],
  [
    "aws-controller-level-workload-identity",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: aws-controller-level-workload-identity
  namespace: default
spec:
  interval: 5m0s
  provider: aws
  bucketName: podinfo
  endpoint: s3.amazonaws.com
  region: us-east-1
  timeout: 30s
`,
  ],
  [
    "aws-object-level-workload-identity",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: aws-object-level-workload-identity
  namespace: default
spec:
  interval: 5m0s
  provider: aws
  bucketName: podinfo
  endpoint: s3.amazonaws.com
  region: us-east-1
  serviceAccountName: aws-workload-identity-sa
  timeout: 30s
`,
  ],
  [
    "azure-public",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-public
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: podinfo
  endpoint: https://podinfoaccount.blob.core.windows.net
  timeout: 30s
`,
  ],
  [
    "azure-service-principal-secret",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-service-principal-secret
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: <bucket-name>
  endpoint: https://<account-name>.blob.core.windows.net
  secretRef:
    name: azure-sp-auth
`,
  ],
  [
    "azure-service-principal-cert",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-service-principal-cert
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: <bucket-name>
  endpoint: https://<account-name>.blob.core.windows.net
  secretRef:
    name: azure-sp-auth
`,
  ],
  [
    "azure-managed-identity",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-managed-identity
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: <bucket-name>
  endpoint: https://<account-name>.blob.core.windows.net
  secretRef:
    name: azure-smi-auth
`,
  ],
  [
    "azure-shared-key",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-shared-key
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: <bucket-name>
  endpoint: https://<account-name>.blob.core.windows.net
  secretRef:
    name: azure-key
`,
  ],
  [
    "azure-bucket",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-bucket
  namespace: flux-system
spec:
  interval: 5m0s
  provider: azure
  bucketName: testwi
  endpoint: https://testfluxwi.blob.core.windows.net
`,
  ],
  [
    "azure-object-level-workload-identity",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-object-level-workload-identity
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: testwi
  endpoint: https://testfluxwi.blob.core.windows.net
  serviceAccountName: azure-workload-identity-sa
  timeout: 30s
`,
  ],
  [
    "azure-sas-token",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: azure-sas-token
  namespace: default
spec:
  interval: 5m0s
  provider: azure
  bucketName: <bucket-name>
  endpoint: https://<account-name>.blob.core.windows.net
  secretRef:
    name: azure-key
`,
  ],
  [
    "gcp-controller-level-workload-identity",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: gcp-controller-level-workload-identity
  namespace: default
spec:
  interval: 5m0s
  provider: gcp
  bucketName: podinfo
  endpoint: storage.googleapis.com
  region: us-east-1
  timeout: 30s
`,
  ],
  [
    "gcp-object-level-workload-identity",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: gcp-object-level-workload-identity
  namespace: default
spec:
  interval: 5m0s
  provider: gcp
  bucketName: podinfo
  endpoint: storage.googleapis.com
  region: us-east-1
  serviceAccountName: gcp-workload-identity-sa
  timeout: 30s
`,
  ],
  [
    "gcp-secret",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: gcp-secret
  namespace: default
spec:
  interval: 5m0s
  provider: gcp
  bucketName: <bucket-name>
  endpoint: storage.googleapis.com
  region: <bucket-region>
  secretRef:
    name: gcp-service-account
`,
  ],
  [
    "example",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: example
  namespace: example
spec:
  interval: 5m
  bucketName: example
  provider: generic
  endpoint: minio.example.com
  sts:
    provider: ldap
    endpoint: https://ldap.example.com
    secretRef:
      name: ldap-credentials
    certSecretRef:
      name: ldap-tls
`,
  ],
  [
    "example",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: example
  namespace: example
spec:
  interval: 5m
  bucketName: example
  provider: generic
  endpoint: minio.example.com
  certSecretRef:
    name: minio-tls
`,
  ],
  [
    "<bucket-name>",
    `
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: <bucket-name>
status:
  artifact:
    digest: sha256:cbec34947cc2f36dee8adcdd12ee62ca6a8a36699fc6e56f6220385ad5bd421a
    lastUpdateTime: "2024-01-28T10:30:30Z"
    path: bucket/<namespace>/<bucket-name>/c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2.tar.gz
    revision: sha256:c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2
    size: 38099
    url: http://source-controller.<namespace>.svc.cluster.local./bucket/<namespace>/<bucket-name>/c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2.tar.gz
`,
  ],
];

// Spec fragments of the docs; they are completed with bucketName, endpoint and interval.
const SPEC_FRAGMENTS = {
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

const base: Bucket = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "Bucket",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { bucketName: "podinfo", endpoint: "minio.example.com", interval: "5m" },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

const ldapSts = { provider: "ldap", endpoint: "https://ldap.example.com", secretRef: { name: "ldap" } };
const awsSts = { provider: "aws", endpoint: "https://sts.amazonaws.com" };

describe("Bucket schema", () => {
  it.each(COMPLETE_EXAMPLES)("accepts the docs example %s", (_name, text) => {
    expect(validateObject(BucketKind, parse(text))).toEqual([]);
  });

  it.each(Object.entries(SPEC_FRAGMENTS))("accepts the docs spec fragment: %s", (_name, text) => {
    const fragment = parse(text) as { spec: Record<string, unknown> };
    expect(validateObject(BucketKind, withSpec(fragment.spec))).toEqual([]);
  });

  it.each([
    ["aws STS with the aws provider", { provider: "aws", sts: awsSts }],
    ["ldap STS with the default (generic) provider", { sts: ldapSts }],
    ["serviceAccountName with gcp", { provider: "gcp", serviceAccountName: "sa" }],
    ["prefix and region", { prefix: "apps/", region: "eu-west-1" }],
  ])("accepts %s", (_name, spec) => {
    expect(validateObject(BucketKind, withSpec(spec))).toEqual([]);
  });

  it.each([
    ["bad interval", { interval: "5" }, "spec.interval", /should match/],
    ["timeout in hours", { timeout: "1h" }, "spec.timeout", /should match/],
    ["unknown provider", { provider: "minio" }, "spec.provider", /supported values: "generic", "aws", "gcp", "azure"/],
    [
      "unknown STS provider",
      { sts: { provider: "oidc", endpoint: "https://sts" } },
      "spec.sts.provider",
      /Unsupported value: "oidc": supported values: "aws", "ldap"/,
    ],
    [
      "STS endpoint with a non-HTTP scheme",
      { sts: { ...ldapSts, endpoint: "ldap://ldap.example.com" } },
      "spec.sts.endpoint",
      /should match '\^\(http\|https\):\/\/\.\*\$'/,
    ],
    ["STS without endpoint", { sts: { provider: "ldap" } }, "spec.sts.endpoint", /Required value/],
    [
      "STS with the gcp provider",
      { provider: "gcp", sts: awsSts },
      "spec",
      /STS configuration is only supported for the 'aws' and 'generic' Bucket providers/,
    ],
    [
      "ldap STS with the aws provider",
      { provider: "aws", sts: ldapSts },
      "spec",
      /'aws' is the only supported STS provider for the 'aws' Bucket provider/,
    ],
    [
      "aws STS with the generic provider",
      { provider: "generic", sts: awsSts },
      "spec",
      /'ldap' is the only supported STS provider for the 'generic' Bucket provider/,
    ],
    [
      "serviceAccountName with the generic provider",
      { serviceAccountName: "sa" },
      "spec",
      /ServiceAccountName is not supported for the 'generic' Bucket provider/,
    ],
    [
      "both secretRef and serviceAccountName",
      { provider: "aws", secretRef: { name: "creds" }, serviceAccountName: "sa" },
      "spec",
      /cannot set both .spec.secretRef and .spec.serviceAccountName/,
    ],
  ])("rejects %s naming %s", (_name, spec, field, message) => {
    const errors = validateObject(BucketKind, withSpec(spec));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it("rejects aws STS with secretRef and certSecretRef, one error per rule", () => {
    const sts = { ...awsSts, secretRef: { name: "s" }, certSecretRef: { name: "c" } };
    const errors = validateObject(BucketKind, withSpec({ provider: "aws", sts }));
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ["spec", expect.stringMatching(/spec.sts.secretRef is not required for the 'aws' STS provider/)],
      ["spec", expect.stringMatching(/spec.sts.certSecretRef is not required for the 'aws' STS provider/)],
    ]);
  });

  it.each(["bucketName", "endpoint", "interval"])("requires spec.%s", (field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[field];
    expect(validateObject(BucketKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field: `spec.${field}`, message: "Required value" },
    ]);
  });

  it("defaults provider to generic and timeout to 60s", () => {
    const out = applyDefaults(BucketKind, base);
    expect(out.spec).toEqual({ ...base.spec, provider: "generic", timeout: "60s" });
  });
});

describe("Bucket CRD", () => {
  const crd = crdFor(BucketKind) as {
    metadata: { name: string };
    spec: { scope: string; names: Record<string, unknown>; versions: Array<Record<string, unknown>> };
  };

  it("is named, scoped and printed as Flux's (no short name)", () => {
    expect(crd.metadata.name).toBe("buckets.source.toolkit.fluxcd.io");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toEqual({
      kind: "Bucket",
      listKind: "BucketList",
      plural: "buckets",
      singular: "bucket",
      categories: ["all", "fluxcd", "fluxcd-sources"],
    });
    expect(crd.spec.versions[0]).toMatchObject({ name: "v1", subresources: { status: {} } });
    const columns = crd.spec.versions[0]?.["additionalPrinterColumns"] as Array<{ name: string; jsonPath: string }>;
    expect(columns.map((c) => [c.name, c.jsonPath])).toEqual([
      ["Endpoint", ".spec.endpoint"],
      ["Age", ".metadata.creationTimestamp"],
      ["Ready", '.status.conditions[?(@.type=="Ready")].status'],
      ["Status", '.status.conditions[?(@.type=="Ready")].message'],
    ]);
  });
});
