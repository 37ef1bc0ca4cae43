// Each controller `sluice up` runs logs JSON lines (Flux's keys) to its own file, `<logDir>/<controller>.log`,
// where `sluice logs` reads them; the terminal keeps only the narration and progress.

import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createLogger, type Logger, type LogLevel } from "@sluice/runtime/logging";

/** Per-controller file loggers of one `sluice up`. */
export class ControllerLogs {
  private readonly streams: WriteStream[] = [];
  private readonly loggers = new Map<string, Logger>();

  private constructor(
    readonly dir: string,
    private readonly level: LogLevel,
  ) {}

  /** Opens the log directory. */
  static open(dir: string, level: LogLevel): ControllerLogs {
    mkdirSync(dir, { recursive: true });
    return new ControllerLogs(dir, level);
  }

  /** The file of one controller's (or `sluice-up`'s own) log. */
  file(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  /** The JSON logger writing to `<dir>/<name>.log` (appending, so a kept data dir keeps history). */
  async logger(name: string): Promise<Logger> {
    const known = this.loggers.get(name);
    if (known) return known;
    const stream = createWriteStream(this.file(name), { flags: "a", mode: 0o600 });
    this.streams.push(stream);
    const logger = await createLogger({ level: this.level, encoding: "json", destination: stream });
    this.loggers.set(name, logger);
    return logger;
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    for (const logger of this.loggers.values()) logger.flush();
    await Promise.all(this.streams.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  }
}
