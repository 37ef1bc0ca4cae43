// The UI's HTTP API, as types both the server and the browser compile against. Every path the front end
// calls is built here, so a renamed route breaks the build instead of a page.

/** The kstatus-style state the overview shows for an object. */
export const OBJECT_STATES = ["Ready", "Reconciling", "Stalled", "Failed", "Suspended", "Unknown"] as const;
export type ObjectState = (typeof OBJECT_STATES)[number];

/** One Flux object as a row of the overview. */
export interface ObjectSummary {
  /** `Kind/namespace/name`: the row's identity. */
  id: string;
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  state: ObjectState;
  /** Whether `Ready` is True, False or Unknown (absent: no Ready condition yet). */
  ready: "True" | "False" | "Unknown" | "";
  reconciling: boolean;
  stalled: boolean;
  suspended: boolean;
  /** The revision last applied / the artifact's revision. */
  revision: string;
  /** The Ready condition's message. */
  message: string;
  /** metadata.creationTimestamp. */
  created: string;
  /** The Ready condition's lastTransitionTime. */
  lastTransition: string;
  /** `Kind/namespace/name` of the source this object uses, if any. */
  source: string;
}

/** Sort keys of the overview list. */
export const SORT_KEYS = ["kind", "namespace", "name", "state", "revision", "age", "message"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Query of `GET /api/objects`. */
export interface ListQuery {
  kind?: string;
  namespace?: string;
  state?: ObjectState;
  /** Case-insensitive substring of name, namespace, kind, revision or message. */
  q?: string;
  sort?: SortKey;
  desc?: boolean;
  offset?: number;
  limit?: number;
}

/** The overview's first query; index.html preloads `paths.objects(FIRST_PAGE)`. */
export const FIRST_PAGE: ListQuery = { sort: "kind", offset: 0, limit: 100 };

/** Counts of the whole cache, by kind and by state (unfiltered). */
export interface Counts {
  total: number;
  byKind: Record<string, number>;
  byState: Record<string, number>;
  namespaces: string[];
}

/** Answer of `GET /api/objects`: one page of the filtered, sorted list. */
export interface ListPage {
  items: ObjectSummary[];
  /** Rows matching the filter (all pages). */
  matched: number;
  offset: number;
  counts: Counts;
  /** Whether every watched kind's cache has synced. */
  synced: boolean;
  /** The change sequence number this page reflects (compare with SSE events). */
  seq: number;
}

/** One message of the `GET /api/events` Server-Sent Events stream (`data:` is its JSON). */
export type StreamMessage =
  | { type: "hello"; seq: number }
  | { type: "upsert"; seq: number; object: ObjectSummary }
  | { type: "delete"; seq: number; id: string }
  /** Sent instead of many single changes when a burst exceeds what a browser should apply one by one. */
  | { type: "resync"; seq: number };

/** A Kubernetes condition as shown. */
export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** A Kubernetes event about an object. */
export interface EventView {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastTimestamp: string;
  source: string;
}

/** One node of the resource tree (inventory → owned objects → their children). */
export interface TreeNode {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** kstatus health: Current, InProgress, Failed, NotFound, Unknown. */
  health: string;
  message: string;
  children: TreeNode[];
}

/** One link of the source chain (like `sluice trace`). */
export interface ChainLink {
  id: string;
  kind: string;
  namespace: string;
  name: string;
  state: ObjectState;
  revision: string;
  message: string;
  /** Whether the UI watches this kind (a detail page exists). */
  linked: boolean;
}

/** One `status.history` entry (Kustomization and HelmRelease). */
export interface HistoryEntry {
  /** Revision / chart version applied. */
  revision: string;
  digest: string;
  firstReconciled: string;
  lastReconciled: string;
  durationMs: number | null;
  status: string;
  totalReconciliations: number | null;
  /** Helm: the release version number. */
  version: number | null;
  /** Source revision (commit) this entry came from, when known. */
  sourceRevision: string;
}

/** The artifact of a source. */
export interface ArtifactView {
  revision: string;
  digest: string;
  size: number | null;
  url: string;
  lastUpdateTime: string;
  /** The UI's own download path for it. */
  downloadPath: string;
}

/** Answer of `GET /api/object/:kind/:namespace/:name`. */
export interface ObjectDetail {
  summary: ObjectSummary;
  conditions: ConditionView[];
  events: EventView[];
  chain: ChainLink[];
  history: HistoryEntry[];
  artifact: ArtifactView | null;
  /** Spec as YAML (Secret/ConfigMap data never included: this is a Flux object). */
  specYaml: string;
  /** What the object depends on (`spec.dependsOn`). */
  dependsOn: string[];
  /** Helm: values as YAML (`spec.values`). */
  valuesYaml: string;
}

/** One version of a Helm release as Helm's storage holds it. */
export interface HelmRevision {
  version: number;
  /** deployed, superseded, failed, pending-upgrade, uninstalled, … */
  status: string;
  chartName: string;
  chartVersion: string;
  appVersion: string;
  firstDeployed: string;
  lastDeployed: string;
  deleted: string;
  description: string;
  /** The user-supplied values as YAML; values from `valuesFrom` Secrets and ConfigMaps are `*****`. */
  valuesYaml: string;
}

/** Answer of `GET /api/helm/HelmRelease/:namespace/:name`: the release history from Helm's storage. */
export interface HelmHistoryAnswer {
  release: string;
  /** Namespace the release's storage Secrets are in. */
  storageNamespace: string;
  /** Newest first. */
  revisions: HelmRevision[];
}

/** One controller log line about an object. */
export interface LogLine {
  ts: string;
  level: string;
  msg: string;
  error: string;
  /** The controller that wrote it (Pod `app` label or log file name). */
  controller: string;
}

/** One message of the `GET /api/logs/:kind/:namespace/:name` Server-Sent Events stream. */
export type LogMessage =
  /** Where the lines come from: the controllers' Pods (pods/log) or `sluice up`'s log files. */
  | { type: "source"; source: "pods" | "files" }
  | { type: "lines"; lines: LogLine[] }
  | { type: "error"; message: string };

/** Answer of `GET /api/tree/:kind/:namespace/:name`. */
export interface TreeAnswer {
  nodes: TreeNode[];
}

/** One object of the desired-vs-live diff. */
export interface DiffEntry {
  id: string;
  /** created: not live; changed: dry-run differs from live; deleted: pruned by the next reconcile. */
  action: "created" | "changed" | "unchanged" | "deleted" | "error";
  /** Unified-style lines, `+`/`-`/` ` prefixed; Secret values masked. */
  lines: string[];
  message: string;
}

/** Answer of `GET /api/diff/:kind/:namespace/:name`. */
export interface DiffAnswer {
  /** The source artifact revision the objects were built from (Helm: `<chart>@<version> (release vN)`). */
  revision: string;
  /** Objects that would change (created, changed, deleted) out of `entries`. */
  changes: number;
  entries: DiffEntry[];
}

/** Who the browser is logged in as. */
export interface Session {
  user: string;
  /** Whether actions are allowed (false: read-only). */
  canAct: boolean;
  /** Send this as `X-CSRF-Token` on every POST. */
  csrfToken: string;
  /** Whether "Log in with OIDC" is offered (`paths.oidcLogin`). */
  oidc: boolean;
}

/** The actions the UI offers; each is one API call a user could make with kubectl. */
export const ACTIONS = ["reconcile", "reconcile-with-source", "suspend", "resume"] as const;
export type ActionName = (typeof ACTIONS)[number];

/** Answer of an action or rollback. */
export interface ActionAnswer {
  ok: boolean;
  message: string;
  /** The equivalent command line. */
  command: string;
}

/** Answer of `POST /api/rollback/...`: a revert commit, or the commands to make one. */
export interface RollbackAnswer {
  committed: boolean;
  /** The new commit's SHA when committed. */
  commit: string;
  message: string;
  /** Commands that produce the same revert by hand. */
  commands: string[];
}

/** Header carrying the CSRF token on state-changing requests. */
export const CSRF_HEADER = "x-csrf-token";

/** Builds the API paths. */
export const paths = {
  objects: (q: ListQuery): string => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
    const s = p.toString();
    return s ? `/api/objects?${s}` : "/api/objects";
  },
  events: "/api/events",
  session: "/api/session",
  login: "/api/login",
  logout: "/api/logout",
  oidcLogin: "/api/oidc/login",
  oidcCallback: "/api/oidc/callback",
  object: (kind: string, namespace: string, name: string) => `/api/object/${seg(kind, namespace, name)}`,
  tree: (kind: string, namespace: string, name: string) => `/api/tree/${seg(kind, namespace, name)}`,
  diff: (kind: string, namespace: string, name: string) => `/api/diff/${seg(kind, namespace, name)}`,
  logs: (kind: string, namespace: string, name: string) => `/api/logs/${seg(kind, namespace, name)}`,
  helm: (namespace: string, name: string) => `/api/helm/${seg("HelmRelease", namespace, name)}`,
  action: (action: ActionName, kind: string, namespace: string, name: string) =>
    `/api/action/${action}/${seg(kind, namespace, name)}`,
  rollback: (kind: string, namespace: string, name: string) => `/api/rollback/${seg(kind, namespace, name)}`,
  artifact: (kind: string, namespace: string, name: string) => `/api/artifact/${seg(kind, namespace, name)}`,
};

function seg(kind: string, namespace: string, name: string): string {
  return [kind, namespace, name].map(encodeURIComponent).join("/");
}

/** `Kind/namespace/name`: the id of an overview row. */
export function objectIdOf(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
