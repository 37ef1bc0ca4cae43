import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import type { CopyOperation } from "@sluice/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyCopyOperations, CopyOperationError } from "./copy.js";
import { adler32 } from "./dir-hash.js";

let root: string;
let sources: Map<string, string>;
let staging: string;

async function write(base: string, files: Record<string, string>) {
  for (const [p, content] of Object.entries(files)) {
    await mkdir(dirname(join(base, p)), { recursive: true });
    await writeFile(join(base, p), content);
  }
}

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "copy-test-"));
  const repo = join(root, "repo");
  await write(repo, {
    "apps/base/podinfo/release.yaml": "kind: HelmRelease\n",
    "apps/base/podinfo/kustomization.yaml": "resources: []\n",
    "apps/staging/kustomization.yaml": "resources: [../base/podinfo]\n",
    "apps/staging/README.md": "# staging\n",
    "infrastructure/controllers/cert-manager.yaml": "kind: Namespace\n",
    "infrastructure/configs/gateway.yaml": "kind: Gateway\n",
    "charts/podinfo/values-prod.yaml": "replicaCount: 3\nimage:\n  tag: prod\nports: [8080]\n",
    "deploy/a.yaml": "a\n",
    "deploy/b.yaml": "b\n",
    "deploy/sub/c.yaml": "c\n",
    "deploy/testdata/t.yaml": "t\n",
  });
  const chart = join(root, "chart");
  await write(chart, {
    "podinfo/Chart.yaml": "name: podinfo\n",
    "podinfo/values.yaml":
      "replicaCount: 1\nimage:\n  repository: ghcr.io/stefanprodan/podinfo\n  tag: 6.0.0\nports: [80, 443]\n",
  });
  sources = new Map([
    ["repo", repo],
    ["chart", chart],
  ]);
  staging = join(root, "staging");
  await mkdir(staging);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (ops: CopyOperation[]) => applyCopyOperations(ops, sources, staging);

describe("ArtifactGenerator copy operations", () => {
  it("copies dir/** contents without the prefix (flux2-kustomize-helm-example's apps and infrastructure)", async () => {
    await run([
      { from: "@repo/apps/base/**", to: "@artifact/base/" },
      { from: "@repo/apps/staging/**", to: "@artifact/staging/" },
    ]);
    expect(await tree(staging)).toEqual([
      "base/podinfo/kustomization.yaml",
      "base/podinfo/release.yaml",
      "staging/README.md",
      "staging/kustomization.yaml",
    ]);
  });

  it("copies a directory as a subdirectory, a whole source with @alias/, and a file to a new name or into a dir", async () => {
    await run([
      { from: "@repo/infrastructure/configs/", to: "@artifact/infra/" },
      { from: "@chart/", to: "@artifact/" },
      { from: "@repo/deploy/a.yaml", to: "@artifact/renamed.yaml" },
      { from: "@repo/deploy/b.yaml", to: "@artifact/into/" },
    ]);
    expect(await tree(staging)).toEqual([
      "infra/configs/gateway.yaml",
      "into/b.yaml",
      "podinfo/Chart.yaml",
      "podinfo/values.yaml",
      "renamed.yaml",
    ]);
  });

  // As Flux's builder (calculateGlobDestination): only `dir/**` drops its prefix; other glob matches keep their path.
  it("matches * within one directory only, and excludes by name at any depth or relative to the prefix", async () => {
    await run([{ from: "@repo/deploy/*.yaml", to: "@artifact/flat/" }]);
    await run([{ from: "@repo/deploy/**", to: "@artifact/all/", exclude: ["b.yaml", "testdata/**"] }]);
    expect(await tree(staging)).toEqual(["all/a.yaml", "all/sub/c.yaml", "flat/deploy/a.yaml", "flat/deploy/b.yaml"]);
  });

  it("merges YAML values as Helm does (maps deep-merged, arrays replaced), later copies overwrite", async () => {
    await run([
      { from: "@chart/", to: "@artifact/" },
      { from: "@repo/charts/podinfo/values-prod.yaml", to: "@artifact/podinfo/values.yaml", strategy: "Merge" },
    ]);
    expect(await readFile(join(staging, "podinfo/values.yaml"), "utf8")).toBe(
      "image:\n  repository: ghcr.io/stefanprodan/podinfo\n  tag: prod\nports:\n  - 8080\nreplicaCount: 3\n",
    );
    await run([{ from: "@repo/deploy/a.yaml", to: "@artifact/podinfo/values.yaml" }]);
    expect(await readFile(join(staging, "podinfo/values.yaml"), "utf8")).toBe("a\n");
  });

  it("extracts tarballs with the Extract strategy (helm package output)", async () => {
    const pkg = join(root, "pkg");
    await mkdir(pkg);
    await promisify(execFile)("tar", [
      "-czf",
      join(sources.get("repo") as string, "deploy/podinfo-6.0.0.tgz"),
      "-C",
      sources.get("chart") as string,
      "podinfo",
    ]);
    await run([{ from: "@repo/deploy/*.tgz", to: "@artifact/charts/", strategy: "Extract" }]);
    expect(await tree(staging)).toEqual(["charts/podinfo/Chart.yaml", "charts/podinfo/values.yaml"]);
  });

  const bad: Array<[string, CopyOperation, RegExp]> = [
    ["an unknown alias", { from: "@nope/x", to: "@artifact/" }, /source alias 'nope' not found/],
    ["a missing file", { from: "@repo/missing.yaml", to: "@artifact/" }, /source 'missing.yaml' does not exist/],
    [
      "a glob matching nothing",
      { from: "@repo/none/*.yaml", to: "@artifact/" },
      /no files match pattern 'none\/\*.yaml' in source 'repo'/,
    ],
    ["everything excluded", { from: "@repo/deploy/*.yaml", to: "@artifact/", exclude: ["*.yaml"] }, /were excluded/],
    ["a path leaving the source", { from: "@repo/../chart/podinfo/Chart.yaml", to: "@artifact/" }, /outside its root/],
    [
      "a destination leaving the artifact",
      { from: "@repo/deploy/a.yaml", to: "@artifact/../escape.yaml" },
      /outside its root/,
    ],
    [
      "extracting a non-tarball",
      { from: "@repo/deploy/a.yaml", to: "@artifact/", strategy: "Extract" },
      /requires tarball/,
    ],
  ];
  it.each(bad)("refuses %s, naming the operation", async (_name, op, message) => {
    const err = await run([op]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyOperationError);
    expect((err as Error).message).toContain(`failed to apply copy operation from '${op.from}' to '${op.to}'`);
    expect((err as Error).message).toMatch(message);
  });
});

describe("adler32", () => {
  it("matches the RFC 1950 check value", () => {
    expect(adler32(Buffer.from("Wikipedia")).toString(16)).toBe("11e60398");
  });
});
