// The Server-Sent Events connection, shared by every view: one EventSource per page.

import type { StreamMessage } from "../shared/api.js";
import { paths } from "../shared/api.js";

type Listener = (message: StreamMessage) => void;

const listeners = new Set<Listener>();
let source: EventSource | undefined;

function connect(): void {
  source = new EventSource(paths.events);
  source.onmessage = (e: MessageEvent<string>) => {
    const message = JSON.parse(e.data) as StreamMessage;
    for (const l of listeners) l(message);
  };
  // A reconnect after an error starts with a new `hello`; listeners refetch on it.
}

/** Subscribes to the stream; returns the unsubscribe. */
export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  if (!source) connect();
  return () => listeners.delete(listener);
}
