// One object's page: state, actions, source chain, conditions, events, history, artifact and spec; it
// re-reads itself when the event stream reports a change of this object or its chain.

import { useCallback, useEffect, useState } from "preact/hooks";
import {
  type ActionAnswer,
  type ActionName,
  type ObjectDetail,
  objectIdOf,
  paths,
  type Session,
} from "../shared/api.js";
import { getJson, postJson } from "./api-client.js";
import { DiffView } from "./diff-view.js";
import { age, bytes, objectHref } from "./format.js";
import { HelmHistory } from "./helm-history.js";
import { onLive } from "./live.js";
import { LogViewer } from "./log-viewer.js";
import { ResourceTree } from "./resource-tree.js";
import { RollbackButton } from "./rollback-button.js";
import { StateBadge } from "./state-badge.js";

const ACTION_LABELS: Array<{ action: ActionName; label: string }> = [
  { action: "reconcile", label: "Reconcile" },
  { action: "reconcile-with-source", label: "Reconcile with source" },
  { action: "suspend", label: "Suspend" },
  { action: "resume", label: "Resume" },
];

interface Props {
  kind: string;
  namespace: string;
  name: string;
  session: Session | undefined;
}

function Actions({
  detail,
  session,
  onDone,
}: {
  detail: ObjectDetail;
  session: Session | undefined;
  onDone: () => void;
}) {
  const [result, setResult] = useState<{ ok: boolean; text: string; command: string } | undefined>();
  const { kind, namespace, name } = detail.summary;
  if (kind === "Alert" || kind === "Provider") return null;
  const run = async (action: ActionName) => {
    try {
      const a = await postJson<ActionAnswer>(paths.action(action, kind, namespace, name));
      setResult({ ok: true, text: a.message, command: a.command });
      onDone();
    } catch (err: unknown) {
      setResult({ ok: false, text: (err as Error).message, command: "" });
    }
  };
  return (
    <section aria-label="Actions" class="actions">
      {ACTION_LABELS.filter(
        (a) =>
          (a.action !== "reconcile-with-source" || detail.summary.source !== "") &&
          (a.action !== "suspend" || !detail.summary.suspended) &&
          (a.action !== "resume" || detail.summary.suspended),
      ).map((a) => (
        <button type="button" key={a.action} data-action={a.action} onClick={() => void run(a.action)}>
          {a.label}
        </button>
      ))}
      {session && !session.canAct ? <span class="muted">read-only: log in to act</span> : null}
      {result ? (
        <p role="status" class={result.ok ? "ok" : "error"}>
          {result.text}
          {result.command ? <code class="block">{result.command}</code> : null}
        </p>
      ) : null}
    </section>
  );
}

/** The object page. */
export function Detail({ kind, namespace, name, session }: Props) {
  const [detail, setDetail] = useState<ObjectDetail | undefined>();
  const [error, setError] = useState("");
  const load = useCallback(async () => {
    try {
      setDetail(await getJson<ObjectDetail>(paths.object(kind, namespace, name)));
      setError("");
    } catch (err: unknown) {
      setError((err as Error).message);
    }
  }, [kind, namespace, name]);
  useEffect(() => {
    void load();
  }, [load]);
  const [chainIds, setChainIds] = useState<string[]>([]);
  useEffect(() => setChainIds(detail?.chain.map((c) => c.id) ?? []), [detail]);
  useEffect(
    () =>
      onLive((m) => {
        const id = m.type === "upsert" ? m.object.id : m.type === "delete" ? m.id : "";
        if (
          m.type === "resync" ||
          m.type === "hello" ||
          id === objectIdOf(kind, namespace, name) ||
          chainIds.includes(id)
        ) {
          void load();
        }
      }),
    [load, chainIds, kind, namespace, name],
  );

  if (error) {
    return (
      <main>
        <p role="alert" class="error">
          {error}
        </p>
      </main>
    );
  }
  if (!detail) return <main>Loading…</main>;
  const s = detail.summary;
  return (
    <main class="detail">
      <h1>
        {s.kind} <span class="muted">{s.namespace}/</span>
        {s.name} <StateBadge state={s.state} />
      </h1>
      <p class="message">{s.message}</p>
      <dl class="facts">
        <dt>Revision</dt>
        <dd class="mono" data-testid="revision">
          {s.revision}
        </dd>
        <dt>Age</dt>
        <dd>{age(s.created)}</dd>
        {detail.dependsOn.length > 0 ? (
          <>
            <dt>Depends on</dt>
            <dd>{detail.dependsOn.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      <Actions detail={detail} session={session} onDone={() => void load()} />

      {s.kind === "Kustomization" || s.kind === "HelmRelease" ? (
        <>
          <h2>Resources</h2>
          <ResourceTree
            kind={s.kind}
            namespace={s.namespace}
            name={s.name}
            version={`${s.revision}|${s.state}|${s.lastTransition}|${detail.events[0]?.lastTimestamp ?? ""}`}
          />
        </>
      ) : null}

      {s.kind === "Kustomization" || s.kind === "HelmRelease" ? (
        <>
          <h2>Desired vs live</h2>
          <DiffView kind={s.kind} namespace={s.namespace} name={s.name} />
        </>
      ) : null}

      {s.kind === "HelmRelease" ? (
        // Any change of state or of the newest history entry re-reads Helm's storage (a quick install can
        // go from Unknown to Ready within the same second, so lastTransition alone would not change).
        <HelmHistory
          namespace={s.namespace}
          name={s.name}
          version={`${s.revision}|${s.state}|${s.lastTransition}|${detail.history[0]?.digest ?? ""}|${detail.history[0]?.status ?? ""}`}
        />
      ) : null}

      <h2>Source chain</h2>
      <ol class="chain">
        {detail.chain.map((c) => (
          <li key={c.id}>
            {c.linked ? <a href={objectHref(c.kind, c.namespace, c.name)}>{c.id}</a> : c.id}{" "}
            <StateBadge state={c.state} /> <span class="mono">{c.revision}</span>
          </li>
        ))}
      </ol>

      {detail.artifact ? (
        <>
          <h2>Artifact</h2>
          <dl class="facts">
            <dt>Revision</dt>
            <dd class="mono">{detail.artifact.revision}</dd>
            <dt>Digest</dt>
            <dd class="mono">{detail.artifact.digest}</dd>
            <dt>Size</dt>
            <dd>{bytes(detail.artifact.size)}</dd>
            <dt>URL</dt>
            <dd class="mono">{detail.artifact.url}</dd>
            <dt>Updated</dt>
            <dd>{detail.artifact.lastUpdateTime}</dd>
          </dl>
          <a class="button" href={detail.artifact.downloadPath} download>
            Download artifact
          </a>
        </>
      ) : null}

      <h2>Conditions</h2>
      <table class="conditions">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {detail.conditions.map((c) => (
            <tr key={c.type}>
              <td>{c.type}</td>
              <td>{c.status}</td>
              <td>{c.reason}</td>
              <td>{c.message}</td>
              <td title={c.lastTransitionTime}>{age(c.lastTransitionTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Logs</h2>
      <LogViewer kind={s.kind} namespace={s.namespace} name={s.name} />

      <h2>Events</h2>
      {detail.events.length === 0 ? <p class="muted">No events.</p> : null}
      <ul class="events">
        {detail.events.map((e, i) => (
          <li key={`${i}-${e.reason}`} class={e.type === "Warning" ? "warning" : ""}>
            <span class="muted">{age(e.lastTimestamp)}</span> <strong>{e.reason}</strong> {e.message}
            {e.count > 1 ? <span class="muted"> ×{e.count}</span> : null}
          </li>
        ))}
      </ul>

      {detail.history.length > 0 ? (
        <>
          <h2>History</h2>
          <table class="history">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">Digest</th>
                <th scope="col">Status</th>
                <th scope="col">First</th>
                <th scope="col">Last</th>
                <th scope="col">Duration</th>
                <th scope="col">Runs</th>
                {s.kind === "Kustomization" ? <th scope="col">Rollback</th> : null}
              </tr>
            </thead>
            <tbody>
              {detail.history.map((h, i) => (
                <tr key={`${i}-${h.digest}`}>
                  <td class="mono">{h.revision}</td>
                  <td class="mono">{h.digest.slice(0, 19)}</td>
                  <td>{h.status}</td>
                  <td title={h.firstReconciled}>{age(h.firstReconciled)}</td>
                  <td title={h.lastReconciled}>{age(h.lastReconciled)}</td>
                  <td>{h.durationMs === null ? "" : `${h.durationMs} ms`}</td>
                  <td>{h.totalReconciliations ?? ""}</td>
                  {s.kind === "Kustomization" ? (
                    <td>
                      {i > 0 && h.revision ? (
                        <RollbackButton namespace={s.namespace} name={s.name} revision={h.revision} />
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      {detail.valuesYaml ? (
        <>
          <h2>Values (spec)</h2>
          <pre class="yaml">{detail.valuesYaml}</pre>
        </>
      ) : null}
      <h2>Spec</h2>
      <pre class="yaml">{detail.specYaml}</pre>
    </main>
  );
}
