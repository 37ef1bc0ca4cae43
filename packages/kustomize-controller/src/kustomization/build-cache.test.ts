import type { Kustomization } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { describe, expect, it } from "vitest";
import { BuildCache, buildKey } from "./build-cache.js";

const base = (): Pick<Kustomization, "metadata" | "spec"> => ({
  metadata: { name: "app", namespace: "flux-system" },
  spec: {
    interval: "10m",
    path: "./apps",
    prune: true,
    sourceRef: { kind: "GitRepository", name: "repo" },
    targetNamespace: "apps",
    postBuild: { substitute: { a: "1" }, substituteFrom: [{ kind: "ConfigMap", name: "vars" }] },
  },
});
const artifact = { digest: "sha256:aaa", url: "http://source/a.tar.gz" };
const settings = { strictSubstitutions: false, noRemoteBases: false };
const vars = new Map([
  ["a", "1"],
  ["fromConfigMap", "x"],
]);
const keyOf = (
  mutate: (k: Pick<Kustomization, "metadata" | "spec">) => void = () => {},
  variables: ReadonlyMap<string, string> | null = vars,
  a: { digest: string; url: string } = artifact,
  s = settings,
) => {
  const k = base();
  mutate(k);
  return buildKey(k, a, variables ?? undefined, s);
};

describe("buildKey", () => {
  const key = keyOf();

  it("changes with every input that decides the build output", () => {
    const changed: Array<[string, string | undefined]> = [
      ["artifact digest", keyOf(undefined, vars, { ...artifact, digest: "sha256:bbb" })],
      ["name (owner labels)", keyOf((k) => (k.metadata.name = "other"))],
      ["namespace (owner labels)", keyOf((k) => (k.metadata.namespace = "other"))],
      ["path", keyOf((k) => (k.spec.path = "./other"))],
      ["targetNamespace", keyOf((k) => (k.spec.targetNamespace = "b"))],
      ["namePrefix", keyOf((k) => (k.spec.namePrefix = "p-"))],
      ["nameSuffix", keyOf((k) => (k.spec.nameSuffix = "-s"))],
      ["images", keyOf((k) => (k.spec.images = [{ name: "nginx", newTag: "2" }]))],
      ["patches", keyOf((k) => (k.spec.patches = [{ patch: "- op: remove\n  path: /x" }]))],
      ["components", keyOf((k) => (k.spec.components = ["../c"]))],
      ["ignoreMissingComponents", keyOf((k) => (k.spec.ignoreMissingComponents = true))],
      ["commonMetadata", keyOf((k) => (k.spec.commonMetadata = { labels: { team: "a" } }))],
      [
        "postBuild.substituteStrategy",
        keyOf((k) => (k.spec.postBuild = { ...k.spec.postBuild, substituteStrategy: "Always" })),
      ],
      [
        "a substituteFrom value (a ConfigMap or Secret changed)",
        keyOf(undefined, new Map([...vars, ["fromConfigMap", "y"]])),
      ],
      ["a variable added", keyOf(undefined, new Map([...vars, ["b", "2"]]))],
      ["no variables at all", keyOf(undefined, null)],
      ["sourceRef", keyOf((k) => (k.spec.sourceRef = { kind: "GitRepository", name: "other" }))],
      ["strict substitutions", keyOf(undefined, vars, artifact, { ...settings, strictSubstitutions: true })],
      ["no remote bases", keyOf(undefined, vars, artifact, { ...settings, noRemoteBases: true })],
    ];
    const keys = new Set([key]);
    for (const [what, k] of changed) {
      expect(k, what).toBeDefined();
      expect(k, what).not.toBe(key);
      keys.add(k!);
    }
    expect(keys.size).toBe(changed.length + 1);
  });

  it("ignores the fields that only decide how objects are applied, waited for or pruned", () => {
    expect(
      keyOf((k) => {
        Object.assign(k.spec, {
          interval: "1h",
          retryInterval: "1m",
          timeout: "2m",
          prune: false,
          wait: true,
          force: true,
          suspend: false,
          healthChecks: [{ kind: "Deployment", name: "x" }],
          healthCheckExprs: [],
          dependsOn: [{ name: "infra" }],
          ignore: [{ paths: ["/spec/replicas"] }],
          deletionPolicy: "Orphan",
        });
      }),
    ).toBe(key);
    // Variables in another order are the same variables.
    expect(keyOf(undefined, new Map([...vars].reverse()))).toBe(key);
  });

  it("refuses builds with decryption (plaintext Secrets are not kept) and artifacts without a digest", () => {
    expect(keyOf((k) => (k.spec.decryption = { provider: "sops" }))).toBeUndefined();
    expect(keyOf(undefined, vars, { ...artifact, digest: "" })).toBeUndefined();
  });
});

describe("BuildCache", () => {
  const objs = (n: number): UnstructuredObject[] =>
    Array.from({ length: n }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}` } }));

  it("keeps at most maxObjects, evicting the least recently used build first", () => {
    const cache = new BuildCache(10);
    cache.set("a", objs(4), "da");
    cache.set("b", objs(4), "db");
    expect(cache.get("a")?.digest).toBe("da"); // a is now the most recently used
    cache.set("c", objs(4), "dc");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.digest).toBe("da");
    expect(cache.get("c")?.digest).toBe("dc");
    expect(cache.objectCount).toBe(8);
    // Replacing an entry does not count it twice; a build larger than the bound is not kept.
    cache.set("c", objs(2), "dc2");
    expect(cache.objectCount).toBe(6);
    cache.set("huge", objs(11), "dh");
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it("freezes what it holds, so a run cannot change another run's objects", () => {
    const cache = new BuildCache();
    const entry = cache.set("a", objs(1), "d");
    const first = entry.objects[0]!;
    expect(() => {
      first.metadata.name = "changed";
    }).toThrow(TypeError);
    expect(cache.get("a")?.objects[0]?.metadata.name).toBe("c0");
  });
});
