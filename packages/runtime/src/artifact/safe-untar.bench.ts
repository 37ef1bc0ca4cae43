import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { create } from "tar";
import { afterAll, bench, describe } from "vitest";
import { digestOf } from "./digest.js";
import { extractTarball } from "./safe-untar.js";

// A manifest-repository-like archive: 50 directories × 40 YAML-sized files (~13 MB, ~2000 entries).
const work = await mkdtemp(join(tmpdir(), "untar-bench-"));
const src = join(work, "src");
for (let d = 0; d < 50; d++) {
  await mkdir(join(src, `dir-${d}`), { recursive: true });
  for (let f = 0; f < 40; f++) {
    await writeFile(join(src, `dir-${d}`, `file-${f}.yaml`), randomBytes(5_000).toString("base64"));
  }
}
const chunks: Buffer[] = [];
for await (const c of create({ gzip: true, cwd: src, portable: true }, ["."])) chunks.push(c as Buffer);
const archive = Buffer.concat(chunks);
let run = 0;

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe(`artifact of ${(archive.length / 1e6).toFixed(1)} MB, 2051 entries`, () => {
  bench(
    "extractTarball (safe untar)",
    async () => {
      const dir = join(work, `x-${run++}`);
      await mkdir(dir);
      await extractTarball(Readable.from([archive]), dir);
      await rm(dir, { recursive: true });
    },
    { iterations: 5, time: 0 },
  );

  bench("sha256 digest", () => {
    digestOf(archive, "sha256");
  });

  bench("blake3 digest", () => {
    digestOf(archive, "blake3");
  });
});
