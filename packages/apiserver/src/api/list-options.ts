import { badRequest, expired } from "../errors.js";
import { type FieldSelector, parseFieldSelector } from "../selectors/field-selector.js";
import { type LabelSelector, parseLabelSelector } from "../selectors/label-selector.js";

/** Parsed list and watch query parameters. */
export interface ListOptions {
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  limit: number;
  continueKey?: string;
  continueRv?: number;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  watch: boolean;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

/** The continue token kube-apiserver issues: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}`. */
export function encodeContinue(rv: number, nextKey: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${nextKey}\u0000` })).toString("base64url");
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (raw.v !== "meta.k8s.io/v1" || typeof raw.rv !== "number" || typeof raw.start !== "string")
      throw new Error("bad");
    return { rv: raw.rv, start: raw.start };
  } catch {
    throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
}

function bool(v: string | null): boolean {
  return v === "true" || v === "1";
}

/** Parses list/watch options from the query string. */
export function parseListOptions(q: URLSearchParams, compactedRv: number): ListOptions {
  const opts: ListOptions = {
    labelSelector: parseLabelSelector(q.get("labelSelector") ?? undefined),
    fieldSelector: parseFieldSelector(q.get("fieldSelector") ?? undefined),
    limit: 0,
    watch: bool(q.get("watch")),
    allowWatchBookmarks: bool(q.get("allowWatchBookmarks")),
  };
  const limit = q.get("limit");
  if (limit !== null && limit !== "") {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`limit: Invalid value: "${limit}"`);
    opts.limit = n;
  }
  const cont = q.get("continue");
  if (cont) {
    const c = decodeContinue(cont);
    if (c.rv < compactedRv) {
      throw expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
      );
    }
    opts.continueKey = c.start;
    opts.continueRv = c.rv;
  }
  const rv = q.get("resourceVersion");
  if (rv !== null && rv !== "") opts.resourceVersion = rv;
  const rvm = q.get("resourceVersionMatch");
  if (rvm !== null && rvm !== "") opts.resourceVersionMatch = rvm;
  const timeout = q.get("timeoutSeconds");
  if (timeout !== null && timeout !== "") opts.timeoutSeconds = Number(timeout);
  const sie = q.get("sendInitialEvents");
  if (sie !== null) opts.sendInitialEvents = bool(sie);
  return opts;
}
