// The kinds the CLI addresses, by the names flux's commands use for them.

import { HELM_API_VERSION, KUSTOMIZE_API_VERSION, SOURCE_API_VERSION } from "@sluice/api";
import { CliError } from "./errors.js";

/** One Flux kind as the CLI names it. */
export interface CliKind {
  /** The word in commands (`git`, `kustomization`). */
  name: string;
  apiVersion: string;
  kind: string;
  /** Whether it is a source (`sluice … source <name>`). */
  source: boolean;
}

/** Source kinds by their `source` sub-command name. */
export const SOURCE_KINDS: readonly CliKind[] = [
  { name: "git", apiVersion: SOURCE_API_VERSION, kind: "GitRepository", source: true },
  { name: "helm", apiVersion: SOURCE_API_VERSION, kind: "HelmRepository", source: true },
  { name: "chart", apiVersion: SOURCE_API_VERSION, kind: "HelmChart", source: true },
  { name: "oci", apiVersion: SOURCE_API_VERSION, kind: "OCIRepository", source: true },
  { name: "bucket", apiVersion: SOURCE_API_VERSION, kind: "Bucket", source: true },
];

/** The Kustomization kind. */
export const KUSTOMIZATION: CliKind = {
  name: "kustomization",
  apiVersion: KUSTOMIZE_API_VERSION,
  kind: "Kustomization",
  source: false,
};

/** The HelmRelease kind. */
export const HELMRELEASE: CliKind = {
  name: "helmrelease",
  apiVersion: HELM_API_VERSION,
  kind: "HelmRelease",
  source: false,
};

/** The reconciled workload kinds (`kustomization`, `helmrelease`). */
export const APPLIER_KINDS: readonly CliKind[] = [KUSTOMIZATION, HELMRELEASE];

/** Finds a source kind by its sub-command name. */
export function sourceKind(name: string): CliKind {
  const found = SOURCE_KINDS.find((k) => k.name === name);
  if (!found) {
    throw new CliError(`unknown source kind "${name}": want one of ${SOURCE_KINDS.map((k) => k.name).join(", ")}`);
  }
  return found;
}

/** Finds a kind by a `Kind/name` reference's kind, case-insensitive (GitRepository, gitrepository). */
export function kindByKindName(kind: string): CliKind | undefined {
  const k = kind.toLowerCase();
  return [...SOURCE_KINDS, ...APPLIER_KINDS].find((c) => c.kind.toLowerCase() === k);
}

/** Parses `Kind/name` or `Kind/namespace/name` (flux's `--source`/`--for` format). */
export function parseKindRef(value: string, flag: string): { kind: string; namespace?: string; name: string } {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new CliError(`invalid ${flag} "${value}": want <kind>/<name> or <kind>/<namespace>/<name>`);
  }
  if (parts.length === 3) return { kind: parts[0]!, namespace: parts[1]!, name: parts[2]! };
  return { kind: parts[0]!, name: parts[1]! };
}
