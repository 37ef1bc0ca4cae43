// `sluice get <kind> [name] -w`: the table's rows now, then one row per change of a matching object, until
// Ctrl-C or --timeout (flux get's watch).

import type { UnstructuredObject } from "@sluice/runtime/kube";
import { watchStream } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import type { CliKind } from "../kinds.js";
import { formatTable } from "../lib/table.js";

/** What to watch and how to print it. */
export interface WatchOptions {
  allNamespaces: boolean;
  labelSelector: string | undefined;
  matches: (obj: UnstructuredObject) => boolean;
  /** Printed before the first row; undefined with --no-header. */
  header: string[] | undefined;
  row: (obj: UnstructuredObject) => string[];
}

/** Lists, prints, then prints each ADDED/MODIFIED event's row until interrupted or timed out. */
export async function watchKind(ctx: CommandContext, kind: CliKind, options: WatchOptions): Promise<void> {
  const client = ctx.kube();
  const namespace = options.allNamespaces ? undefined : ctx.namespace;
  const list = await client.list<UnstructuredObject>(kind.apiVersion, kind.kind, {
    ...(namespace ? { namespace } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
  });
  let header = options.header;
  const print = (obj: UnstructuredObject) => {
    const row = options.row(obj);
    if (options.allNamespaces) row.unshift(obj.metadata.namespace ?? "");
    ctx.io.stdout.write(formatTable(header, [row], ctx.io.columns));
    header = undefined;
  };
  for (const obj of list.items.filter(options.matches)) print(obj);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ctx.timeoutMs);
  const onSignal = () => stop.abort();
  ctx.io.signal?.addEventListener("abort", onSignal, { once: true });
  process.once("SIGINT", onSignal);
  try {
    const path = await client.resourcePath({ apiVersion: kind.apiVersion, kind: kind.kind, namespace });
    let resourceVersion = list.resourceVersion;
    while (!stop.signal.aborted) {
      await watchStream(
        client.http,
        path,
        {
          watch: true,
          resourceVersion,
          allowWatchBookmarks: true,
          ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        },
        (event) => {
          const obj = event.object as unknown as UnstructuredObject;
          if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
          if ((event.type === "ADDED" || event.type === "MODIFIED") && options.matches(obj)) print(obj);
        },
        stop.signal,
      );
    }
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", onSignal);
  }
}
