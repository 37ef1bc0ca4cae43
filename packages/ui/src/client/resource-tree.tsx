// The resource tree section of a Kustomization or HelmRelease page.

import { useEffect, useState } from "preact/hooks";
import { paths, type TreeAnswer, type TreeNode } from "../shared/api.js";
import { getJson } from "./api-client.js";
import { objectHref } from "./format.js";

const FLUX_KINDS = new Set(["Kustomization", "HelmRelease"]);

function Health({ health }: { health: string }) {
  return <span class={`badge health-${health.toLowerCase()}`}>{health}</span>;
}

function Node({ n }: { n: TreeNode }) {
  const label = `${n.kind} ${n.namespace ? `${n.namespace}/` : ""}${n.name}`;
  return (
    <li data-kind={n.kind} data-name={n.name}>
      {FLUX_KINDS.has(n.kind) ? <a href={objectHref(n.kind, n.namespace, n.name)}>{label}</a> : <span>{label}</span>}{" "}
      <Health health={n.health} /> {n.health !== "Current" && n.message ? <span class="muted">{n.message}</span> : null}
      {n.children.length > 0 ? (
        <ul>
          {n.children.map((c) => (
            <Node key={`${c.kind}/${c.namespace}/${c.name}`} n={c} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** Loads and shows the tree; `version` changes make it reload (the object changed). */
export function ResourceTree({
  kind,
  namespace,
  name,
  version,
}: {
  kind: string;
  namespace: string;
  name: string;
  version: string;
}) {
  const [tree, setTree] = useState<TreeAnswer | undefined>();
  const [error, setError] = useState("");
  useEffect(() => {
    getJson<TreeAnswer>(paths.tree(kind, namespace, name)).then(
      (t) => {
        setTree(t);
        setError("");
      },
      (err: unknown) => setError((err as Error).message),
    );
  }, [kind, namespace, name, version]);
  if (error) return <p class="error">{error}</p>;
  if (!tree) return <p class="muted">Loading…</p>;
  if (tree.nodes.length === 0) return <p class="muted">Nothing applied yet.</p>;
  return (
    <ul class="tree" aria-label="Resource tree">
      {tree.nodes.map((n) => (
        <Node key={`${n.kind}/${n.namespace}/${n.name}`} n={n} />
      ))}
    </ul>
  );
}
