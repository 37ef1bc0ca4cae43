// A HelmRelease's release history from Helm's storage: each version's status, chart and app version, times
// and values (Secret- and ConfigMap-sourced values arrive masked).

import { useEffect, useState } from "preact/hooks";
import { type HelmHistoryAnswer, paths } from "../shared/api.js";
import { getJson } from "./api-client.js";
import { age } from "./format.js";

/** Loads and shows the history; `version` changes make it reload (the HelmRelease changed). */
export function HelmHistory({ namespace, name, version }: { namespace: string; name: string; version: string }) {
  const [history, setHistory] = useState<HelmHistoryAnswer | undefined>();
  const [error, setError] = useState("");
  useEffect(() => {
    const abort = new AbortController();
    getJson<HelmHistoryAnswer>(paths.helm(namespace, name), abort.signal).then(
      (h) => {
        setHistory(h);
        setError("");
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setError((err as Error).message);
      },
    );
    return () => abort.abort();
  }, [namespace, name, version]);
  return (
    <section aria-label="Helm release" class="helm-history">
      <h2>Helm release {history ? <span class="mono">{history.release}</span> : null}</h2>
      {error ? <p class="error">{error}</p> : null}
      {history && history.revisions.length === 0 ? (
        <p class="muted">No release in Helm's storage (namespace {history.storageNamespace}) yet.</p>
      ) : null}
      {history && history.revisions.length > 0 ? (
        <div class="table-wrap">
          <table class="history" data-testid="helm-history">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Chart</th>
                <th scope="col">App version</th>
                <th scope="col">Deployed</th>
                <th scope="col">Description</th>
                <th scope="col">Values</th>
              </tr>
            </thead>
            <tbody>
              {history.revisions.map((r) => (
                <tr key={r.version} data-version={r.version}>
                  <td>{r.version}</td>
                  <td>{r.status}</td>
                  <td class="mono">
                    {r.chartName}@{r.chartVersion}
                  </td>
                  <td class="mono">{r.appVersion}</td>
                  <td title={r.lastDeployed}>{age(r.lastDeployed)}</td>
                  <td>{r.description}</td>
                  <td>
                    {r.valuesYaml ? (
                      <details>
                        <summary>values</summary>
                        <pre class="yaml">{r.valuesYaml}</pre>
                      </details>
                    ) : (
                      <span class="muted">defaults</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
