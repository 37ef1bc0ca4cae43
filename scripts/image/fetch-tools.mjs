#!/usr/bin/env node
// Puts kubectl and helm of pinned versions for one Linux architecture into a directory, for the container
// image (Dockerfile stages tools-download and tools-npm):
//   node fetch-tools.mjs --arch amd64|arm64 --kubectl v1.33.9 --helm v4.1.4 --out /tools            # download
//   node fetch-tools.mjs --arch amd64 --kubectl v1.33.9 --helm v4.1.4 --from .tools/bin --out /tools  # local copy
// Downloads come from dl.k8s.io and get.helm.sh and are checked against the SHA-256 sums published next to
// them. A local copy must be linux/amd64 (the npm package the workspace pins carries those). Either way, when
// the binaries can run here, their reported versions must equal the pinned ones.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    arch: { type: "string" },
    kubectl: { type: "string" },
    helm: { type: "string" },
    out: { type: "string" },
    from: { type: "string" },
  },
});
for (const name of ["arch", "kubectl", "helm", "out"]) {
  if (!values[name]) fail(`missing --${name}`);
}
const { arch, out } = values;
const versions = { kubectl: values.kubectl, helm: values.helm };

function fail(message) {
  process.stderr.write(`fetch-tools: ${message}\n`);
  process.exit(1);
}

async function download(url) {
  const res = await fetch(url);
  if (!res.ok) fail(`GET ${url}: ${res.status} ${res.statusText}`);
  return Buffer.from(await res.arrayBuffer());
}

function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}

async function verified(url) {
  const [data, sums] = await Promise.all([
    download(url),
    download(`${url}.sha256${url.endsWith(".tar.gz") ? "sum" : ""}`),
  ]);
  const want = sums.toString("utf8").trim().split(/\s+/)[0];
  const got = sha256(data);
  if (got !== want) fail(`${url}: SHA-256 ${got} does not match the published ${want}`);
  return data;
}

const hostArch = { x64: "amd64", arm64: "arm64" }[process.arch];

function reportedVersion(tool, path) {
  if (tool === "kubectl") {
    const json = JSON.parse(execFileSync(path, ["version", "--client", "-o", "json"], { encoding: "utf8" }));
    return json.clientVersion?.gitVersion;
  }
  return execFileSync(path, ["version", "--template", "{{.Version}}"], { encoding: "utf8" }).trim();
}

mkdirSync(out, { recursive: true });
if (values.from) {
  if (arch !== "amd64") fail(`--from ${values.from} holds linux/amd64 binaries; use the download for ${arch}`);
  for (const tool of ["kubectl", "helm"]) copyFileSync(join(values.from, tool), join(out, tool));
} else {
  const kubectl = await verified(`https://dl.k8s.io/release/${versions.kubectl}/bin/linux/${arch}/kubectl`);
  writeFileSync(join(out, "kubectl"), kubectl);
  const archive = await verified(`https://get.helm.sh/helm-${versions.helm}-linux-${arch}.tar.gz`);
  const work = mkdtempSync(join(tmpdir(), "helm-"));
  writeFileSync(join(work, "helm.tar.gz"), archive);
  execFileSync("tar", ["-xzf", join(work, "helm.tar.gz"), "-C", work, `linux-${arch}/helm`]);
  writeFileSync(join(out, "helm"), readFileSync(join(work, `linux-${arch}`, "helm")));
  rmSync(work, { recursive: true, force: true });
}
for (const tool of ["kubectl", "helm"]) {
  const path = join(out, tool);
  chmodSync(path, 0o755);
  if (arch !== hostArch) {
    process.stdout.write(`fetch-tools: ${tool} for ${arch} cannot run on ${hostArch}; version not checked\n`);
    continue;
  }
  const got = reportedVersion(tool, path);
  if (got !== versions[tool]) fail(`${tool} reports version ${got}, want ${versions[tool]}`);
  process.stdout.write(`fetch-tools: ${tool} ${got} (linux/${arch})\n`);
}
