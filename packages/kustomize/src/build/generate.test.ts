import { readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configMap, deployment, removeTree, writeTree } from "../../test/fixtures.js";
import { GenerateError, generateKustomization, scanManifests } from "./generate.js";

const roots: string[] = [];
async function tree(files: Record<string, string>): Promise<string> {
  const root = await writeTree(files);
  roots.push(root);
  return root;
}
afterEach(async () => {
  await Promise.all(roots.splice(0).map(removeTree));
});

describe("generateKustomization", () => {
  it("lists every manifest recursively and stops at sub-directories with their own kustomization", async () => {
    const dir = await tree({
      "b.yaml": configMap("b"),
      "a.yml": configMap("a"),
      "notes.txt": "not yaml",
      "nested/deep/c.yaml": configMap("c"),
      "app/kustomization.yaml": "resources: [d.yaml]\n",
      "app/d.yaml": configMap("d"),
    });
    const result = await generateKustomization(dir, {});
    expect(result.action).toBe("created");
    expect(result.file).toBe(join(dir, "kustomization.yaml"));
    const written = parse(await readFile(result.file, "utf8"));
    expect(written).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["./a.yml", "./app", "./b.yaml", "./nested/deep/c.yaml"],
    });
  });

  it.each([
    ["no kind", "apiVersion: v1\nmetadata:\n  name: x\n", "missing kind in object"],
    ["no name", "apiVersion: v1\nkind: ConfigMap\n", "missing metadata.name in ConfigMap object"],
    ["not a mapping", "- a\n- b\n", "document is not a mapping"],
    ["invalid YAML", "a: [b\n", "failed to decode Kubernetes YAML from bad.yaml"],
  ])("fails on a manifest with %s", async (_name, content, message) => {
    const dir = await tree({ "bad.yaml": content });
    await expect(scanManifests(dir)).rejects.toThrow(message);
  });

  it("judges the same content alike wherever it is read, naming the file it was read from", async () => {
    const bad = "apiVersion: v1\nkind: Secret\n";
    const first = await tree({ "a/x.yaml": bad, "ok.yaml": configMap("ok") });
    const second = await tree({ "b/y.yaml": bad, "ok.yaml": configMap("ok") });
    await expect(scanManifests(first)).rejects.toThrow("from a/x.yaml: missing metadata.name in Secret object");
    await expect(scanManifests(second)).rejects.toThrow("from b/y.yaml: missing metadata.name in Secret object");
    const good = await tree({ "ok.yaml": configMap("ok") });
    expect(await scanManifests(good)).toEqual(["./ok.yaml"]);
  });

  it("accepts a List without a name and an empty file", async () => {
    const dir = await tree({ "list.yaml": "apiVersion: v1\nkind: ConfigMapList\nitems: []\n", "empty.yaml": "" });
    expect(await scanManifests(dir)).toEqual(["./empty.yaml", "./list.yaml"]);
  });

  it("reads symlinked YAML files but does not descend into symlinked directories", async () => {
    const dir = await tree({ "real/cm.yaml": configMap("cm"), "app/kustomization.yaml": "resources: []\n" });
    await symlink(join(dir, "real", "cm.yaml"), join(dir, "link.yaml"));
    await symlink(join(dir, "real"), join(dir, "linked-dir"));
    expect(await scanManifests(dir)).toEqual(["./app", "./link.yaml", "./real/cm.yaml"]);
  });

  it("uses a placeholder namespace when there is nothing to list", async () => {
    const dir = await tree({ "README.md": "# empty" });
    const result = await generateKustomization(dir, {});
    expect(result.kustomization).toMatchObject({ namespace: "_placeholder" });
    expect(result.kustomization["resources"]).toBeUndefined();
  });

  it("fails on a YAML file that is not Kubernetes objects, naming it", async () => {
    const dir = await tree({ "ok.yaml": configMap("ok"), "ci/.gitlab-ci.yml": "stages: [build]\n" });
    await expect(scanManifests(dir)).rejects.toThrow(/failed to decode Kubernetes YAML from ci\/\.gitlab-ci\.yml/);
    await expect(generateKustomization(dir, {})).rejects.toBeInstanceOf(GenerateError);
  });

  it.each<[string, Parameters<typeof generateKustomization>[1], Record<string, unknown>]>([
    ["targetNamespace", { targetNamespace: "prod" }, { namespace: "prod" }],
    ["name prefix and suffix", { namePrefix: "p-", nameSuffix: "-s" }, { namePrefix: "p-", nameSuffix: "-s" }],
    [
      "patches with and without target",
      {
        patches: [
          { patch: "- op: add\n  path: /x\n  value: 1\n", target: { kind: "Deployment", name: "web", group: "" } },
          { patch: "kind: ConfigMap\n" },
        ],
      },
      {
        patches: [
          { patch: "- op: existing\n" },
          { patch: "- op: add\n  path: /x\n  value: 1\n", target: { kind: "Deployment", name: "web" } },
          { patch: "kind: ConfigMap\n" },
        ],
      },
    ],
    [
      "images merged by name: tag and digest replaced together, new names appended",
      {
        images: [
          { name: "nginx", digest: "sha256:abc" },
          { name: "redis", newName: "valkey", newTag: "8" },
        ],
      },
      {
        images: [
          { name: "nginx", newName: "mirror/nginx", digest: "sha256:abc" },
          { name: "redis", newName: "valkey", newTag: "8" },
        ],
      },
    ],
    ["components appended", { components: ["../comp"] }, { components: ["../comp"] }],
  ])("edits the existing file: %s", async (_name, spec, expected) => {
    const dir = await tree({
      "app/kustomization.yaml":
        "resources: [cm.yaml]\npatches:\n  - patch: |\n      - op: existing\nimages:\n  - name: nginx\n    newName: mirror/nginx\n    newTag: '1.0'\n",
      "app/cm.yaml": configMap("cm"),
      "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
    });
    const result = await generateKustomization(join(dir, "app"), spec);
    expect(result.action).toBe("unchanged");
    const written = parse(await readFile(join(dir, "app/kustomization.yaml"), "utf8"));
    expect(written).toMatchObject({ resources: ["cm.yaml"], ...expected });
    expect(written.apiVersion).toBe("kustomize.config.k8s.io/v1beta1");
  });

  it("keeps the existing file name (Kustomization) and marks a resource-less file with buildMetadata", async () => {
    const dir = await tree({ Kustomization: "kind: Kustomization\nnamePrefix: x-\n" });
    const result = await generateKustomization(dir, {});
    expect(result.file).toBe(join(dir, "Kustomization"));
    expect(parse(await readFile(result.file, "utf8"))).toMatchObject({
      namePrefix: "x-",
      buildMetadata: ["originAnnotations"],
    });
  });

  it.each([["https://github.com/org/repo//comp"], ["/abs/comp"], ["git@github.com:org/repo"]])(
    "refuses the non-local component %s",
    async (component) => {
      const dir = await tree({ "cm.yaml": configMap("cm") });
      await expect(generateKustomization(dir, { components: [component] })).rejects.toThrow(
        `component path '${component}' must be local and relative`,
      );
    },
  );

  it("drops missing components only with ignoreMissingComponents", async () => {
    const dir = await tree({ "d.yaml": deployment("web") });
    const kept = await generateKustomization(dir, { components: ["missing"] });
    expect(kept.kustomization["components"]).toEqual(["missing"]);
    const dir2 = await tree({ "d.yaml": deployment("web") });
    const dropped = await generateKustomization(dir2, { components: ["missing"], ignoreMissingComponents: true });
    expect(dropped.kustomization["components"]).toBeUndefined();
  });
});
