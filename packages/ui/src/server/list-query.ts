// The overview's server-side filter, search, sort and paging over the hub's rows.

import {
  type Counts,
  type ListQuery,
  OBJECT_STATES,
  type ObjectState,
  type ObjectSummary,
  SORT_KEYS,
  type SortKey,
} from "../shared/api.js";

/** Largest page the API returns. */
export const MAX_PAGE = 500;

/** Parses `GET /api/objects`'s query string; unknown sort keys and states are refused with a message. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const q: ListQuery = {};
  const kind = params.get("kind");
  if (kind) q.kind = kind;
  const namespace = params.get("namespace");
  if (namespace) q.namespace = namespace;
  const state = params.get("state");
  if (state) {
    if (!(OBJECT_STATES as readonly string[]).includes(state)) {
      throw new RangeError(`state "${state}": want one of ${OBJECT_STATES.join(", ")}`);
    }
    q.state = state as ObjectState;
  }
  const search = params.get("q");
  if (search) q.q = search.slice(0, 200);
  const sort = params.get("sort");
  if (sort) {
    if (!(SORT_KEYS as readonly string[]).includes(sort)) {
      throw new RangeError(`sort "${sort}": want one of ${SORT_KEYS.join(", ")}`);
    }
    q.sort = sort as SortKey;
  }
  if (params.get("desc") === "true") q.desc = true;
  q.offset = intParam(params, "offset", 0);
  q.limit = Math.min(intParam(params, "limit", 100), MAX_PAGE);
  return q;
}

function intParam(params: URLSearchParams, name: string, fallback: number): number {
  const v = params.get(name);
  if (v === null || v === "") return fallback;
  if (!/^\d{1,9}$/.test(v)) throw new RangeError(`${name} "${v}": want a non-negative integer`);
  return Number(v);
}

/** Whether a row passes the query's filters and search. */
export function matches(row: ObjectSummary, q: ListQuery): boolean {
  if (q.kind && row.kind !== q.kind) return false;
  if (q.namespace && row.namespace !== q.namespace) return false;
  if (q.state && row.state !== q.state) return false;
  if (q.q) {
    const needle = q.q.toLowerCase();
    const hay = `${row.kind}/${row.namespace}/${row.name} ${row.revision} ${row.message}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

const STATE_ORDER: Record<ObjectState, number> = {
  Failed: 0,
  Stalled: 1,
  Reconciling: 2,
  Unknown: 3,
  Suspended: 4,
  Ready: 5,
};

function compare(a: ObjectSummary, b: ObjectSummary, key: SortKey): number {
  switch (key) {
    case "state":
      return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case "age":
      // Oldest first: the earliest creation time is the greatest age.
      return a.created < b.created ? -1 : a.created > b.created ? 1 : 0;
    default: {
      const x = a[key];
      const y = b[key];
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

/** Filters, sorts and pages `rows` (in id order); returns the page and how many rows matched. */
export function queryRows(
  rows: readonly ObjectSummary[],
  q: ListQuery,
): { items: ObjectSummary[]; matched: number; offset: number } {
  const filtered = rows.filter((r) => matches(r, q));
  if (q.sort) {
    const key = q.sort;
    const sign = q.desc ? -1 : 1;
    filtered.sort((a, b) => sign * compare(a, b, key) || (a.id < b.id ? -1 : 1));
  } else if (q.desc) filtered.reverse();
  const offset = Math.min(q.offset ?? 0, filtered.length);
  const limit = q.limit ?? 100;
  return { items: filtered.slice(offset, offset + limit), matched: filtered.length, offset };
}

/** Counts of all rows by kind and state, and the namespaces seen. */
export function countRows(rows: readonly ObjectSummary[]): Counts {
  const byKind: Record<string, number> = {};
  const byState: Record<string, number> = {};
  const namespaces = new Set<string>();
  for (const r of rows) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    byState[r.state] = (byState[r.state] ?? 0) + 1;
    namespaces.add(r.namespace);
  }
  return { total: rows.length, byKind, byState, namespaces: [...namespaces].sort() };
}
