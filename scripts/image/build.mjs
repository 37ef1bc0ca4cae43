#!/usr/bin/env node
// `pnpm image`: builds the controllers' container image from the repository's Dockerfile on a machine without
// Docker and without a container registry (only the Debian and npm ones), with buildah:
//   1. the operating system image: the Debian packages the Dockerfile's `runtime-os` stage installs
//      (RUNTIME_PACKAGES, resolved by apt against an empty system), unpacked without maintainer scripts, with
//      the user 65532, the CA bundle and a dpkg status file for scanners;
//   2. a Node.js image: that system plus this machine's `node` binary and npm (the build stage's base);
//   3. `buildah bud` on the Dockerfile, unchanged, with RUNTIME_BASE, NODE_IMAGE and TOOLS=tools-npm;
//   4. the image as an OCI archive (`--output`, default dist/image/sluice.oci.tar).
// Steps 1 and 2 are cached by content (the package versions, the node binary); buildah caches layers.
//
// Options: --tag <name> (default localhost/sluice:v<version>), --output <file.oci.tar> | --no-output,
// --root <dir> --runroot <dir> (buildah storage; default buildah's own), --cache-dir <dir> (default .cache/image).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const version = JSON.parse(readFileSync(join(root, "packages/controllers/package.json"), "utf8")).version;
const { values } = parseArgs({
  options: {
    tag: { type: "string", default: `localhost/sluice:v${version}` },
    output: { type: "string", default: join(root, "dist/image/sluice.oci.tar") },
    "no-output": { type: "boolean", default: false },
    root: { type: "string" },
    runroot: { type: "string" },
    "cache-dir": { type: "string", default: join(root, ".cache/image") },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    "Usage: pnpm image [--tag NAME] [--output FILE.oci.tar | --no-output] [--root DIR --runroot DIR] [--cache-dir DIR]\n",
  );
  process.exit(0);
}
const cacheDir = resolve(values["cache-dir"]);
const storage = [
  ...(values.root ? ["--root", resolve(values.root)] : []),
  ...(values.runroot ? ["--runroot", resolve(values.runroot)] : []),
];
const started = Date.now();

function say(message) {
  process.stderr.write(`==> ${message} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
}

function fail(message) {
  process.stderr.write(`image: ${message}\n`);
  process.exit(1);
}

/** Runs a command; returns stdout (stderr passes through); exits with the command's message on failure. */
function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", options.inherit ? "inherit" : "pipe", options.quiet ? "pipe" : "inherit"],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, LC_ALL: "C", ...(options.env ?? {}) },
  });
  if (res.error) fail(`${cmd}: ${res.error.message}${res.error.code === "ENOENT" ? ` (is ${cmd} installed?)` : ""}`);
  if (res.status !== 0) {
    fail(`${cmd} ${args.join(" ")} exited with ${res.status}${options.quiet && res.stderr ? `:\n${res.stderr}` : ""}`);
  }
  return res.stdout ?? "";
}

function buildah(args, options = {}) {
  return run("buildah", [...storage, ...args], options);
}

function imageExists(name) {
  const res = spawnSync("buildah", [...storage, "images", "--quiet", name], { encoding: "utf8" });
  return res.status === 0 && res.stdout.trim() !== "";
}

/** A Dockerfile ARG's default value (the one source of the package list and versions). */
function dockerfileArg(name) {
  const text = readFileSync(join(root, "Dockerfile"), "utf8");
  const m = new RegExp(`^ARG ${name}=(?:"([^"]*)"|(\\S*))`, "m").exec(text);
  if (!m) fail(`Dockerfile has no ARG ${name}=…`);
  return m[1] ?? m[2];
}

// ---- 1. the operating system image from Debian packages

/** The .deb files apt would install on an empty system for `packages`: [{ name, version, arch, file }]. */
function resolvePackages(packages) {
  const state = join(cacheDir, "apt-state");
  mkdirSync(join(state, "archives", "partial"), { recursive: true });
  writeFileSync(join(state, "status"), "");
  const out = run(
    "apt-get",
    [
      "-qq",
      "--print-uris",
      "-o",
      `Dir::State::status=${join(state, "status")}`,
      "-o",
      `Dir::Cache::archives=${join(state, "archives")}`,
      "-o",
      "Debug::NoLocking=1",
      "-o",
      "APT::Install-Recommends=false",
      "install",
      "-y",
      ...packages,
    ],
    { quiet: true },
  );
  const debs = [];
  for (const line of out.split("\n")) {
    const m = /^'[^']+' (\S+\.deb) \d+/.exec(line);
    if (!m) continue;
    const file = m[1];
    const [name, ver, arch] = file.replace(/\.deb$/, "").split("_");
    debs.push({ name, version: decodeURIComponent(ver), arch, file });
  }
  if (debs.length === 0) fail(`apt resolved no packages for ${packages.join(" ")}; run 'apt-get update' first`);
  return debs.sort((a, b) => a.name.localeCompare(b.name));
}

function downloadPackages(debs, dir) {
  mkdirSync(dir, { recursive: true });
  const missing = debs.filter((d) => !existsSync(join(dir, d.file)));
  if (missing.length === 0) return;
  // apt-get download checks each file against the signed archive index.
  run(
    "apt-get",
    ["-qq", "-o", "APT::Sandbox::User=root", "download", ...missing.map((d) => `${d.name}:${d.arch}=${d.version}`)],
    { cwd: dir, quiet: true },
  );
  for (const d of missing) {
    if (!existsSync(join(dir, d.file))) fail(`apt-get download did not write ${d.file}`);
  }
}

/** Unpacks the packages into a merged-/usr root filesystem without running maintainer scripts. */
function assembleRootfs(debs, debDir, rootfs) {
  rmSync(rootfs, { recursive: true, force: true });
  for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "tmp", "var/lib/dpkg", "root"]) {
    mkdirSync(join(rootfs, d), { recursive: true });
  }
  for (const link of ["bin", "sbin", "lib", "lib64"]) symlinkSync(`usr/${link}`, join(rootfs, link));
  const status = [];
  for (const d of debs) {
    const deb = join(debDir, d.file);
    const tar = spawnSync("dpkg-deb", ["--fsys-tarfile", deb], { maxBuffer: 512 * 1024 * 1024 });
    if (tar.status !== 0) fail(`dpkg-deb --fsys-tarfile ${d.file}: ${tar.stderr}`);
    const x = spawnSync("tar", ["-x", "--keep-directory-symlink", "--no-same-owner", "-C", rootfs], {
      input: tar.stdout,
    });
    if (x.status !== 0) fail(`unpacking ${d.file}: ${x.stderr}`);
    const control = run("dpkg-deb", ["--field", deb], { quiet: true }).trimEnd();
    status.push(control.replace(/^(Package: .*)$/m, "$1\nStatus: install ok installed"));
  }
  writeFileSync(join(rootfs, "var/lib/dpkg/status"), `${status.join("\n\n")}\n`);
  writeFileSync(
    join(rootfs, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin\n",
  );
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\nnonroot:x:65532:\n");
  writeFileSync(join(rootfs, "etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
  // What ca-certificates' maintainer script would generate: the bundle of every certificate it ships.
  const certDir = join(rootfs, "usr/share/ca-certificates");
  const certs = existsSync(certDir)
    ? readdirSync(certDir, { recursive: true })
        .filter((f) => String(f).endsWith(".crt"))
        .sort()
    : [];
  mkdirSync(join(rootfs, "etc/ssl/certs"), { recursive: true });
  writeFileSync(
    join(rootfs, "etc/ssl/certs/ca-certificates.crt"),
    certs.map((f) => readFileSync(join(certDir, String(f)), "utf8").trimEnd()).join("\n") + "\n",
  );
  for (const d of ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian"]) {
    rmSync(join(rootfs, d), { recursive: true, force: true });
  }
  spawnSync("chmod", ["1777", join(rootfs, "tmp")]);
}

/** Commits a directory tree as an image layer on top of `from` (or scratch). */
function commitTree(from, tree, name, config = []) {
  const container = buildah(["from", "--quiet", from], { quiet: true }).trim();
  try {
    buildah(["copy", "--quiet", container, tree, "/"], { quiet: true });
    if (config.length > 0) buildah(["config", ...config, container], { quiet: true });
    buildah(["commit", "--quiet", "--rm", container, name], { quiet: true });
  } catch (err) {
    spawnSync("buildah", [...storage, "rm", container]);
    throw err;
  }
}

const packages = [...dockerfileArg("RUNTIME_PACKAGES").split(/\s+/), "base-files", "dash", "coreutils", "sed", "grep"];
say(`resolving Debian packages: ${packages.join(" ")}`);
const debs = resolvePackages(packages);
// Bump when assembleRootfs changes what it makes of the same packages.
const ASSEMBLY_VERSION = "1";
const osKey = createHash("sha256")
  .update(ASSEMBLY_VERSION)
  .update(debs.map((d) => d.file).join("\n"))
  .digest("hex")
  .slice(0, 16);
const osImage = `localhost/sluice-runtime-os:${osKey}`;
if (imageExists(osImage)) say(`${osImage} (${debs.length} packages) exists`);
else {
  const debDir = join(cacheDir, "debs");
  downloadPackages(debs, debDir);
  say(`downloaded ${debs.length} packages; unpacking`);
  const rootfs = join(cacheDir, "rootfs");
  assembleRootfs(debs, debDir, rootfs);
  commitTree("scratch", rootfs, osImage, [
    "--env",
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "--created-by",
    `sluice scripts/image/build.mjs: ${debs.length} Debian packages`,
  ]);
  rmSync(rootfs, { recursive: true, force: true });
  say(`committed ${osImage}`);
}

// ---- 2. the Node.js image: the system plus this machine's node binary and npm (as in the official image)

const nodeBinary = realpathSync(process.execPath);
const npmDir = join(dirname(nodeBinary), "../lib/node_modules/npm");
if (!existsSync(npmDir)) fail(`npm not found next to ${nodeBinary}; the build stage installs pnpm with it`);
const nodeKey = createHash("sha256")
  .update(osKey)
  .update(`${statSync(nodeBinary).size}:${statSync(nodeBinary).mtimeMs}`)
  .digest("hex")
  .slice(0, 16);
const nodeImage = `localhost/sluice-node:${process.versions.node}-${nodeKey}`;
if (imageExists(nodeImage)) say(`${nodeImage} exists`);
else {
  const tree = join(cacheDir, "node-tree");
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, "usr/local/bin"), { recursive: true });
  copyFileSync(nodeBinary, join(tree, "usr/local/bin/node"));
  cpSync(npmDir, join(tree, "usr/local/lib/node_modules/npm"), { recursive: true, dereference: true });
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(tree, "usr/local/bin/npm"));
  symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(tree, "usr/local/bin/npx"));
  commitTree(osImage, tree, nodeImage, ["--created-by", `sluice scripts/image/build.mjs: node ${process.version}`]);
  rmSync(tree, { recursive: true, force: true });
  say(`committed ${nodeImage} (node ${process.version} from ${nodeBinary})`);
}

// ---- 3. the Dockerfile

const hostArch = { x64: "amd64", arm64: "arm64" }[process.arch] ?? process.arch;

// Downloads in the build (npm) trust what this machine's Node.js trusts: a NODE_EXTRA_CA_CERTS file (e.g. a
// TLS-intercepting proxy's CA) is mounted into every RUN step and named by the build argument of that name.
const hostEnv = process.env;
const extraCa = hostEnv["NODE_EXTRA_CA_CERTS"];
const caArgs =
  extraCa && existsSync(extraCa)
    ? [
        "--volume",
        `${realpathSync(extraCa)}:/run/sluice-build-ca.crt:ro`,
        "--build-arg",
        "NODE_EXTRA_CA_CERTS=/run/sluice-build-ca.crt",
      ]
    : [];
say(`building ${values.tag} from Dockerfile`);
buildah(
  [
    "bud",
    ...caArgs,
    "--layers",
    "--isolation",
    "chroot",
    "--network",
    "host",
    "--file",
    join(root, "Dockerfile"),
    "--tag",
    values.tag,
    "--build-arg",
    `NODE_IMAGE=${nodeImage}`,
    "--build-arg",
    `RUNTIME_BASE=${osImage}`,
    "--build-arg",
    "TOOLS=tools-npm",
    "--build-arg",
    `TARGETARCH=${hostArch}`,
    "--build-arg",
    `VERSION=${version}`,
    root,
  ],
  { inherit: true },
);
say(`built ${values.tag}`);

// ---- 4. the OCI archive

if (!values["no-output"]) {
  const output = resolve(values.output);
  mkdirSync(dirname(output), { recursive: true });
  rmSync(output, { force: true });
  buildah(["push", "--quiet", values.tag, `oci-archive:${output}:${/:([^/:]+)$/.exec(values.tag)?.[1] ?? "latest"}`], {
    quiet: true,
  });
  say(`wrote ${relative(process.cwd(), output) || output} (${(statSync(output).size / 1048576).toFixed(1)} MiB)`);
}
