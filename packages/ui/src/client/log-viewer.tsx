// The controllers' log lines about this object: the recent ones, then a live tail over Server-Sent Events,
// with a level filter. At most 1,000 lines are kept.

import { useEffect, useState } from "preact/hooks";
import { type LogLine, type LogMessage, paths } from "../shared/api.js";

const KEEP = 1000;
const LEVELS = ["all", "error", "info", "debug"] as const;

/** Opens the object's log stream while shown. */
export function LogViewer({ kind, namespace, name }: { kind: string; namespace: string; name: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [source, setSource] = useState("");
  const [error, setError] = useState("");
  const [level, setLevel] = useState<(typeof LEVELS)[number]>("all");
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setLines([]);
    setError("");
    const events = new EventSource(paths.logs(kind, namespace, name));
    events.onmessage = (e: MessageEvent<string>) => {
      const m = JSON.parse(e.data) as LogMessage;
      if (m.type === "lines") setLines((old) => [...old, ...m.lines].slice(-KEEP));
      else if (m.type === "source") setSource(m.source === "pods" ? "the controllers' Pods" : "sluice up's log files");
      else {
        setError(m.message);
        events.close();
      }
    };
    return () => events.close();
  }, [kind, namespace, name, attempt]);
  const shown = level === "all" ? lines : lines.filter((l) => l.level === level);
  return (
    <section aria-label="Controller logs" class="logs">
      <div class="log-controls">
        <label>
          Level{" "}
          <select
            name="log-level"
            value={level}
            onChange={(e) => setLevel((e.currentTarget as HTMLSelectElement).value as (typeof LEVELS)[number])}
          >
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>{" "}
        {source ? <span class="muted">live, from {source}</span> : null}
        {error ? (
          <>
            <span class="error" role="alert">
              {error}
            </span>{" "}
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Retry
            </button>
          </>
        ) : null}
      </div>
      {shown.length === 0 ? (
        <p class="muted">
          {source || error
            ? `No log lines about this object${level === "all" ? "" : ` at ${level}`}.`
            : "Reading the controllers' logs…"}
        </p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard (WCAG 2.1.1)
        <pre class="log" data-testid="log-lines" tabIndex={0}>
          {shown.map((l, i) => (
            <span key={`${i}-${l.ts}`} class={`log-${l.level}`} data-level={l.level}>
              {l.ts} {l.level.padEnd(5)} {l.controller}: {l.msg}
              {l.error ? ` ${l.error}` : ""}
              {"\n"}
            </span>
          ))}
        </pre>
      )}
    </section>
  );
}
