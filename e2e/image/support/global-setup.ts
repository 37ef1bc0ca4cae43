// Builds the controllers' image once per test run with `pnpm image` (scripts/image/build.mjs: buildah on the
// repository's Dockerfile, offline), writes its OCI archive, and mounts a container of it (buildah from +
// mount) whose root filesystem the tests run the entrypoint from. Buildah's storage lives in
// .cache/image/storage, so a second run reuses the cached layers. Outside CI, a machine that cannot build or
// run containers skips the image tests and says why; in CI that fails.

import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { containerSupport, type ImageRunConfig } from "@sluice/testkit";
import type { TestProject } from "vitest/node";

const execFileAsync = promisify(execFile);
const REPO = join(import.meta.dirname, "../../..");
const TAG = "localhost/sluice:e2e";

/** What the image tests get (vitest `inject("image")`). */
export interface ImageUnderTest {
  /** Set when the tests cannot run here (outside CI only). */
  skipReason?: string;
  tag: string;
  /** buildah storage flags for commands the tests run. */
  storage: string[];
  /** The OCI archive `pnpm image` wrote. */
  archive: string;
  /** The mounted container's root filesystem. */
  rootfs: string;
  config: ImageRunConfig;
  /** Seconds the build took (this run; a cached build is fast). */
  buildSeconds: number;
  /** Uncompressed size of the image, bytes. */
  sizeBytes: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    image: ImageUnderTest;
  }
}

function missingTools(): string | undefined {
  const support = containerSupport();
  if (!support.ok) return support.reason;
  for (const tool of ["buildah", "skopeo", "apt-get", "dpkg-deb"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const empty: ImageUnderTest = {
    tag: TAG,
    storage: [],
    archive: "",
    rootfs: "",
    config: { entrypoint: [], cmd: [], env: [], user: "", workingDir: "" },
    buildSeconds: 0,
    sizeBytes: 0,
  };
  const missing = missingTools();
  if (missing) {
    const reason = `the image tests need buildah, skopeo and root: ${missing}`;
    if (process.env["CI"] === "true") throw new Error(reason);
    process.stderr.write(`image tests SKIPPED: ${reason}\n`);
    project.provide("image", { ...empty, skipReason: reason });
    return undefined;
  }
  const cache = join(REPO, ".cache", "image");
  mkdirSync(cache, { recursive: true });
  const storage = ["--root", join(cache, "storage"), "--runroot", join(cache, "run")];
  const out = mkdtempSync(join(tmpdir(), "sluice-image-"));
  const archive = join(out, "sluice.oci.tar");
  const started = Date.now();
  const build = spawnSync(
    process.execPath,
    [join(REPO, "scripts/image/build.mjs"), ...storage, "--tag", TAG, "--output", archive],
    { cwd: REPO, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  const buildSeconds = (Date.now() - started) / 1000;
  if (build.status !== 0) {
    throw new Error(`pnpm image failed (${build.status}):\n${(build.stderr ?? "").slice(-8000)}`);
  }
  process.stderr.write(`image ${TAG} built in ${buildSeconds.toFixed(0)}s\n`);
  const buildah = async (...args: string[]) =>
    (await execFileAsync("buildah", [...storage, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  const inspect = JSON.parse(await buildah("inspect", "--type", "image", TAG)) as {
    OCIv1: {
      config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; User?: string; WorkingDir?: string };
    };
  };
  const c = inspect.OCIv1.config;
  const container = await buildah("from", "--quiet", "--pull-never", TAG);
  const rootfs = await buildah("mount", container);
  const image: ImageUnderTest = {
    tag: TAG,
    storage,
    archive,
    rootfs,
    config: {
      entrypoint: c.Entrypoint ?? [],
      cmd: c.Cmd ?? [],
      env: c.Env ?? [],
      user: c.User ?? "",
      workingDir: c.WorkingDir ?? "",
    },
    buildSeconds,
    // What the image unpacks to (a node's disk), counted from its mounted root filesystem.
    sizeBytes: Number((await execFileAsync("du", ["-sb", rootfs])).stdout.split(/\s/)[0]),
  };
  project.provide("image", image);
  return async () => {
    await buildah("umount", container).catch(() => undefined);
    await buildah("rm", container).catch(() => undefined);
    rmSync(out, { recursive: true, force: true });
  };
}
