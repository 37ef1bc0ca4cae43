import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutputArtifact } from "@sluice/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifactRequests, PathPatternError, renderTemplate } from "./path-pattern.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "path-pattern-"));
  for (const d of [
    "apps/Frontend/envs/prod",
    "apps/Frontend/envs/dev",
    "apps/api/envs/prod",
    "apps/api/docs",
    "other",
  ]) {
    await mkdir(join(root, "src", d), { recursive: true });
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const artifact = (name: string, from = "@src/apps/{app}/envs/{env}/**"): OutputArtifact => ({
  name,
  copy: [{ from, to: "@artifact/{app}/" }],
});
const sources = () => new Map([["src", join(root, "src")]]);

describe("buildArtifactRequests", () => {
  it("returns the spec's artifacts as they are without pathPattern", async () => {
    const a = artifact("plain");
    expect(await buildArtifactRequests(undefined, [a], sources())).toEqual([{ spec: a }]);
  });

  it("expands each matching directory: names and labels lowercased, copy paths with the captures as found", async () => {
    const reqs = await buildArtifactRequests("@src/apps/{app}/envs/{env}", [artifact("{app}-{env}")], sources());
    expect(reqs.map((r) => [r.spec.name, r.labels, r.spec.copy[0]?.from, r.spec.copy[0]?.to])).toEqual([
      ["frontend-dev", { app: "frontend", env: "dev" }, "@src/apps/Frontend/envs/dev/**", "@artifact/Frontend/"],
      ["frontend-prod", { app: "frontend", env: "prod" }, "@src/apps/Frontend/envs/prod/**", "@artifact/Frontend/"],
      ["api-prod", { app: "api", env: "prod" }, "@src/apps/api/envs/prod/**", "@artifact/api/"],
    ]);
  });

  it.each([
    ["src/apps/{app}", "invalid pathPattern format: src/apps/{app}"],
    ["@nope/apps/{app}", 'pathPattern "@nope/apps/{app}": source alias nope not found in local sources'],
    ["@src/apps/{app", 'pathPattern "@src/apps/{app": invalid capture starting at offset 5: missing closing brace'],
    ["@src/apps/{}", 'pathPattern "@src/apps/{}": empty capture variable'],
    ["@src/{a}/{a}", 'pathPattern "@src/{a}/{a}": duplicate capture variable "a"'],
    ["@src/apps/app}", 'pathPattern "@src/apps/app}": invalid capture ending at offset 8: missing opening brace'],
    ["@src/apps/{_app}", 'pathPattern "@src/apps/{_app}": capture variable "_app" is not a valid Kubernetes label key'],
    ["@src/{top}", 'pathPattern "@src/{top}": rendered artifact name "x_apps" is not a valid Kubernetes object name'],
  ])("refuses %s as Flux does", async (pattern, message) => {
    const name = pattern === "@src/{top}" ? "x_{top}" : "x";
    const spec = { name, copy: [{ from: "@src/**", to: "@artifact/" }] };
    const run = buildArtifactRequests(pattern, [spec], sources());
    await expect(run).rejects.toThrow(PathPatternError);
    await expect(run).rejects.toThrow(message);
  });

  it("refuses two directories rendering the same name", async () => {
    await expect(buildArtifactRequests("@src/apps/{app}/envs/{env}", [artifact("{app}")], sources())).rejects.toThrow(
      'pathPattern "@src/apps/{app}/envs/{env}": directories "apps/Frontend/envs/dev" and "apps/Frontend/envs/prod" both resolve to artifact name "frontend"',
    );
  });
});

describe("renderTemplate", () => {
  it("names an undefined capture", () => {
    expect(() => renderTemplate("{app}-{x}", { app: "a" })).toThrow(
      'invalid template "{app}-{x}": capture variable "x" is not defined by pathPattern',
    );
  });
});
