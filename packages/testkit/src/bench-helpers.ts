import { readFile } from "node:fs/promises";

/** Resident memory of process `pid` in MiB, from `/proc/<pid>/status` (VmRSS). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Polls `check` every `everyMs` until it is true; throws `timed out waiting for <what>` after `ms`. */
export async function until(check: () => Promise<boolean>, what: string, ms = 300_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
