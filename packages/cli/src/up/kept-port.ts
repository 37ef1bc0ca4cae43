// Ports `sluice up` keeps across runs in its data directory: read, probe and record.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname } from "node:path";

/** The port recorded in `file`, or undefined when there is none (or it is not a port). */
export async function readPort(file: string): Promise<number | undefined> {
  try {
    const port = Number.parseInt((await readFile(file, "utf8")).trim(), 10);
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Records `port` in `file`. */
export async function writePort(file: string, port: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${port}\n`);
}

/** Whether 127.0.0.1:`port` can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
