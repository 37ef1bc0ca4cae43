// The desired-vs-live diff of a Kustomization or HelmRelease, computed on request (a build or the release
// manifest, and a dry-run per object).

import { useState } from "preact/hooks";
import { type DiffAnswer, paths } from "../shared/api.js";
import { getJson } from "./api-client.js";

function lineClass(line: string): string {
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return "";
}

/** A button computing the diff, then its result. */
export function DiffView({ kind, namespace, name }: { kind: string; namespace: string; name: string }) {
  const [diff, setDiff] = useState<DiffAnswer | undefined>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  /** Completed comparisons (tests wait for the next one). */
  const [runs, setRuns] = useState(0);
  const run = async () => {
    setBusy(true);
    try {
      setDiff(await getJson<DiffAnswer>(paths.diff(kind, namespace, name)));
      setError("");
    } catch (err: unknown) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
      setRuns((n) => n + 1);
    }
  };
  return (
    <section aria-label="Desired vs live" class="diff">
      <button type="button" data-testid="diff" disabled={busy} onClick={() => void run()}>
        {busy ? "Comparing…" : diff ? "Compare again" : "Compare desired with live"}
      </button>
      {error ? (
        <p class="error" data-testid="diff-summary" data-run={runs}>
          {error}
        </p>
      ) : null}
      {diff && !error ? (
        <>
          <p data-testid="diff-summary" data-run={runs}>
            {diff.changes === 0 ? "No changes" : `${diff.changes} object(s) would change`}{" "}
            <span class="muted">at {diff.revision}</span>
          </p>
          {diff.entries
            .filter((e) => e.action !== "unchanged")
            .map((e) => (
              <div key={e.id} data-id={e.id}>
                <h3>
                  {e.id} <span class={`badge diff-${e.action}`}>{e.action}</span>
                </h3>
                {e.message ? <p class="muted">{e.message}</p> : null}
                {e.lines.length > 0 ? (
                  <pre class="diff">
                    {e.lines.map((l, i) => (
                      <span key={i} class={lineClass(l)}>
                        {l}
                        {"\n"}
                      </span>
                    ))}
                  </pre>
                ) : null}
              </div>
            ))}
        </>
      ) : null}
    </section>
  );
}
