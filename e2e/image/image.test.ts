// The image itself: how it runs (user, PID 1, default command), what it carries (production dependencies
// only; git, ssh, gpg, kubectl with kustomize and helm at the Dockerfile's pinned versions), and its OCI archive
// pushed to a local docker-registry and read back. Prints its size and build time.

import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { hasDockerRegistry, type OciRegistry, startContainer, startOciRegistry } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const image = inject("image");
const execFileAsync = promisify(execFile);
const DOCKERFILE = readFileSync(join(import.meta.dirname, "../../Dockerfile"), "utf8");
const pinned = (arg: string) => new RegExp(`^ARG ${arg}=(\\S+)$`, "m").exec(DOCKERFILE)?.[1];

async function run(args: { command?: string[]; args?: string[] }): Promise<{ code: number | string; output: string }> {
  const c = startContainer({
    rootfs: image.rootfs,
    config: image.config,
    tmpfs: ["/tmp"],
    ...(args.command ? { command: args.command } : {}),
    ...(args.args ? { args: args.args } : {}),
  });
  const code = await c.exited;
  return { code, output: c.output() };
}

describe.skipIf(image.skipReason !== undefined)("the controllers' image", () => {
  it("runs tini as PID 1 and node as user 65532 with HOME on /tmp, and prints its usage by default", async () => {
    expect(image.config).toEqual({
      entrypoint: ["/usr/bin/tini", "--", "/usr/local/bin/node", "/app/dist/main.js"],
      cmd: ["--help"],
      env: ["HOME=/tmp", "TMPDIR=/tmp", "NODE_ENV=production", "PATH=/usr/local/bin:/usr/bin:/bin"],
      user: "65532:65532",
      workingDir: "/tmp",
    });
    const usage = await run({});
    expect(usage.output).toContain("Usage: sluice-controller <controller> [flags]");
    expect(usage.output).toContain("  source-controller\n  kustomize-controller\n  helm-controller\n");
    expect(usage.code).toBe(0);
    const unknown = await run({ args: ["image-magic-controller"] });
    expect(unknown.output).toContain('unknown controller "image-magic-controller"');
    expect(unknown.code).toBe(2);
    const who = await run({
      command: ["/bin/sh", "-c", "id -u; id -g; tr '\\0' ' ' < /proc/1/cmdline; echo; cd && pwd"],
    });
    expect(who.output).toBe(
      "65532\n65532\n/bin/sh -c id -u; id -g; tr '\\0' ' ' < /proc/1/cmdline; echo; cd && pwd \n/tmp\n",
    );
  });

  it("carries git, ssh, gpg, and kubectl (kustomize) and helm at the Dockerfile's pinned versions", async () => {
    const kubectl = pinned("KUBECTL_VERSION");
    const helm = pinned("HELM_VERSION");
    expect(kubectl).toMatch(/^v\d+\.\d+\.\d+$/);
    const r = await run({
      command: [
        "/bin/sh",
        "-c",
        "kubectl version --client && helm version --template '{{.Version}}' && echo && git --version && ssh -V 2>&1 && gpg --version | head -1 && node --version",
      ],
    });
    expect(r.code).toBe(0);
    expect(r.output).toContain(`Client Version: ${kubectl}\nKustomize Version: v5.`);
    expect(r.output).toContain(`\n${helm}\n`);
    expect(r.output).toMatch(/\ngit version 2\.\d+/);
    expect(r.output).toMatch(/\nOpenSSH_\d/);
    expect(r.output).toMatch(/\ngpg \(GnuPG\) 2\./);
    expect(r.output).toMatch(/\nv(2[0-9]|[3-9]\d)\.\d+\.\d+\n$/);
  });

  it("ships production dependencies only (pnpm deploy --prod)", () => {
    const store = join(image.rootfs, "app/node_modules/.pnpm");
    expect(existsSync(join(image.rootfs, "app/dist/main.js"))).toBe(true);
    const packages = readdirSync(store);
    expect(packages.some((p) => p.startsWith("yaml@"))).toBe(true);
    for (const dev of ["vitest@", "typescript@", "@biomejs+", "turbo@", "@aws-cdk+"]) {
      expect(packages.filter((p) => p.startsWith(dev))).toEqual([]);
    }
    expect(existsSync(join(image.rootfs, "app/node_modules/@sluice/testkit"))).toBe(false);
    const mib = (n: number) => (n / 1048576).toFixed(0);
    console.log(
      `image: ${mib(image.sizeBytes)} MiB unpacked, OCI archive ${mib(statSync(image.archive).size)} MiB (gzip), built in ${image.buildSeconds.toFixed(0)} s this run`,
    );
  });

  describe.skipIf(!hasDockerRegistry() && process.env["CI"] !== "true")("pushed to a registry", () => {
    let registry: OciRegistry;
    beforeAll(async () => {
      if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (Debian package docker-registry)");
      registry = await startOciRegistry();
    });
    afterAll(async () => {
      await registry?.stop();
    });

    it("copies the OCI archive to a local docker-registry with skopeo and reads the same image back", async () => {
      const host = new URL(registry.url).host;
      const dest = `docker://${host}/sluice-gitops/sluice:e2e`;
      await execFileAsync("skopeo", ["copy", "--dest-tls-verify=false", `oci-archive:${image.archive}:e2e`, dest], {
        maxBuffer: 16 * 1024 * 1024,
      });
      const pushed = JSON.parse(
        (await execFileAsync("skopeo", ["inspect", "--tls-verify=false", "--config", dest])).stdout,
      ) as { config: { Entrypoint: string[]; User: string }; architecture: string; os: string };
      expect(pushed.config.Entrypoint).toEqual(image.config.entrypoint);
      expect(pushed.config.User).toBe("65532:65532");
      expect(pushed.os).toBe("linux");
      const local = JSON.parse(
        (await execFileAsync("skopeo", ["inspect", "--raw", `oci-archive:${image.archive}:e2e`])).stdout,
      ) as { config: { digest: string } };
      const remote = JSON.parse(
        (await execFileAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", dest])).stdout,
      ) as { config: { digest: string } };
      expect(remote.config.digest).toBe(local.config.digest);
    });
  });
});
