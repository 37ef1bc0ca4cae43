// `GET /api/logs/:kind/:namespace/:name`: the controllers' lines about one object over Server-Sent Events —
// the recent ones first, then each new one as it is written (a live tail).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { LogMessage } from "../shared/api.js";
import type { ControllerLogs } from "./controller-logs.js";

/** Recent lines sent first. */
const TAIL = 500;
const HEARTBEAT_MS = 25_000;

function frame(message: LogMessage): string {
  return `data: ${JSON.stringify(message)}\n\n`;
}

/** Answers the request with the object's log stream until the browser goes away. */
export function streamLogs(
  req: IncomingMessage,
  res: ServerResponse,
  logs: ControllerLogs,
  object: { kind: string; namespace: string; name: string },
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  // No automatic reconnect storm when the logs are unavailable: the viewer offers a retry.
  res.write("retry: 10000\n\n");
  const abort = new AbortController();
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  const end = () => {
    clearInterval(heartbeat);
    abort.abort();
  };
  req.on("close", end);
  res.on("error", end);
  const send = (m: LogMessage) => {
    if (!abort.signal.aborted) res.write(frame(m));
  };
  logs
    .read({
      filter: { kind: object.kind, namespace: object.namespace, name: object.name },
      tail: TAIL,
      signal: abort.signal,
      sink: (lines) => send({ type: "lines", lines }),
    })
    .then(
      (source) => send({ type: "source", source }),
      (err: unknown) => {
        send({ type: "error", message: err instanceof Error ? err.message : String(err) });
        end();
        res.end();
      },
    );
}
