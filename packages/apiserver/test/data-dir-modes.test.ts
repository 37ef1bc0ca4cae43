// The data directory holds every Secret unencrypted: it is 0700 and its files 0600 whatever the umask, and a
// directory or files left with wider modes (by an earlier version, or by hand) are tightened at start.

import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDist, call, killServer, type RunningServer, startServer } from "./helpers/server-process.js";

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, "0");
}

function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { ".": mode(dir) };
  for (const f of readdirSync(dir)) out[f] = mode(join(dir, f));
  return out;
}

describe("modes of the data directory", () => {
  let work: string;
  const servers: RunningServer[] = [];
  beforeAll(() => {
    buildDist();
    work = mkdtempSync(join(tmpdir(), "sluice-modes-"));
  });
  afterAll(async () => {
    for (const s of servers) await killServer(s);
    rmSync(work, { recursive: true, force: true });
  });

  it("creates the directory 0700 and its files 0600 under umask 000, and tightens wider ones at start", async () => {
    const dir = join(work, "nested", "data");
    const s = await startServer(dir, { umask: "000" });
    servers.push(s);
    const secret = await call(s.url, "POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "db" },
      stringData: { password: "hunter2" },
    });
    expect(secret.status, secret.body).toBe(201);
    expect(modes(dir)).toEqual({
      ".": "0700",
      "apiserver.lock": "0600",
      // The ServiceAccount token signing key.
      "sa-signing-key.pem": "0600",
      "snapshot.jsonl": "0600",
      "wal.jsonl": "0600",
    });
    await killServer(s);

    // As an earlier version (or a careless hand) left them.
    chmodSync(dir, 0o777);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o666);
    writeFileSync(join(dir, "snapshot.jsonl.tmp"), "", { mode: 0o644 });
    const again = await startServer(dir, { umask: "000" });
    servers.push(again);
    expect(modes(dir)).toEqual({
      ".": "0700",
      "apiserver.lock": "0600",
      "sa-signing-key.pem": "0600",
      "snapshot.jsonl": "0600",
      "wal.jsonl": "0600",
    });
    const read = await call(again.url, "GET", "/api/v1/namespaces/default/secrets/db");
    expect(read.json<{ data: Record<string, string> }>().data).toEqual({
      password: Buffer.from("hunter2").toString("base64"),
    });
  });
});
