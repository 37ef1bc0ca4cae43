// One API server per data directory, enforced by the server itself (`dist/main.js` as users run it): a second
// one exits with the holder's pid and leaves the first's log alone; the lock of a SIGKILLed server is taken
// over; resourceVersion never goes backwards.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataDirInUseError, startApiServer } from "../src/index.js";
import { buildDist, call, killServer, type RunningServer, spawnServer, startServer } from "./helpers/server-process.js";

const CM = "/api/v1/namespaces/default/configmaps";

interface Item {
  metadata: { name: string; resourceVersion: string };
}

async function create(url: string, name: string): Promise<number> {
  const r = await call(url, "POST", CM, { metadata: { name } });
  expect(r.status, r.body).toBe(201);
  return Number(r.json<Item>().metadata.resourceVersion);
}

async function listed(url: string): Promise<{ rv: number; names: string[] }> {
  const l = (await call(url, "GET", CM)).json<{ metadata: { resourceVersion: string }; items: Item[] }>();
  return { rv: Number(l.metadata.resourceVersion), names: l.items.map((i) => i.metadata.name).sort() };
}

describe("one API server per data directory", () => {
  let dir: string;
  const servers: RunningServer[] = [];
  beforeAll(() => {
    buildDist();
    dir = join(mkdtempSync(join(tmpdir(), "sluice-lock-")), "data");
  });
  afterAll(async () => {
    for (const s of servers) await killServer(s);
    rmSync(join(dir, ".."), { recursive: true, force: true });
  });

  it("refuses a second server naming the first's pid, keeps the first working, and takes over a dead one's lock", async () => {
    const first = await startServer(dir);
    servers.push(first);
    const rv1 = await create(first.url, "one");

    const second = spawnServer(dir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`data directory ${dir} is in use by another API server (pid ${first.pid})`);
    await expect(startApiServer({ dataDir: dir, simulateWorkloads: false })).rejects.toThrow(DataDirInUseError);
    await expect(startApiServer({ dataDir: dir, simulateWorkloads: false })).rejects.toThrow(`(pid ${first.pid})`);

    // The first server's log was left alone: it keeps writing, nothing is lost, resourceVersion only grows.
    const rv2 = await create(first.url, "two");
    expect(rv2).toBeGreaterThan(rv1);
    expect(await listed(first.url)).toEqual({ rv: rv2, names: ["one", "two"] });

    // A SIGKILLed server leaves its pid in the lock file but no lock: the next server takes it over.
    await killServer(first);
    expect(readFileSync(join(dir, "apiserver.lock"), "utf8").trim()).toBe(String(first.pid));
    const third = await startServer(dir);
    servers.push(third);
    expect(third.stderr()).toContain("took over the data directory lock of a process that is gone");
    expect(readFileSync(join(dir, "apiserver.lock"), "utf8").trim()).toBe(String(third.pid));
    expect(await listed(third.url)).toEqual({ rv: rv2, names: ["one", "two"] });
    expect(await create(third.url, "three")).toBeGreaterThan(rv2);

    const fourth = spawnServer(dir);
    expect(await fourth.exited).toBe(1);
    expect(fourth.stderr()).toContain(`(pid ${third.pid})`);
    expect((await listed(third.url)).names).toEqual(["one", "three", "two"]);
  });

  it("releases the lock on stop, so an embedding process can start a server on the directory again", async () => {
    const embedded = join(dir, "..", "embedded");
    const s1 = await startApiServer({ dataDir: embedded, simulateWorkloads: false });
    await expect(startApiServer({ dataDir: embedded, simulateWorkloads: false })).rejects.toThrow(
      `(pid ${process.pid})`,
    );
    await s1.stop();
    const s2 = await startApiServer({ dataDir: embedded, simulateWorkloads: false });
    await s2.stop();
  });
});
