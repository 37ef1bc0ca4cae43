import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configMap, deployment, removeTree, writeTree } from "../../test/fixtures.js";
import {
  type BuildOptions,
  buildKustomization,
  decodeObjects,
  KustomizeBuildError,
  kustomizeEnv,
  resolveSpecPath,
  usefulStderr,
} from "./build.js";
import { RemoteBaseError } from "./remote-bases.js";

const roots: string[] = [];
async function tree(files: Record<string, string>): Promise<string> {
  const root = await writeTree(files);
  roots.push(root);
  return root;
}
afterEach(async () => {
  await Promise.all(roots.splice(0).map(removeTree));
});

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
const ids = (objects: readonly Obj[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`).sort();
const image = (o: Obj) =>
  (o as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec
    .containers[0]?.image;

const overlayRepo = {
  "apps/base/kustomization.yaml": "resources: [deployment.yaml, service.yaml, config.yaml]\n",
  "apps/base/deployment.yaml": deployment("web", "nginx:1.25", 1),
  "apps/base/service.yaml":
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n",
  "apps/base/config.yaml": configMap("web-config", { mode: "base" }),
  "apps/production/kustomization.yaml": "resources: [../base]\nnamespace: prod\npatches:\n  - path: replicas.yaml\n",
  "apps/production/replicas.yaml":
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
  "components/debug/kustomization.yaml":
    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [debug.yaml]\n",
  "components/debug/debug.yaml": configMap("debug", { level: "trace" }),
  "plain/app.yaml": `${deployment("plain")}---\n${configMap("plain-config")}`,
  "plain/sub/more.yml": configMap("more"),
};

describe("buildKustomization (real kustomize)", () => {
  it.each<[string, Omit<BuildOptions, "root">, (objects: Obj[]) => void]>([
    [
      "an overlay over a base, patched by the overlay",
      { path: "apps/production" },
      (objects) => {
        expect(ids(objects)).toEqual(["ConfigMap/prod/web-config", "Deployment/prod/web", "Service/prod/web"]);
        const web = objects.find((o) => o.kind === "Deployment") as unknown as { spec: { replicas: number } };
        expect(web.spec.replicas).toBe(3);
      },
    ],
    [
      "targetNamespace, prefix and suffix from the spec win over the overlay",
      { path: "./apps/production", spec: { targetNamespace: "edge", namePrefix: "a-", nameSuffix: "-z" } },
      (objects) =>
        expect(ids(objects)).toEqual([
          "ConfigMap/edge/a-web-config-z",
          "Deployment/edge/a-web-z",
          "Service/edge/a-web-z",
        ]),
    ],
    [
      "spec patches apply to their targets only",
      {
        path: "apps/base",
        spec: {
          patches: [
            {
              patch: "- op: replace\n  path: /spec/replicas\n  value: 7\n",
              target: { kind: "Deployment", name: "web" },
            },
            {
              patch: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-used\ndata:\n  mode: patched\n",
              target: { kind: "ConfigMap", labelSelector: "" },
            },
          ],
        },
      },
      (objects) => {
        const web = objects.find((o) => o.kind === "Deployment") as unknown as { spec: { replicas: number } };
        expect(web.spec.replicas).toBe(7);
        const cm = objects.find((o) => o.kind === "ConfigMap") as unknown as { data: { mode: string } };
        expect(cm.data.mode).toBe("patched");
      },
    ],
    [
      "images override tag and name",
      { path: "apps/base", spec: { images: [{ name: "nginx", newName: "registry.local/nginx", newTag: "1.27" }] } },
      (objects) => expect(image(objects.find((o) => o.kind === "Deployment") as Obj)).toBe("registry.local/nginx:1.27"),
    ],
    [
      "images by digest",
      { path: "apps/base", spec: { images: [{ name: "nginx", digest: `sha256:${"a".repeat(64)}` }] } },
      (objects) =>
        expect(image(objects.find((o) => o.kind === "Deployment") as Obj)).toBe(`nginx@sha256:${"a".repeat(64)}`),
    ],
    [
      "components add their resources",
      { path: "apps/base", spec: { components: ["../../components/debug"] } },
      (objects) => expect(ids(objects)).toContain("ConfigMap/debug"),
    ],
    [
      "a generated kustomization from plain YAML (multi-doc, nested)",
      { path: "plain", spec: { targetNamespace: "gen" } },
      (objects) =>
        expect(ids(objects)).toEqual(["ConfigMap/gen/more", "ConfigMap/gen/plain-config", "Deployment/gen/plain"]),
    ],
  ])("builds %s", async (_name, options, check) => {
    const root = await tree(overlayRepo);
    const result = await buildKustomization({ root, ...options });
    check(result.objects as Obj[]);
  });

  it("leaves the artifact untouched (works on a copy)", async () => {
    const root = await tree(overlayRepo);
    const result = await buildKustomization({ root, path: "plain" });
    expect(result.action).toBe("created");
    const again = await buildKustomization({ root, path: "plain" });
    expect(again.action).toBe("created");
  });

  it("with inPlace, builds in the root itself (no copy) and reports paths relative to it", async () => {
    const root = await tree(overlayRepo);
    expect((await buildKustomization({ root, path: "plain", inPlace: true })).action).toBe("created");
    // The generated kustomization file stays in the (throw-away) root, so a second build finds it.
    expect((await buildKustomization({ root, path: "plain", inPlace: true })).action).toBe("unchanged");
    const broken = await tree({ "app/kustomization.yaml": "resources: [missing.yaml]\n" });
    const err = await buildKustomization({ root: broken, path: "app", inPlace: true }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^kustomize build failed: .*missing\.yaml/);
    expect((err as Error).message).not.toContain(broken);
  });

  it.each([
    ["https://github.com/org/repo//base?ref=v1"],
    ["github.com/org/repo/base"],
    ["git@github.com:org/repo.git//base"],
    ["ssh://git@example.com/repo.git"],
  ])("refuses the remote base %s in a nested kustomization when noRemoteBases is set", async (url) => {
    const root = await tree({
      "overlay/kustomization.yaml": "resources: [../mid]\n",
      "mid/kustomization.yaml": `resources:\n  - cm.yaml\n  - ${url}\n`,
      "mid/cm.yaml": configMap("cm"),
    });
    const err = await buildKustomization({ root, path: "overlay", noRemoteBases: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteBaseError);
    expect((err as RemoteBaseError).message).toBe(
      `remote bases are not allowed (--no-remote-bases): '${url}' in mid/kustomization.yaml`,
    );
  });

  it("refuses a remote component too", async () => {
    const root = await tree({
      "kustomization.yaml": "resources: [cm.yaml]\ncomponents: [https://example.com/comp.yaml]\n",
      "cm.yaml": configMap("cm"),
    });
    await expect(buildKustomization({ root, noRemoteBases: true })).rejects.toThrow(
      "'https://example.com/comp.yaml' in kustomization.yaml",
    );
  });

  it.each([["../outside"], ["apps/../../x"], ["/../../etc"]])(
    "rejects spec.path %s outside the artifact",
    async (path) => {
      const root = await tree(overlayRepo);
      await expect(buildKustomization({ root, path })).rejects.toThrow(/points outside the source artifact/);
    },
  );

  it("accepts a leading slash as root-relative", () => {
    expect(resolveSpecPath("/r", "/apps/base")).toBe(join("apps", "base"));
    expect(resolveSpecPath("/r", undefined)).toBe("");
  });

  it("names a missing path", async () => {
    const root = await tree(overlayRepo);
    await expect(buildKustomization({ root, path: "nope" })).rejects.toThrow("kustomization path not found: ./nope");
  });

  it("rejects a symlink leaving the artifact", async () => {
    const root = await tree({ "kustomization.yaml": "resources: [secret.yaml]\n" });
    await symlink("/etc/hostname", join(root, "secret.yaml"));
    await expect(buildKustomization({ root })).rejects.toThrow("symlink secret.yaml -> /etc/hostname points outside");
  });

  it("reports kustomize's error trimmed, with paths relative to the artifact", async () => {
    const root = await tree({ "app/kustomization.yaml": "resources: [missing.yaml]\n" });
    const err = await buildKustomization({ root, path: "app" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KustomizeBuildError);
    const message = (err as Error).message;
    expect(message).toMatch(/^kustomize build failed: /);
    expect(message).toContain("missing.yaml");
    expect(message).not.toContain("sluice-kustomize-");
    expect(message).not.toContain("\n");
  });

  it("refuses to load a file outside the kustomization root (LoadRestrictionsRootOnly)", async () => {
    const root = await tree({
      "shared/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n",
      "app/kustomization.yaml": "resources: [cm.yaml]\npatches:\n  - path: ../shared/patch.yaml\n",
      "app/cm.yaml": configMap("cm"),
    });
    await expect(buildKustomization({ root, path: "app" })).rejects.toThrow(/security; file .* is not in or below/);
  });
});

describe("decodeObjects", () => {
  it("keeps each object's YAML text aligned with the objects", () => {
    const text =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
    const { objects, documents } = decodeObjects(text);
    expect(objects.map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(documents).toEqual([
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n",
    ]);
  });

  it.each([["kind: ConfigMap\nmetadata:\n  name: a\n"], ["apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"]])(
    "refuses an object without apiVersion, kind or name: %j",
    (text) => {
      expect(() => decodeObjects(text)).toThrow(/failed to decode Kubernetes apiVersion, kind and name from/);
    },
  );
});

describe("usefulStderr", () => {
  it("drops the work dir and kubectl's prefix, joining lines", () => {
    expect(usefulStderr("error: accumulating resources: /tmp/w/src/app/x.yaml: no such file\n\n", "/tmp/w/src")).toBe(
      "accumulating resources: app/x.yaml: no such file",
    );
  });
});

describe("kustomizeEnv", () => {
  const saved = { GOGC: process.env["GOGC"], GOMAXPROCS: process.env["GOMAXPROCS"] };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("gives kubectl only PATH, the work dir as HOME, GOGC=400 and GOMAXPROCS=1", () => {
    delete process.env["GOGC"];
    delete process.env["GOMAXPROCS"];
    expect(kustomizeEnv("/tmp/w")).toEqual({
      PATH: process.env["PATH"] ?? "",
      HOME: "/tmp/w",
      GOGC: "400",
      GOMAXPROCS: "1",
    });
  });

  it("passes the controller's own GOGC and GOMAXPROCS on", () => {
    process.env["GOGC"] = "150";
    process.env["GOMAXPROCS"] = "4";
    expect(kustomizeEnv("/tmp/w")).toMatchObject({ GOGC: "150", GOMAXPROCS: "4" });
  });
});
