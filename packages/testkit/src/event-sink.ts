// An HTTP endpoint standing in for notification-controller's event receiver (`--events-addr`): it records
// the JSON bodies POSTed to it.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A received Flux event (the fields tests look at). */
export interface ReceivedEvent {
  involvedObject: { kind: string; name: string; namespace?: string };
  severity: string;
  reason: string;
  message: string;
  metadata?: Record<string, string>;
  reportingController: string;
}

/** A running event sink. */
export interface EventSink {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  events: ReceivedEvent[];
  stop(): Promise<void>;
}

/** Starts an event sink on 127.0.0.1 and a free port. */
export async function startEventSink(): Promise<EventSink> {
  const events: ReceivedEvent[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        events.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReceivedEvent);
        res.writeHead(202).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    events,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
