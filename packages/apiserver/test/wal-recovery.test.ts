// Recovery of a damaged data directory by `dist/main.js`: a torn record in the middle of the write-ahead log
// (what a full disk left behind before writes were checked) is skipped and every intact record after it kept,
// the damage reported with file and offset and the damaged log kept for inspection; a damaged snapshot stops
// the server with the file, line and offset instead of starting without data.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDist, call, killServer, type RunningServer, spawnServer, startServer } from "./helpers/server-process.js";

const CM = "/api/v1/namespaces/default/configmaps";

interface Item {
  metadata: { name: string; resourceVersion: string };
  data?: Record<string, string>;
}

describe("recovery of a damaged data directory", () => {
  let work: string;
  const servers: RunningServer[] = [];
  beforeAll(() => {
    buildDist();
    work = mkdtempSync(join(tmpdir(), "sluice-wal-recovery-"));
  });
  afterAll(async () => {
    for (const s of servers) await killServer(s);
    rmSync(work, { recursive: true, force: true });
  });

  /** Starts a server on `dir`, creates ConfigMaps a-0..a-(n-1), SIGKILLs it; returns the last resourceVersion. */
  async function populate(dir: string, n: number): Promise<number> {
    const s = await startServer(dir);
    servers.push(s);
    let rv = 0;
    for (let i = 0; i < n; i++) {
      const r = await call(s.url, "POST", CM, { metadata: { name: `a-${i}` }, data: { i: String(i) } });
      expect(r.status, r.body).toBe(201);
      rv = Number(r.json<Item>().metadata.resourceVersion);
    }
    await killServer(s);
    return rv;
  }

  it("keeps every intact record after a torn one, reports where the damage is, and keeps the damaged log", async () => {
    const dir = join(work, "torn");
    const lastRv = await populate(dir, 10);
    const walPath = join(dir, "wal.jsonl");
    const original = readFileSync(walPath);
    const lines = original.toString("utf8").split("\n");
    const index = (name: string) => lines.findIndex((l) => l.includes(`"key":"default/${name}"`));
    // a-2: written by an earlier version (no checksum) — still a valid record.
    expect(lines[index("a-2")]).toMatch(/,"crc":"[0-9a-f]{8}"\}$/);
    lines[index("a-2")] = lines[index("a-2")]!.replace(/,"crc":"[0-9a-f]{8}"\}$/, "}");
    // a-4: torn by a full disk — half a record, no newline, the next record written straight after it.
    const torn = index("a-4");
    const tornLine = lines[torn]!;
    lines[torn] = tornLine.slice(0, Math.floor(tornLine.length / 2)) + lines[torn + 1]!;
    lines.splice(torn + 1, 1);
    // a-7: a flipped byte (the checksum no longer matches).
    const flipped = index("a-7");
    lines[flipped] = lines[flipped]!.replace('"i":"7"', '"i":"8"');
    // and an interrupted last write.
    const damaged = `${lines.filter((l) => l !== "").join("\n")}\n{"rv":${lastRv + 1},"collection":"core/configm`;
    writeFileSync(walPath, damaged);
    const tornOffset = Buffer.byteLength(`${lines.slice(0, torn).join("\n")}\n`);

    const s = await startServer(dir);
    servers.push(s);
    const list = (await call(s.url, "GET", CM)).json<{ metadata: { resourceVersion: string }; items: Item[] }>();
    const names = list.items.map((i) => i.metadata.name).sort();
    expect(names).toEqual(["a-0", "a-1", "a-2", "a-3", "a-5", "a-6", "a-8", "a-9"]);
    expect(list.items.find((i) => i.metadata.name === "a-9")?.data).toEqual({ i: "9" });
    expect(Number(list.metadata.resourceVersion)).toBe(lastRv);

    const logs = s
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: "error", msg: "skipped a damaged record", file: walPath, offset: tornOffset }),
    );
    expect(logs.filter((l) => l["msg"] === "skipped a damaged record")).toHaveLength(2);
    expect(logs).toContainEqual(expect.objectContaining({ level: "warn", msg: "skipped an interrupted last record" }));
    const kept = readdirSync(dir).filter((f) => f.startsWith("wal.jsonl.damaged-"));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, kept[0]!), "utf8")).toBe(damaged);

    // Writing goes on from the newest resourceVersion, and a clean restart has everything.
    const created = await call(s.url, "POST", CM, { metadata: { name: "after" } });
    expect(created.status, created.body).toBe(201);
    expect(Number(created.json<Item>().metadata.resourceVersion)).toBeGreaterThan(lastRv);
    await killServer(s);
    const again = await startServer(dir);
    servers.push(again);
    const after = (await call(again.url, "GET", CM)).json<{ items: Item[] }>();
    expect(after.items.map((i) => i.metadata.name).sort()).toEqual([...names, "after"].sort());
    expect(again.stderr()).not.toContain("damaged");
  });

  it("refuses to start on a damaged snapshot, naming the file, line and offset", async () => {
    const dir = join(work, "snapshot");
    await populate(dir, 3);
    // Start and stop once more so the objects are in the snapshot.
    await killServer(await startServer(dir));
    const snapPath = join(dir, "snapshot.jsonl");
    const lines = readFileSync(snapPath, "utf8").split("\n");
    const offset = Buffer.byteLength(`${lines.slice(0, 2).join("\n")}\n`);
    lines[2] = lines[2]!.slice(0, 10);
    writeFileSync(snapPath, lines.join("\n"));
    const p = spawnServer(dir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain(`data directory damaged: ${snapPath} line 3 (byte offset ${offset})`);
    expect(p.stderr()).not.toContain("usage:");
  });
});
