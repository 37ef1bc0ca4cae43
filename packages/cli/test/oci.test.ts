// create source oci against a real registry (Debian docker-registry) holding a Flux artifact.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  FLUX_CONTENT_MEDIA_TYPE,
  type OciRegistry,
  pushArtifact,
  requireTools,
  startOciRegistry,
  writeTree,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

const run = promisify(execFile);

describe.skipIf(requireTools("docker-registry").skip)("sluice create source oci", () => {
  let env: CliEnv;
  let registry: OciRegistry;
  let digest: string;
  beforeAll(async () => {
    env = await startCliEnv({ withSourceController: true });
    registry = await startOciRegistry();
    const content = join(env.workDir, "content");
    await writeTree(content, { "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" });
    const tarball = join(env.workDir, "layer.tar.gz");
    await run("tar", ["-czf", tarball, "-C", content, "."]);
    const pushed = await pushArtifact(registry, {
      repository: "org/app",
      tags: ["v1.0.0"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await readFile(tarball) }],
    });
    digest = pushed.digest;
  });
  afterAll(async () => {
    await registry?.stop();
    await env?.stop();
  });

  it("creates the OCIRepository and prints the fetched revision", async () => {
    const url = `oci://${registry.host}/org/app`;
    const exported = await env.sluice(
      "create",
      "source",
      "oci",
      "app",
      "--url",
      url,
      "--tag",
      "v1.0.0",
      "--insecure",
      "--export",
    );
    expect(exported.stdout).toBe(
      `---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    tag: v1.0.0\n  insecure: true\n  url: ${url}\n`,
    );
    const r = await env.sluice("create", "source", "oci", "app", "--url", url, "--tag", "v1.0.0", "--insecure");
    expect(r.stderr).toContain(`✔ fetched revision: v1.0.0@${digest}\n`);
    expect(r.code).toBe(0);
    const get = await env.sluice("get", "sources", "oci");
    expect(get.stdout.split("\n")[1]).toMatch(new RegExp(`^app\\s+v1\\.0\\.0@${digest}\\s+False\\s+True\\s+`));
    const noRef = await env.sluice("create", "source", "oci", "app", "--url", url);
    expect(noRef.stderr.trim()).toBe("✗ an OCI ref is required, use one of --tag, --tag-semver or --digest");
  });
});
