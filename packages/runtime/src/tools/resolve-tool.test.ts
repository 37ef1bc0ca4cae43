import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultBundledDir, resolveTool, ToolNotFoundError, toolVersion } from "./resolve-tool.js";

const scratch = mkdtempSync(join(tmpdir(), "sluice-tools-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeBinary(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\necho fake\n");
  chmodSync(path, 0o755);
  return path;
}

describe("resolveTool", () => {
  it("finds the kubectl and helm extracted at install time, and they run", async () => {
    expect(defaultBundledDir({})).toMatch(/\.tools\/bin$/);
    const kubectl = resolveTool("kubectl", { env: {} });
    expect(kubectl.source).toBe("bundled");
    expect(await toolVersion(kubectl)).toMatch(/^v1\.33\./);
    const helm = resolveTool("helm", { env: {} });
    expect(helm.source).toBe("bundled");
    expect(await toolVersion(helm)).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it("prefers an explicit path, then SLUICE_<NAME>, then the bundled copy, then PATH", () => {
    const flagDir = mkdtempSync(join(scratch, "flag-"));
    const envDir = mkdtempSync(join(scratch, "env-"));
    const pathDir = mkdtempSync(join(scratch, "path-"));
    const bundledDir = mkdtempSync(join(scratch, "bundled-"));
    const flag = fakeBinary(flagDir, "helm");
    const fromEnv = fakeBinary(envDir, "helm");
    fakeBinary(pathDir, "helm");
    fakeBinary(bundledDir, "helm");
    const env = { SLUICE_HELM: fromEnv, PATH: pathDir };
    expect(resolveTool("helm", { explicitPath: flag, env, bundledDir })).toMatchObject({ source: "flag", path: flag });
    expect(resolveTool("helm", { env, bundledDir })).toMatchObject({ source: "env", path: fromEnv });
    expect(resolveTool("helm", { env: { PATH: pathDir }, bundledDir })).toMatchObject({ source: "bundled" });
    expect(resolveTool("helm", { env: { PATH: pathDir }, bundledDir: join(scratch, "none") })).toMatchObject({
      source: "path",
      path: join(pathDir, "helm"),
    });
  });

  it("fails clearly when an explicit choice does not exist instead of falling back", () => {
    expect(() => resolveTool("helm", { env: { SLUICE_HELM: "/nonexistent/helm" } })).toThrow(
      /helm not found \(tried env \/nonexistent\/helm\)/,
    );
  });

  it("says where it looked when the tool is nowhere", () => {
    const err = (() => {
      try {
        resolveTool("no-such-tool", { env: { PATH: scratch }, bundledDir: scratch });
      } catch (e: unknown) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ToolNotFoundError);
    expect((err as Error).message).toContain(`bundled ${join(scratch, "no-such-tool")}`);
    expect((err as Error).message).toContain("PATH");
  });
});
