import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { ALL_KINDS, CORE_KINDS, type KindDefinition, validateObject } from "@sluice/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type EmbeddedCluster, startEmbeddedCluster } from "../support/embedded-cluster.js";
import { FLUX_EXAMPLES } from "./flux-examples.js";

// The generated CRDs (charts/sluice/crds) installed with the real kubectl into the embedded API server:
// Flux objects are accepted unchanged, printed with Flux's columns, defaulted, and bad ones are refused by
// the server with a message naming the field, the same field packages/api's validator names.

const CRD_DIR = resolve(import.meta.dirname, "../../charts/sluice/crds");
// source-watcher's CRDs, installed with that component only.
const SOURCE_WATCHER_CRD_DIR = resolve(import.meta.dirname, "../../charts/sluice/components/source-watcher/crds");
let cluster: EmbeddedCluster;

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  await cluster.kubectlOk(["apply", "--server-side", "-f", CRD_DIR]);
  await cluster.kubectlOk(["apply", "--server-side", "-f", SOURCE_WATCHER_CRD_DIR]);
  await cluster.kubectlOk(["wait", "--for=condition=Established", "--timeout=30s", "crd", "--all"]);
});
afterAll(async () => {
  await cluster?.stop();
});

function kindDef(kind: string): KindDefinition {
  const def = ALL_KINDS.find((k) => k.kind === kind);
  if (!def) throw new Error(`no kind ${kind}`);
  return def;
}

describe("generated CRDs", () => {
  it("install one CRD per kind and every one is served", async () => {
    expect(readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml"))).toHaveLength(CORE_KINDS.length);
    expect(readdirSync(SOURCE_WATCHER_CRD_DIR)).toEqual(["source.extensions.fluxcd.io_artifactgenerators.yaml"]);
    const out = await cluster.kubectlOk(["api-resources", "--api-group=source.toolkit.fluxcd.io", "-o", "name"]);
    expect(out.split("\n").filter(Boolean).sort()).toEqual(
      ["buckets", "externalartifacts", "gitrepositories", "helmcharts", "helmrepositories", "ocirepositories"].map(
        (p) => `${p}.source.toolkit.fluxcd.io`,
      ),
    );
  });

  it.each(Object.keys(FLUX_EXAMPLES))("accept Flux's own %s YAML unchanged", async (kind) => {
    const obj = FLUX_EXAMPLES[kind] as Record<string, unknown>;
    expect(validateObject(kindDef(kind), obj)).toEqual([]);
    const out = await cluster.kubectlOk(["apply", "-f", "-"], stringify(obj));
    expect(out).toMatch(/created|configured/);
  });

  it("print Flux's columns in kubectl get", async () => {
    await cluster.kubectlOk(["apply", "-f", "-"], stringify(FLUX_EXAMPLES["GitRepository"]));
    const out = await cluster.kubectlOk(["get", "gitrepositories", "-n", "default"]);
    const header = out.split("\n")[0]?.trim().split(/\s+/);
    expect(header).toEqual(["NAME", "URL", "AGE", "READY", "STATUS"]);
    expect(out).toContain("https://github.com/stefanprodan/podinfo");
    const kustomizations = await cluster.kubectlOk(["get", "ks", "-n", "default"]);
    expect(kustomizations.split("\n")[0]?.trim().split(/\s+/)).toEqual(["NAME", "AGE", "READY", "STATUS"]);
  });

  it("default fields and status the way Flux's CRDs do", async () => {
    const obj = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "defaults", namespace: "default" },
      spec: { interval: "1m", url: "https://example.com/repo.git" },
    };
    await cluster.kubectlOk(["apply", "-f", "-"], stringify(obj));
    const live = JSON.parse(
      await cluster.kubectlOk(["get", "gitrepository", "defaults", "-n", "default", "-o", "json"]),
    );
    expect(live.spec.timeout).toBe("60s");
    expect(live.status).toEqual({ observedGeneration: -1 });
  });

  it("answer kubectl explain for a nested field", async () => {
    const out = await cluster.kubectlOk(["explain", "gitrepositories.spec.ref"]);
    expect(out).toMatch(/branch/);
    expect(out).toMatch(/semver/);
  });

  const bad: Array<[string, string, Record<string, unknown>, string, RegExp]> = [
    ["a bad interval", "GitRepository", { interval: "5 minutes" }, "spec.interval", /should match/],
    ["a URL scheme not allowed", "GitRepository", { url: "git@github.com:org/repo.git" }, "spec.url", /should match/],
    ["an unknown enum value", "HelmRepository", { type: "svn" }, "spec.type", /Unsupported value: "svn"/],
    [
      "both chart and chartRef (CEL rule)",
      "HelmRelease",
      { chartRef: { kind: "OCIRepository", name: "x" } },
      "spec",
      /chart/,
    ],
    [
      "an artifact name that is not an object name (CEL rule)",
      "ArtifactGenerator",
      { artifacts: [{ name: "Not_A_Name", copy: [{ from: "@repo/**", to: "@artifact/" }] }] },
      "spec",
      /valid Kubernetes object names/,
    ],
  ];
  it.each(bad)("refuse %s, naming the field, as packages/api does", async (_name, kind, patch, field, message) => {
    const example = FLUX_EXAMPLES[kind] as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    const obj = { ...example, metadata: { ...example.metadata, name: "bad" }, spec: { ...example.spec, ...patch } };
    const local = validateObject(kindDef(kind), obj);
    expect(local.map((e) => e.field)).toContain(field);
    expect(local.map((e) => e.message).join(" ")).toMatch(message);
    const r = await cluster.kubectl(["apply", "-f", "-"], stringify(obj));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(field);
    expect(r.stderr).toMatch(message);
    const get = await cluster.kubectl(["get", kind.toLowerCase(), "bad", "-n", "default"]);
    expect(get.stderr).toMatch(/NotFound|not found/);
  });

  it("refuse an object missing a required field", async () => {
    const obj = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "no-interval", namespace: "default" },
      spec: { url: "https://example.com/repo.git" },
    };
    expect(validateObject(kindDef("GitRepository"), obj)).toEqual([
      { type: "FieldValueRequired", field: "spec.interval", message: "Required value" },
    ]);
    const r = await cluster.kubectl(["apply", "-f", "-"], stringify(obj));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec.interval: Required value/);
  });
});
