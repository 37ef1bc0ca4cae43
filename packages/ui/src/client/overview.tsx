// The overview: every Flux object by kind and namespace with its state, revision, age and message;
// filtered, searched, sorted and paged on the server; rows update live from the event stream.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { FIRST_PAGE, type ListPage, type ListQuery, OBJECT_STATES, paths, type SortKey } from "../shared/api.js";
import { getJson } from "./api-client.js";
import { age, objectHref, shortRevision } from "./format.js";
import { onLive } from "./live.js";
import { StateBadge } from "./state-badge.js";

const PAGE_SIZE = FIRST_PAGE.limit ?? 100;

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: "kind", label: "Kind" },
  { key: "namespace", label: "Namespace" },
  { key: "name", label: "Name" },
  { key: "state", label: "State" },
  { key: "revision", label: "Revision" },
  { key: "age", label: "Age" },
  { key: "message", label: "Message" },
];

/** The overview page. */
export function Overview() {
  const [query, setQuery] = useState<ListQuery>(FIRST_PAGE);
  const [search, setSearch] = useState("");
  const [page, setPage] = useState<ListPage | undefined>();
  const [error, setError] = useState("");
  const queryRef = useRef(query);
  const pageSeq = useRef<number | undefined>(undefined);
  queryRef.current = query;
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  /** The newest change sequence number the stream announced. */
  const latestSeq = useRef(0);
  const scheduleRefetch = useRef<() => void>(() => undefined);
  const load = useCallback(async (q: ListQuery) => {
    try {
      const next = await getJson<ListPage>(paths.objects(q));
      setPage(next);
      pageSeq.current = next.seq;
      setError("");
      // Changes announced while this page was being read: read again so order and counts catch up.
      if (next.seq < latestSeq.current) scheduleRefetch.current();
    } catch (err: unknown) {
      setError((err as Error).message);
    }
  }, []);
  scheduleRefetch.current = () => {
    if (refetchTimer.current !== undefined) return;
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = undefined;
      void load(queryRef.current);
    }, 300);
  };

  useEffect(() => {
    void load(query);
  }, [query, load]);

  // Debounced search: the server filters.
  useEffect(() => {
    const t = setTimeout(() => {
      if ((queryRef.current.q ?? "") !== search) setQuery({ ...queryRef.current, q: search, offset: 0 });
    }, 200);
    return () => clearTimeout(t);
  }, [search]);

  useEffect(
    () =>
      onLive((m) => {
        if (m.type === "upsert") {
          // Visible rows change in place at once; order, filter and counts follow with the refetch below.
          setPage((p) => {
            if (!p) return p;
            const i = p.items.findIndex((r) => r.id === m.object.id);
            if (i < 0) return p;
            const items = p.items.slice();
            items[i] = m.object;
            return { ...p, items };
          });
        }
        latestSeq.current = m.type === "hello" ? m.seq : Math.max(latestSeq.current, m.seq);
        if (m.type !== "hello" || m.seq > (pageSeq.current ?? 0)) scheduleRefetch.current();
      }),
    [load],
  );

  const set = (patch: Partial<ListQuery>) => setQuery({ ...query, offset: 0, ...patch });
  const counts = page?.counts;
  const offset = page?.offset ?? 0;
  const matched = page?.matched ?? 0;

  return (
    <main>
      <section class="counts" aria-label="Counts">
        <span>
          <strong>{counts?.total ?? 0}</strong> objects
        </span>
        {OBJECT_STATES.map((s) =>
          counts?.byState[s] ? (
            <button
              type="button"
              key={s}
              class={`chip state-${s.toLowerCase()}`}
              aria-pressed={query.state === s}
              onClick={() => {
                if (query.state !== s) return set({ state: s });
                const { state: _dropped, ...rest } = query;
                setQuery({ ...rest, offset: 0 });
              }}
            >
              {s} {counts.byState[s]}
            </button>
          ) : null,
        )}
        {page && !page.synced ? <span class="muted">loading caches…</span> : null}
      </section>
      <section class="filters" aria-label="Filters">
        <label>
          Kind{" "}
          <select value={query.kind ?? ""} onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value })}>
            <option value="">all</option>
            {Object.entries(counts?.byKind ?? {}).map(([k, n]) => (
              <option value={k} key={k}>
                {k} ({n})
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace{" "}
          <select
            value={query.namespace ?? ""}
            onChange={(e) => set({ namespace: (e.target as HTMLSelectElement).value })}
          >
            <option value="">all</option>
            {(counts?.namespaces ?? []).map((n) => (
              <option value={n} key={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Search{" "}
          <input
            type="search"
            placeholder="name, revision, message"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
      </section>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      <div class="table-wrap">
        <table class="objects">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={query.sort === c.key ? (query.desc ? "descending" : "ascending") : "none"}
                >
                  <button
                    type="button"
                    class="sort"
                    onClick={() => set({ sort: c.key, desc: query.sort === c.key ? !query.desc : false })}
                  >
                    {c.label}
                    {query.sort === c.key ? (query.desc ? " ▼" : " ▲") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(page?.items ?? []).map((r) => (
              <tr key={r.id} data-id={r.id}>
                <td>{r.kind}</td>
                <td>{r.namespace}</td>
                <td>
                  <a href={objectHref(r.kind, r.namespace, r.name)}>{r.name}</a>
                </td>
                <td>
                  <StateBadge state={r.state} />
                </td>
                <td class="mono revision" title={r.revision}>
                  {shortRevision(r.revision)}
                </td>
                <td title={r.created}>{age(r.created)}</td>
                <td class="message" title={r.message}>
                  {r.message}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setQuery({ ...query, offset: Math.max(0, offset - PAGE_SIZE) })}
        >
          ← Previous
        </button>
        <span>
          {matched === 0 ? 0 : offset + 1}–{Math.min(offset + PAGE_SIZE, matched)} of {matched}
        </span>
        <button
          type="button"
          disabled={offset + PAGE_SIZE >= matched}
          onClick={() => setQuery({ ...query, offset: offset + PAGE_SIZE })}
        >
          Next →
        </button>
      </nav>
    </main>
  );
}
